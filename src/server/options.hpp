// Everything the operator can set when starting the server.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/rate_limit.hpp"
#include "core/time.hpp"
#include "store/store.hpp"

namespace hashchat::server {

struct options {
    std::string bind = "127.0.0.1";
    unsigned short port = 8080;
    std::filesystem::path data_dir = "var";
    std::string database;  // a PostgreSQL URL (libpq); empty: SQLite in data_dir
    std::string node_id;   // several nodes on `database` (server/cluster.hpp); empty: one node
    // A writer that dies is taken over within lease + renew: 5 s.
    int lease_ms = 4000;
    int lease_renew_ms = 1000;
    int threads = 1;
    std::string log_level = "info";
    std::optional<core::instant> test_clock;  // time stands still until POST /api/test/clock
    std::filesystem::path web_root;           // the built web client (web-client/dist)
    std::string public_url;  // where participants reach the server (links, QR codes); empty: Host
    store::durability durability = store::durability::full;
    std::size_t max_text = 1000;            // code points of a post
    std::size_t queue_bytes = 1024 * 1024;  // a connection's send queue bound
    std::size_t max_frame = 64 * 1024;      // largest WebSocket message accepted
    std::size_t max_waiting = 1024;         // commands a session holds back under overload
    int fanout_interval_ms = 10;            // a session's broadcasts start at most this often
    int room_idle_seconds = 300;  // a room with nothing in flight nor due this soon is let go
    int index_delay_ms = 250;     // the search index follows the log at most this late
    int sqlite_cache_mb = 64;     // the writer's SQLite page cache
    std::size_t socket_send_buffer = 0;  // SO_SNDBUF of accepted sockets; 0: the kernel's

    // Abuse limits (see docs/operations.md; --profile=loadtest lifts them).
    core::bucket_rule post_rate{10, 1};    // post, edit, announce per connection
    core::bucket_rule like_rate{30, 5};    // like, unlike per connection
    core::bucket_rule other_rate{60, 20};  // every other message per connection
    std::size_t max_connections_per_address = 1000;
    std::size_t max_sessions_per_hour = 30;    // created per network address
    bool trust_proxy = false;                  // take the client's address from X-Forwarded-For
    std::vector<std::string> allowed_origins;  // besides the server's own
    std::string creation_token;                // if set, needed to create sessions
};

}  // namespace hashchat::server
