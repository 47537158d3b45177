// Per network address: WebSocket connections open (a place is taken before the upgrade and given
// back when the connection ends) and sessions created in the last hour (core::window_limit).
// Thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/rate_limit.hpp"
#include "core/time.hpp"

namespace hashchat::server {

class address_limits {
  public:
    // 0 creations: no limit.
    address_limits(std::size_t connections, std::size_t creations_per_hour);

    bool reserve_connection(const std::string& address);
    void release_connection(const std::string& address);
    // Nothing if `address` may create a session at `now` (and counts it), else the wait.
    std::optional<core::duration> admit_creation(const std::string& address, core::instant now);

  private:
    const std::size_t connections_;
    const std::size_t creations_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::size_t> open_;
    std::unordered_map<std::string, core::window_limit> created_;
};

}  // namespace hashchat::server
