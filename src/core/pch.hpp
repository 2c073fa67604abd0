#pragma once
// Precompiled header: the heavy Boost headers most translation units include.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>
