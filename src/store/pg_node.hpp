// Several nodes: what a node reads of the others' work, on a connection of its own (the cluster
// thread's; server/cluster.hpp): the events and moderators' log entries another node appended,
// the commands handed over to the sessions it writes, the replies to the commands it handed
// over, sessions made elsewhere, and whose leases are live. Reads reconnect once if PostgreSQL
// dropped the connection (pg::connection::read).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace hashchat::store {

namespace pg {
class connection;
class result;
// The moderator key in columns col.. (key_hash, key_id, label, owner, revoked, created_at) of a
// row, added to the session's keys.
void add_key(stored_session& s, const result& r, int row, int col);
// One stored session (its configuration and moderator keys), or none; its log's marks.
std::optional<stored_session> read_session(connection& c, const std::string& id);
log_marks read_marks(connection& c, const std::string& id);
}  // namespace pg

class pg_node {
  public:
    explicit pg_node(const std::string& url);
    ~pg_node();
    pg_node(const pg_node&) = delete;
    pg_node& operator=(const pg_node&) = delete;

    std::vector<stored_event> events_after(const std::string& session, core::seq_t seq);
    // The moderators' log's entries after the n-th, in order.
    std::vector<std::string> mod_entries_after(const std::string& session, std::uint64_t n);
    // Commands handed over to the session with ids above `after`, in order.
    std::vector<handoff_row> handoffs(const std::string& session, std::int64_t after);
    // Takes back (deletes) the commands `node` handed over to the session that no writer took
    // yet, in order.
    std::vector<handoff_row> withdraw(const std::string& session, const std::string& node);
    // Takes (deletes) the replies addressed to this node, in order.
    std::vector<reply_row> take_replies(const std::string& node);
    // One stored session, or none.
    std::optional<stored_session> session(const std::string& id);
    log_marks marks(const std::string& id);
    // Of these sessions, those whose lease is live (held by a node).
    std::vector<std::string> leased(const std::vector<std::string>& sessions);
    // Presence across nodes: `node` is alive (its row renewed); its members in these sessions
    // (0: the row goes), each change announced on presence_channel; the members the other
    // nodes alive (seen within `alive`) have in these sessions (absent: none).
    void heartbeat(const std::string& node);
    void set_presence(const std::string& node,
                      const std::vector<std::pair<std::string, std::int64_t>>& online);
    std::map<std::string, std::int64_t> others_online(const std::vector<std::string>& sessions,
                                                      const std::string& node,
                                                      std::chrono::milliseconds alive);
    // The node stops: its rows go.
    void leave(const std::string& node);
    // Replies nobody took (their node is gone) are deleted after this long.
    void forget_replies(std::chrono::milliseconds older_than);

  private:
    std::unique_ptr<pg::connection> c_;
};

}  // namespace hashchat::store
