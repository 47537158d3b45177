// The open WebSocket connections (for shutdown and /metrics): weakly held, by id. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "server/connection.hpp"

namespace hashchat::server {

class connection_set {
  public:
    void add(const std::shared_ptr<connection>& c);
    void remove(std::uint64_t id);
    std::size_t size();
    // Closes every open connection with `code`.
    void close_all(std::uint16_t code);
    // After the I/O threads have stopped: forgets them all (outside its lock: a connection that
    // goes with it gives its address's place back, which takes other locks).
    void clear();

  private:
    std::mutex mutex_;
    std::unordered_map<std::uint64_t, std::weak_ptr<connection>> open_;
};

}  // namespace hashchat::server
