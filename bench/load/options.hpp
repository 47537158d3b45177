// hashchat-load's command line: what to run against, how big, how long, and what counts as a
// failure.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hashchat::bench::load {

enum class load_mode {
    hashchat,  // sessions, hello, post/ack, event/events
    raw,       // a server that broadcasts every text frame to every client
};

struct options {
    load_mode mode = load_mode::hashchat;
    std::string url = "ws://127.0.0.1:8080/ws";
    int clients = 1000;
    int sessions = 1;
    int posters = 10;
    double rate = 100;  // posts per second, all posters together
    double warmup = 5;  // seconds
    double duration = 30;
    double drain_timeout = 10;
    double connect_timeout = 30;
    int connect_concurrency = 200;  // handshakes in flight at once
    int threads = 1;
    int post_bytes = 0;  // filler added to each post's text
    bool raw_no_echo = false;
    std::string hashtag = "loadtest";
    std::string creation_token;
    std::optional<double> max_p99_ms;
    std::string json_file;
    bool smoke = false;
};

// The parts of a ws:// URL.
struct endpoint {
    std::string host;
    std::string port;
    std::string target;  // path and query, "/" at least
};

std::optional<endpoint> parse_ws_url(const std::string& url);
// A comma-separated list of ws:// URLs; empty if any is not one.
std::vector<endpoint> parse_ws_urls(const std::string& urls);

struct parsed_options {
    options opts;
    bool help = false;
    std::string error;  // set when the command line is wrong
};

parsed_options parse_options(int argc, const char* const* argv);

extern const char* const usage_text;

}  // namespace hashchat::bench::load
