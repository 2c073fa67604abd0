#pragma once
// What a viewer does when it finds no live stream under the name it asked for: if an on-demand
// source publishes that name (StreamDirectory::demand starts it), it waits for the stream for
// up to pull.start_timeout instead of being told "not found" at once.
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <string>

#include "protocol/server_context.hpp"

namespace firstmile::pull {

// On the caller's executor. Returns at once (false unless `ready()` holds) when no on-demand
// source publishes `app/name`; else checks `ready()` every 50 ms until it holds (true) or
// pull.start_timeout passes (false), asking again each time so that the source stays wanted
// while a viewer waits.
boost::asio::awaitable<bool> wait_for_demand(ServerContext& ctx, const std::string& app,
                                             const std::string& name, std::function<bool()> ready);

}  // namespace firstmile::pull
