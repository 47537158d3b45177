// hashchat: reads the configuration (flags, then HASHCHAT_* environment variables, then
// defaults), sets up logging and runs the server.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "app/tools.hpp"
#include "protocol/time_format.hpp"
#include "server/http_util.hpp"
#include "server/server.hpp"

#ifndef HASHCHAT_DEFAULT_WEB_ROOT
#define HASHCHAT_DEFAULT_WEB_ROOT "web-client/dist"
#endif

namespace {

constexpr const char* usage =
    R"(hashchat: scheduled hashtag chats (live Q1/A1 evenings) over WebSocket.

Usage: hashchat [options]

Every option can also be set as an environment variable (shown in brackets); a flag wins.

  --port=N           TCP port for HTTP and WebSocket; 0 picks a free one     [HASHCHAT_PORT] (8080)
  --bind=ADDR        address to listen on; 0.0.0.0 lets phones on the network join
                                                                          [HASHCHAT_BIND] (127.0.0.1)
  --data-dir=DIR     where the SQLite file hashchat.sqlite3 lives          [HASHCHAT_DATA_DIR] (var)
  --database=URL     keep everything in PostgreSQL instead of the SQLite file (several nodes
                     share one), e.g. postgresql://hashchat@/hashchat?host=/run/postgresql
                                                                          [HASHCHAT_DATABASE]
  --node-id=NAME     one of several nodes on the --database (a cluster): each session is written
                     by one node at a time under a lease, any node serves any client [HASHCHAT_NODE_ID]
  --lease-ms=N       a writer's lease on a session; another node takes over this long after
                     the writer stopped renewing it                     [HASHCHAT_LEASE_MS] (4000)
  --lease-renew-ms=N how often leases are renewed (under a third of --lease-ms)
                                                                  [HASHCHAT_LEASE_RENEW_MS] (1000)
  --threads=N        I/O threads                              [HASHCHAT_THREADS] (number of cores)
  --log-level=LEVEL  trace, debug, info, warn, error, critical, off   [HASHCHAT_LOG_LEVEL] (info)
  --web-root=DIR     the built web client                 [HASHCHAT_WEB_ROOT] (web-client/dist)
  --sync=MODE        full: an acknowledged post survives a power cut (default);
                     normal: faster commits that a power cut may undo      [HASHCHAT_SYNC] (full)
  --max-text=N       longest post, in characters                     [HASHCHAT_MAX_TEXT] (1000)
  --queue-bytes=N    a connection's send queue bound; a reader that stops reading is closed
                     with 4001 past it                             [HASHCHAT_QUEUE_BYTES] (1048576)
  --max-waiting=N    commands a session holds back while its fan-out catches up; past it,
                     rate_limited                                  [HASHCHAT_MAX_WAITING] (1024)
  --fanout-interval-ms=N   a busy session broadcasts at most once per N ms (plus 1 ms per
                     event beyond the first in its last broadcast, or up to 10 ms while the
                     CPUs are over 70% busy; at most 10 ms more), each time all
                     that became durable since: fewer, larger writes under load (0: every
                     commit at once)                    [HASHCHAT_FANOUT_INTERVAL_MS] (10)
  --room-idle-seconds=N   a session's room with no connections, nothing in flight and
                     nothing due within N seconds (on the server's clock) is let go, and
                     built again when needed            [HASHCHAT_ROOM_IDLE_SECONDS] (300)
  --index-delay-ms=N   the search index is written after the log, at least this often (and
                     at once when a search asks), in larger transactions
                                                      [HASHCHAT_INDEX_DELAY_MS] (250)
  --sqlite-cache-mb=N   SQLite's page cache for the writer, which fills as the store grows
                     (less memory, more reads from the file) [HASHCHAT_SQLITE_CACHE_MB] (64)
  --socket-send-buffer=N   kernel send buffer per connection (SO_SNDBUF), 0: the kernel's own;
                     smaller makes the server's bounded queue, and so push-back, act sooner
                                                         [HASHCHAT_SOCKET_SEND_BUFFER] (0)
  --max-connections-per-address=N   WebSocket connections from one network address (a school
                     or a pub shares one)               [HASHCHAT_MAX_CONNECTIONS_PER_ADDRESS] (1000)
  --max-sessions-per-hour=N   sessions one network address may create an hour, 0: no limit
                                                              [HASHCHAT_MAX_SESSIONS_PER_HOUR] (30)
  --trust-proxy      behind a reverse proxy: the client's address is the last X-Forwarded-For
                     entry (only use when the proxy sets it)            [HASHCHAT_TRUST_PROXY=1]
  --allowed-origins=A,B   web origins besides this server's own that may open WebSockets
                     (e.g. https://chat.school.example)                [HASHCHAT_ALLOWED_ORIGINS]
  --creation-token=T creating sessions needs Authorization: Bearer T  [HASHCHAT_CREATION_TOKEN]
  --public-url=URL   where participants reach the server, for join links and QR codes
                     (e.g. https://chat.school.example); else the request's Host
                                                                        [HASHCHAT_PUBLIC_URL]
  --profile=loadtest lifts the per-connection rate limits and the per-address caps, for load
                     tests on a closed network (never in production)         [HASHCHAT_PROFILE]
  --test-clock=ISO   FOR TESTS ONLY: time stands still at ISO (e.g. 2026-11-26T19:00:00Z) and
                     moves only on POST /api/test/clock {"advance_seconds":N} from loopback
                                                                           [HASHCHAT_TEST_CLOCK]
  --help             this text

Also: hashchat migrate --from=FILE --to=URL (SQLite into PostgreSQL), hashchat backup --to=FILE
(see hashchat migrate --help).

On start the server prints "hashchat: listening on http://ADDR:PORT" on stdout.
SIGINT or SIGTERM: stop accepting, commit what was received, close connections with 1012.
)";

std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
}

bool parse_int(const std::string& s, long long lo, long long hi, long long& out) {
    try {
        std::size_t pos = 0;
        const long long v = std::stoll(s, &pos);
        if (pos != s.size() || v < lo || v > hi) return false;
        out = v;
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

int bad_option(const std::string& name, const std::string& value, const char* expected) {
    std::fprintf(stderr, "hashchat: %s=%s: %s (see --help)\n", name.c_str(), value.c_str(),
                 expected);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 2 && (std::string(argv[1]) == "migrate" || std::string(argv[1]) == "backup")) {
        return hashchat::app::run_tool(argc, argv);
    }
    using hashchat::server::options;
    options opts;
    opts.threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    opts.web_root = HASHCHAT_DEFAULT_WEB_ROOT;

    // name -> value, from the environment first, then flags.
    std::vector<std::pair<std::string, std::string>> settings;
    const std::pair<const char*, const char*> env_names[] = {
        {"port", "HASHCHAT_PORT"},
        {"bind", "HASHCHAT_BIND"},
        {"data-dir", "HASHCHAT_DATA_DIR"},
        {"database", "HASHCHAT_DATABASE"},
        {"node-id", "HASHCHAT_NODE_ID"},
        {"lease-ms", "HASHCHAT_LEASE_MS"},
        {"lease-renew-ms", "HASHCHAT_LEASE_RENEW_MS"},
        {"threads", "HASHCHAT_THREADS"},
        {"log-level", "HASHCHAT_LOG_LEVEL"},
        {"web-root", "HASHCHAT_WEB_ROOT"},
        {"sync", "HASHCHAT_SYNC"},
        {"max-text", "HASHCHAT_MAX_TEXT"},
        {"test-clock", "HASHCHAT_TEST_CLOCK"},
        {"queue-bytes", "HASHCHAT_QUEUE_BYTES"},
        {"max-waiting", "HASHCHAT_MAX_WAITING"},
        {"fanout-interval-ms", "HASHCHAT_FANOUT_INTERVAL_MS"},
        {"room-idle-seconds", "HASHCHAT_ROOM_IDLE_SECONDS"},
        {"index-delay-ms", "HASHCHAT_INDEX_DELAY_MS"},
        {"sqlite-cache-mb", "HASHCHAT_SQLITE_CACHE_MB"},
        {"socket-send-buffer", "HASHCHAT_SOCKET_SEND_BUFFER"},
        {"max-connections-per-address", "HASHCHAT_MAX_CONNECTIONS_PER_ADDRESS"},
        {"max-sessions-per-hour", "HASHCHAT_MAX_SESSIONS_PER_HOUR"},
        {"trust-proxy", "HASHCHAT_TRUST_PROXY"},
        {"allowed-origins", "HASHCHAT_ALLOWED_ORIGINS"},
        {"creation-token", "HASHCHAT_CREATION_TOKEN"},
        {"public-url", "HASHCHAT_PUBLIC_URL"},
        {"profile", "HASHCHAT_PROFILE"}};
    for (const auto& [name, var] : env_names) {
        if (auto v = env(var)) settings.emplace_back(name, *v);
    }
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            return 0;
        }
        if (arg.rfind("--", 0) != 0) return bad_option(arg, "", "not an option");
        arg = arg.substr(2);
        std::string value;
        if (arg == "trust-proxy") {
            settings.emplace_back(arg, "1");
            continue;
        }
        if (auto eq = arg.find('='); eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return bad_option("--" + arg, "", "needs a value");
        }
        settings.emplace_back(arg, value);
    }

    for (const auto& [name, value] : settings) {
        long long n = 0;
        if (name == "port") {
            if (!parse_int(value, 0, 65535, n)) return bad_option(name, value, "a port 0-65535");
            opts.port = static_cast<unsigned short>(n);
        } else if (name == "bind") {
            opts.bind = value;
        } else if (name == "data-dir") {
            opts.data_dir = value;
        } else if (name == "database") {
            if (!value.empty() && value.rfind("postgresql://", 0) != 0 &&
                value.rfind("postgres://", 0) != 0 && value.find('=') == std::string::npos) {
                return bad_option(name, value,
                                  "a PostgreSQL URL (postgresql://...) or libpq key=value pairs");
            }
            opts.database = value;
        } else if (name == "node-id") {
            const bool ok = !value.empty() && value.size() <= 40 &&
                            std::all_of(value.begin(), value.end(), [](char c) {
                                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                                       c == '_' || c == '.';
                            });
            if (!ok) return bad_option(name, value, "1-40 of [A-Za-z0-9._-]");
            opts.node_id = value;
        } else if (name == "lease-ms") {
            if (!parse_int(value, 100, 600000, n))
                return bad_option(name, value, "100 to 600000 ms");
            opts.lease_ms = static_cast<int>(n);
        } else if (name == "lease-renew-ms") {
            if (!parse_int(value, 20, 200000, n)) return bad_option(name, value, "20 to 200000 ms");
            opts.lease_renew_ms = static_cast<int>(n);
        } else if (name == "threads") {
            if (!parse_int(value, 1, 256, n)) return bad_option(name, value, "1 to 256 threads");
            opts.threads = static_cast<int>(n);
        } else if (name == "log-level") {
            opts.log_level = value;
        } else if (name == "web-root") {
            opts.web_root = value;
        } else if (name == "sync") {
            if (value == "full") {
                opts.durability = hashchat::store::durability::full;
            } else if (value == "normal") {
                opts.durability = hashchat::store::durability::normal;
            } else {
                return bad_option(name, value, "full or normal");
            }
        } else if (name == "max-text") {
            if (!parse_int(value, 1, 100000, n)) return bad_option(name, value, "1 to 100000");
            opts.max_text = static_cast<std::size_t>(n);
        } else if (name == "queue-bytes") {
            if (!parse_int(value, 64 * 1024, 1LL << 30, n)) {
                return bad_option(name, value, "64 KiB to 1 GiB, in bytes");
            }
            opts.queue_bytes = static_cast<std::size_t>(n);
        } else if (name == "socket-send-buffer") {
            if (!parse_int(value, 0, 64 << 20, n)) return bad_option(name, value, "0 to 64 MiB");
            opts.socket_send_buffer = static_cast<std::size_t>(n);
        } else if (name == "max-connections-per-address") {
            if (!parse_int(value, 1, 1000000, n)) return bad_option(name, value, "1 to 1000000");
            opts.max_connections_per_address = static_cast<std::size_t>(n);
        } else if (name == "max-sessions-per-hour") {
            if (!parse_int(value, 0, 1000000, n)) return bad_option(name, value, "0 to 1000000");
            opts.max_sessions_per_hour = static_cast<std::size_t>(n);
        } else if (name == "trust-proxy") {
            if (value != "1" && value != "0" && value != "true" && value != "false") {
                return bad_option(name, value, "1 or 0");
            }
            opts.trust_proxy = value == "1" || value == "true";
        } else if (name == "allowed-origins") {
            std::size_t start = 0;
            while (start <= value.size()) {
                const auto comma = value.find(',', start);
                auto origin = value.substr(
                    start, comma == std::string::npos ? std::string::npos : comma - start);
                if (!origin.empty()) opts.allowed_origins.push_back(origin);
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
        } else if (name == "creation-token") {
            opts.creation_token = value;
        } else if (name == "public-url") {
            auto url = hashchat::server::normal_public_url(value);
            if (!url) return bad_option(name, value, "http(s)://host[:port][/path]");
            opts.public_url = *url;
        } else if (name == "profile") {
            if (value != "loadtest") return bad_option(name, value, "loadtest");
            opts.post_rate = opts.like_rate = opts.other_rate = {0, 0};
            opts.max_connections_per_address = 1000000;
            opts.max_sessions_per_hour = 0;
        } else if (name == "max-waiting") {
            if (!parse_int(value, 1, 1000000, n)) return bad_option(name, value, "1 to 1000000");
            opts.max_waiting = static_cast<std::size_t>(n);
        } else if (name == "fanout-interval-ms") {
            if (!parse_int(value, 0, 1000, n)) return bad_option(name, value, "0 to 1000 ms");
            opts.fanout_interval_ms = static_cast<int>(n);
        } else if (name == "room-idle-seconds") {
            if (!parse_int(value, 0, 86400, n)) return bad_option(name, value, "0 to 86400 s");
            opts.room_idle_seconds = static_cast<int>(n);
        } else if (name == "index-delay-ms") {
            if (!parse_int(value, 0, 3600000, n)) return bad_option(name, value, "0 to 3600000 ms");
            opts.index_delay_ms = static_cast<int>(n);
        } else if (name == "sqlite-cache-mb") {
            if (!parse_int(value, 1, 65536, n)) return bad_option(name, value, "1 to 65536 MB");
            opts.sqlite_cache_mb = static_cast<int>(n);
        } else if (name == "test-clock") {
            auto t = hashchat::protocol::parse_instant(value);
            if (!t) return bad_option(name, value, "an ISO instant such as 2026-11-26T19:00:00Z");
            opts.test_clock = *t;
        } else {
            return bad_option("--" + name, value, "unknown option");
        }
    }

    if (!opts.node_id.empty() && opts.database.empty()) {
        return bad_option("node-id", opts.node_id, "a --database shared by the nodes");
    }
    if (opts.lease_renew_ms * 3 > opts.lease_ms) {
        return bad_option("lease-renew-ms", std::to_string(opts.lease_renew_ms),
                          "at most a third of --lease-ms");
    }

    auto logger = spdlog::stderr_color_mt("hashchat");
    spdlog::set_default_logger(logger);
    const auto level = spdlog::level::from_str(opts.log_level);
    if (level == spdlog::level::off && opts.log_level != "off") {
        return bad_option("log-level", opts.log_level, "trace, debug, info, warn, error, off");
    }
    spdlog::set_level(level);

    try {
        return hashchat::server::run(opts);
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return 1;
    }
}
