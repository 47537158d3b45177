// Milliseconds of the steady clock: for transport matters (stalled readers, rate buckets), never
// for the chat's own time, which comes from server::clock.
#pragma once

#include <chrono>
#include <cstdint>

namespace hashchat::server {

inline std::int64_t steady_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

inline std::int64_t steady_now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace hashchat::server
