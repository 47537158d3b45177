// Everything the operator can set when starting the server.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "core/time.hpp"
#include "store/store.hpp"

namespace hashchat::server {

struct options {
    std::string bind = "127.0.0.1";
    unsigned short port = 8080;
    std::filesystem::path data_dir = "var";
    int threads = 1;
    std::string log_level = "info";
    std::optional<core::instant> test_clock;  // time stands still until POST /api/test/clock
    std::filesystem::path web_root;           // the built web client (web-client/dist)
    store::durability durability = store::durability::full;
    std::size_t max_text = 1000;            // code points of a post
    std::size_t queue_bytes = 1024 * 1024;  // a connection's send queue bound
    std::size_t max_frame = 64 * 1024;      // largest WebSocket message accepted
    std::size_t max_waiting = 1024;         // commands a session holds back under overload
};

}  // namespace hashchat::server
