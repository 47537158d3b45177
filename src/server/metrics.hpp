// Counters an operator watches, rendered in the Prometheus text format.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace hashchat::server {

struct metrics {
    std::atomic<std::int64_t> connections{0};  // open WebSocket connections
    std::atomic<std::int64_t> sessions{0};
    std::atomic<std::uint64_t> events_appended{0};
    std::atomic<std::uint64_t> commits{0};
    std::atomic<std::uint64_t> deliveries{0};  // events written to connections
    std::atomic<std::uint64_t> write_batches{0};
    std::atomic<std::uint64_t> connections_dropped{0};
    std::atomic<std::uint64_t> messages_received{0};
    std::atomic<std::uint64_t> errors_sent{0};
    std::atomic<std::int64_t> queued_bytes{0};
    std::atomic<std::uint64_t> commands_deferred{0};  // waited for fan-out to catch up
    std::atomic<std::uint64_t> rate_limited{0};

    std::string render() const;
};

}  // namespace hashchat::server
