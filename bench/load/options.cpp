#include "options.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <functional>
#include <map>
#include <string_view>
#include <vector>

namespace hashchat::bench::load {

const char* const usage_text = R"(usage: hashchat-load [options]

Opens many WebSocket clients to a chat server, has some of them post at a fixed total rate, and
measures connect time, end-to-end fan-out latency (send -> every member receives), throughput,
and correctness (lost, duplicated, reordered messages). Prints a table; --json writes the same.

  --url URL[,URL...]      ws://HOST:PORT/PATH (default ws://127.0.0.1:8080/ws); several (the
                          nodes of a cluster): client i connects to the (i mod n)-th, sessions
                          are made on the first
  --mode hashchat|raw     hashchat (default): create sessions over HTTP, hello, post/ack,
                          event/events; raw: every text frame is broadcast to every client
                          (e.g. Boost.Beast's chat-multi, a Node ws broadcast server)
  --clients N             WebSocket clients (default 1000)
  --sessions S            hashchat sessions the clients are spread over (default 1)
  --posters P             clients that post, spread over the sessions (default 10)
  --rate R                posts per second, all posters together (default 100)
  --warmup SECONDS        posting before the measured window (default 5)
  --duration SECONDS      the measured window (default 30)
  --drain-timeout SECONDS after posting stops, how long to wait for every client to receive
                          everything that was acknowledged (raw: sent) (default 10)
  --connect-timeout SECONDS  all clients connected and joined within this (default 30)
  --connect-concurrency N handshakes in flight at once (default 200)
  --threads T             threads running the clients' single io_context (default 1)
  --post-bytes B          filler added to each post's text (default 0)
  --hashtag TAG           hashtag of the sessions created (default loadtest)
  --creation-token TOKEN  for a server started with --creation-token
  --raw-no-echo           raw mode: the server does not send a client's frames back to it
  --max-p99-ms X          fail if the end-to-end p99 exceeds X ms
  --json FILE             write the results as JSON
  --smoke                 a short CI run: 300 clients, 3 sessions, 15 posters, 150 posts/s,
                          1 s warm-up, 4 s measured (options given as well override it)
  --help                  this text

Exit status: 0 if every client connected and received everything once and in order (and p99 is
within --max-p99-ms); 1 if not; 2 for a bad command line or a server that cannot be set up.
The server should run with --profile=loadtest: its per-connection rate limits and per-address
caps (1,000 connections, 30 created sessions an hour) would refuse a load test.
)";

std::vector<endpoint> parse_ws_urls(const std::string& urls) {
    std::vector<endpoint> out;
    std::size_t at = 0;
    while (at <= urls.size()) {
        const auto end = std::min(urls.find(',', at), urls.size());
        auto one = parse_ws_url(urls.substr(at, end - at));
        if (!one) return {};
        out.push_back(std::move(*one));
        at = end + 1;
    }
    return out;
}

std::optional<endpoint> parse_ws_url(const std::string& url) {
    constexpr std::string_view scheme = "ws://";
    if (url.compare(0, scheme.size(), scheme) != 0) return std::nullopt;
    const std::string rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    endpoint e;
    e.target = slash == std::string::npos ? "/" : rest.substr(slash);
    const auto colon = authority.rfind(':');
    if (colon == std::string::npos) {
        e.host = authority;
        e.port = "80";
    } else {
        e.host = authority.substr(0, colon);
        e.port = authority.substr(colon + 1);
    }
    if (e.host.empty() || e.port.empty()) return std::nullopt;
    return e;
}

namespace {

bool to_int(const std::string& s, int& out, int lo, int hi) {
    int v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < lo || v > hi) return false;
    out = v;
    return true;
}

bool to_seconds(const std::string& s, double& out, double lo, double hi) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !(v >= lo && v <= hi)) return false;
    out = v;
    return true;
}

