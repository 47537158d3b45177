// Measurements that every delivery updates, kept per thread so the receive path takes no lock
// and shares no cache line; merged once the run is over.
#pragma once

#include <cstdint>
#include <vector>

#include "histogram.hpp"

namespace hashchat::bench::load {

struct thread_stats {
    histogram latency;      // send -> receive of posts sent in the measured window
    histogram ack_latency;  // send -> ack (hashchat) of posts sent in the measured window
    histogram connect;      // TCP connect -> upgraded (raw) or welcomed (hashchat)
    std::uint64_t deliveries_in_window = 0;  // post events received in the window
    std::uint64_t acks_in_window = 0;
    std::uint64_t posts_in_window = 0;  // posts sent in the window
    std::uint64_t deliveries = 0;       // post events received, whole run
    std::uint64_t frames = 0;           // WebSocket messages received
    std::uint64_t reads = 0;            // read system calls that returned data
    std::uint64_t bytes = 0;
};

// This thread's stats; created on first use and kept until the process ends.
thread_stats& local_stats();

// Every thread's stats merged; call when no thread is running clients any more.
thread_stats merged_stats();

}  // namespace hashchat::bench::load
