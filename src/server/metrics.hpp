// Counters and histograms an operator watches, rendered in the Prometheus text format.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace hashchat::server {

// A Prometheus histogram with fixed upper bounds (the last is +Inf). Lock-free: any thread may
// observe.
template <std::size_t N>
struct histogram {
    std::array<double, N> bounds;  // upper bounds, ascending, without +Inf
    std::array<std::atomic<std::uint64_t>, N + 1> counts{};
    std::atomic<double> sum{0};

    // `n` observations of `value`.
    void observe(double value, std::uint64_t n = 1) {
        std::size_t i = 0;
        while (i < N && value > bounds[i]) ++i;
        counts[i].fetch_add(n, std::memory_order_relaxed);
        double s = sum.load(std::memory_order_relaxed);
        while (!sum.compare_exchange_weak(s, s + value * static_cast<double>(n),
                                          std::memory_order_relaxed)) {
        }
    }
};

struct metrics {
    std::atomic<std::int64_t> connections{0};    // open WebSocket connections
    std::atomic<std::int64_t> sessions{0};       // stored
    std::atomic<std::int64_t> rooms_loaded{0};   // with a room in memory
    std::atomic<std::uint64_t> rooms_built{0};   // rooms built (from the store)
    std::atomic<std::uint64_t> memory_trims{0};  // malloc_trim after rooms were let go
    std::atomic<std::uint64_t> events_appended{0};
    std::atomic<std::uint64_t> commits{0};
    std::atomic<std::uint64_t> deliveries{0};  // events handed to connections for writing
    std::atomic<std::uint64_t> write_batches{0};
    std::atomic<std::uint64_t> connections_dropped{0};
    std::atomic<std::uint64_t> messages_received{0};
    std::atomic<std::uint64_t> errors_sent{0};
    std::atomic<std::int64_t> queued_bytes{0};
    // Share of the process's CPUs it used over the last fraction of a second (smoothed), in
    // thousandths: the fan-out interval stretches when it is high (fanout_interval.hpp).
    std::atomic<std::int64_t> cpu_busy_permille{0};
    std::atomic<std::uint64_t> commands_deferred{0};     // waited for fan-out to catch up
    std::atomic<std::uint64_t> commands_handed_over{0};  // to another node, the session's writer
    std::atomic<std::uint64_t> rate_limited{0};
    std::atomic<std::uint64_t> store_unavailable{0};    // transactions refused: store unreachable
    std::atomic<std::int64_t> leases_held{0};           // several nodes: sessions written here
    std::atomic<std::uint64_t> sessions_taken_over{0};  // from a writer whose lease expired

    // Events per WebSocket write (live fan-out and backlog), events per SQLite commit, and
    // seconds from a command reaching its room to its event being written to each member.
    histogram<10> write_batch_events{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}};
    histogram<12> commit_batch_events{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096}};
    histogram<12> delivery_seconds{
        {0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}};

    std::string render() const;
};

}  // namespace hashchat::server