void apply_smoke(options& o) {
    o.clients = 300;
    o.sessions = 3;
    o.posters = 15;
    o.rate = 150;
    o.warmup = 1;
    o.duration = 4;
    o.drain_timeout = 10;
    o.connect_timeout = 10;
}

}  // namespace

parsed_options parse_options(int argc, const char* const* argv) {
    parsed_options out;
    options& o = out.opts;
    std::vector<std::string> args(argv + 1, argv + argc);
    for (const auto& a : args) {
        if (a == "--smoke") {
            o.smoke = true;
            apply_smoke(o);
        }
    }
    using setter = std::function<bool(const std::string&)>;
    const std::map<std::string, setter, std::less<>> valued = {
        {"--url", [&](const std::string& v) { return (o.url = v, !parse_ws_urls(v).empty()); }},
        {"--mode",
         [&](const std::string& v) {
             if (v == "hashchat") return (o.mode = load_mode::hashchat, true);
             if (v == "raw") return (o.mode = load_mode::raw, true);
             return false;
         }},
        {"--clients", [&](const std::string& v) { return to_int(v, o.clients, 1, 1000000); }},
        {"--sessions", [&](const std::string& v) { return to_int(v, o.sessions, 1, 10000); }},
        {"--posters", [&](const std::string& v) { return to_int(v, o.posters, 0, 1000000); }},
        {"--rate", [&](const std::string& v) { return to_seconds(v, o.rate, 0, 1e7); }},
        {"--warmup", [&](const std::string& v) { return to_seconds(v, o.warmup, 0, 86400); }},
        {"--duration", [&](const std::string& v) { return to_seconds(v, o.duration, 0.1, 86400); }},
        {"--drain-timeout",
         [&](const std::string& v) { return to_seconds(v, o.drain_timeout, 0, 3600); }},
        {"--connect-timeout",
         [&](const std::string& v) { return to_seconds(v, o.connect_timeout, 0.1, 3600); }},
        {"--connect-concurrency",
         [&](const std::string& v) { return to_int(v, o.connect_concurrency, 1, 100000); }},
        {"--threads", [&](const std::string& v) { return to_int(v, o.threads, 1, 256); }},
        {"--post-bytes", [&](const std::string& v) { return to_int(v, o.post_bytes, 0, 900); }},
        {"--hashtag", [&](const std::string& v) { return (o.hashtag = v, !v.empty()); }},
        {"--creation-token", [&](const std::string& v) { return (o.creation_token = v, true); }},
        {"--max-p99-ms",
         [&](const std::string& v) {
             double x = 0;
             if (!to_seconds(v, x, 0, 1e9)) return false;
             o.max_p99_ms = x;
             return true;
         }},
        {"--json", [&](const std::string& v) { return (o.json_file = v, !v.empty()); }},
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i];
        std::string value;
        bool has_value = false;
        if (const auto eq = name.find('='); eq != std::string::npos && name.rfind("--", 0) == 0) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_value = true;
        }
        if (name == "--help" || name == "-h") {
            out.help = true;
            return out;
        }
        if (name == "--smoke") continue;
        if (name == "--raw-no-echo") {
            o.raw_no_echo = true;
            continue;
        }
        const auto it = valued.find(name);
        if (it == valued.end()) {
            out.error = "unknown option " + name;
            return out;
        }
        if (!has_value) {
            if (i + 1 >= args.size()) {
                out.error = name + " needs a value";
                return out;
            }
            value = args[++i];
        }
        if (!it->second(value)) {
            out.error = "bad value for " + name + ": " + value;
            return out;
        }
    }
    if (o.posters > o.clients) out.error = "--posters cannot exceed --clients";
    if (o.mode == load_mode::hashchat && o.sessions > o.clients) {
        out.error = "--sessions cannot exceed --clients";
    }
    if (o.posters == 0 && o.rate > 0) out.error = "--rate needs at least one poster";
    return out;
}

}  // namespace hashchat::bench::load
