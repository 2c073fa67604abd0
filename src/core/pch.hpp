#pragma once
// Precompiled header: the heavy Boost headers most translation units include.
#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
