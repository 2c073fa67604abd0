#pragma once
// The completion token of the coroutines' I/O calls: co_await op(..., kAwaitable) yields
// (error_code, results...) instead of throwing, so each call site decides what an error means.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace firstmile {

inline constexpr auto kAwaitable = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace firstmile
