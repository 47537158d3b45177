// Time as the core sees it: instants and durations in milliseconds. The core never reads a
// clock; every operation that depends on time receives `now` from the caller.
#pragma once

#include <chrono>

namespace hashchat::core {

using duration = std::chrono::milliseconds;
using instant = std::chrono::sys_time<duration>;

constexpr duration minutes(long long m) { return std::chrono::minutes(m); }

}  // namespace hashchat::core
