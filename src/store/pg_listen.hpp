// Wake-ups between nodes: a connection that LISTENs. A node that commits events NOTIFYs channel
// `hc_log` with where each session's logs now end (log_notice); the payload only names, never
// carries, the events: the others read them from the tables. A notification sent while a node's
// listening connection was down is lost, so after reconnecting a node re-reads the heads of every
// session it has loaded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/events.hpp"

struct pg_conn;

namespace hashchat::store {

namespace pg {
class connection;
}

inline constexpr const char* log_channel = "hc_log";
// A session was made, or its configuration or moderator keys changed (payload: its id).
inline constexpr const char* session_channel = "hc_session";
// Commands were handed over to a session's writer (payload: the session's id).
inline constexpr const char* handoff_channel = "hc_handoff";
// A writer replied to commands handed over by a node (payload: that node's instance name).
inline constexpr const char* reply_channel = "hc_reply";
// A node's number of members in a session changed: the payload is the session id.
inline constexpr const char* presence_channel = "hc_presence";
// Under --test-clock, the shared test clock moved on: the payload is its time (ms since 1970).
inline constexpr const char* clock_channel = "hc_clock";

// One session's entry of an hc_log payload: its log's and its moderators' log's heads after the
// commit (0: not changed by it).
struct log_notice {
    std::string session_id;
    core::seq_t head = 0;
    std::uint64_t mod_head = 0;
    bool operator==(const log_notice&) const = default;
};

// "id head mod_head" entries separated by newlines, each payload under PostgreSQL's 8,000 bytes.
std::vector<std::string> log_payloads(const std::vector<log_notice>& notices);
// What a payload says; entries that do not parse are left out.
std::vector<log_notice> parse_log_payload(const std::string& payload);

struct notification {
    std::string channel;
    std::string payload;
};

class pg_listen {
  public:
    // Connects and LISTENs on these channels; throws store_error if it cannot.
    pg_listen(const std::string& url, const std::vector<std::string>& channels);
    ~pg_listen();
    pg_listen(const pg_listen&) = delete;
    pg_listen& operator=(const pg_listen&) = delete;

    // The socket to wait on (readable: call take()).
    int socket() const;
    // What has arrived, without blocking; throws pg::error if the connection was lost.
    std::vector<notification> take();

  private:
    std::unique_ptr<pg::connection> c_;
};

}  // namespace hashchat::store
