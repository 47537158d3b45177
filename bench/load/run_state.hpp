// What every client of a run shares: settings fixed before the first connect, the measured
// window, and the per-session facts that the drain waits on.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "options.hpp"

namespace hashchat::bench::load {

inline std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

struct session_state {
    std::string id;
    std::string moderator_key;
    std::atomic<std::int64_t> max_acked_seq{0};  // the newest seq any poster was acked
};

struct run_state {
    load_mode mode = load_mode::hashchat;
    // The server, or the nodes of a cluster: a client connects to node (index mod n), where
    // moderators count from -1 down. Sessions are made on the first.
    std::vector<endpoint> wheres;
    std::vector<boost::asio::ip::tcp::endpoint> addresses;
    std::size_t node_of(int index) const {
        const auto i = static_cast<std::size_t>(index < 0 ? -1 - index : index);
        return i % wheres.size();
    }
    std::size_t post_pad = 0;
    bool raw_no_echo = false;
    // The measured window, steady ns; set before the first post.
    std::atomic<std::int64_t> window_begin{std::numeric_limits<std::int64_t>::max()};
    std::atomic<std::int64_t> window_end{std::numeric_limits<std::int64_t>::max()};
    std::vector<session_state> sessions;  // sized once, never resized

    bool in_window(std::int64_t ns) const {
        return ns >= window_begin.load(std::memory_order_relaxed) &&
               ns < window_end.load(std::memory_order_relaxed);
    }
};

}  // namespace hashchat::bench::load
