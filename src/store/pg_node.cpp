#include "store/pg_node.hpp"

#include <algorithm>

#include "store/pg_connection.hpp"
#include "store/pg_listen.hpp"

namespace hashchat::store {

using pg::params;

void pg::add_key(stored_session& s, const result& r, int row, int col) {
    core::moderator_key k;
    k.hash = r.text(row, col);
    k.id = r.text(row, col + 1);
    k.label = r.text(row, col + 2);
    k.owner = r.boolean(row, col + 3);
    k.revoked = r.boolean(row, col + 4);
    k.created_at = core::instant{core::duration{r.integer(row, col + 5)}};
    if (!k.revoked) s.key_hashes.push_back(k.hash);
    s.keys.push_back(std::move(k));
}

std::optional<stored_session> pg::read_session(pg::connection& c, const std::string& id) {
    const auto s = c.read("SELECT config FROM sessions WHERE id = $1", params().add(id));
    if (s.rows() == 0) return std::nullopt;
    stored_session out{id, s.text(0, 0), {}, {}};
    const auto keys = c.read(
        "SELECT key_hash, key_id, label, owner, revoked, created_at FROM moderator_keys "
        "WHERE session_id = $1 ORDER BY owner DESC, created_at, ord",
        params().add(id));
    for (int i = 0; i < keys.rows(); ++i) add_key(out, keys, i, 0);
    return out;
}

log_marks pg::read_marks(pg::connection& c, const std::string& id) {
    log_marks out;
    const auto head = c.read("SELECT max(seq) FROM events WHERE session_id = $1", params().add(id));
    if (!head.null(0, 0)) out.head = static_cast<core::seq_t>(head.integer(0, 0));
    const auto phases =
        c.read("SELECT body FROM events WHERE session_id = $1 AND kind = 'phase' ORDER BY seq",
               params().add(id));
    for (int i = 0; i < phases.rows(); ++i) out.phases.push_back({phases.text(i, 0), {}});
    return out;
}

pg_node::pg_node(const std::string& url) : c_(std::make_unique<pg::connection>(url)) {}

pg_node::~pg_node() = default;

std::vector<stored_event> pg_node::events_after(const std::string& session, core::seq_t seq) {
    const auto r =
        c_->read("SELECT body, cid FROM events WHERE session_id = $1 AND seq > $2 ORDER BY seq",
                 params().add(session).add(static_cast<std::int64_t>(seq)));
    std::vector<stored_event> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1)});
    return out;
}

std::vector<std::string> pg_node::mod_entries_after(const std::string& session, std::uint64_t n) {
    const auto r =
        c_->read("SELECT body FROM mod_events WHERE session_id = $1 AND n > $2 ORDER BY n",
                 params().add(session).add(static_cast<std::int64_t>(n)));
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
    return out;
}

std::vector<handoff_row> pg_node::handoffs(const std::string& session, std::int64_t after) {
    const auto r = c_->read(
        "SELECT id, node, conn, body FROM handoffs WHERE session_id = $1 AND id > $2 ORDER BY id",
        params().add(session).add(after));
    std::vector<handoff_row> out;
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back({r.integer(i, 0), session, r.text(i, 1),
                       static_cast<std::uint64_t>(r.integer(i, 2)), r.text(i, 3)});
    }
    return out;
}

std::vector<handoff_row> pg_node::withdraw(const std::string& session, const std::string& node) {
    // A DELETE: not retried on a new connection (it may have been done). A writer's
    // transaction taking one of them holds its row: this waits, and then does not find it.
    const auto r = c_->query(
        "DELETE FROM handoffs WHERE session_id = $1 AND node = $2 RETURNING id, conn, body",
        params().add(session).add(node));
    std::vector<handoff_row> out;
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back({r.integer(i, 0), session, node, static_cast<std::uint64_t>(r.integer(i, 1)),
                       r.text(i, 2)});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

void pg_node::heartbeat(const std::string& node) {
    c_->query(
        "INSERT INTO nodes(node, seen_at) VALUES($1, clock_timestamp()) ON CONFLICT(node) DO "
        "UPDATE SET seen_at = excluded.seen_at",
        params().add(node));
}

void pg_node::set_presence(const std::string& node,
                           const std::vector<std::pair<std::string, std::int64_t>>& online) {
    if (online.empty()) return;
    pg::array sessions;
    pg::array counts;
    for (const auto& [session, n] : online) {
        sessions.add(session);
        counts.add(n);
    }
    const auto s = sessions.done();
    const auto n = counts.done();
    c_->query(
        "WITH m AS (SELECT * FROM unnest($2::text[], $3::integer[]) AS m(session_id, online)), "
        "gone AS (DELETE FROM presence p USING m WHERE p.session_id = m.session_id AND p.node = "
        "$1 AND m.online = 0), "
        "kept AS (INSERT INTO presence(session_id, node, online) SELECT session_id, $1, online "
        "FROM m WHERE online > 0 ON CONFLICT(session_id, node) DO UPDATE SET online = "
        "excluded.online) "
        "SELECT pg_notify($4, session_id) FROM m",
        params().add(node).add(s).add(n).add(presence_channel));
}

std::map<std::string, std::int64_t> pg_node::others_online(const std::vector<std::string>& sessions,
                                                           const std::string& node,
                                                           std::chrono::milliseconds alive) {
    std::map<std::string, std::int64_t> out;
    if (sessions.empty()) return out;
    const auto r = c_->read(
        "SELECT p.session_id, sum(p.online) FROM presence p JOIN nodes n ON n.node = p.node "
        "WHERE p.session_id = ANY($1::text[]) AND p.node <> $2 AND n.seen_at > "
        "clock_timestamp() - $3::bigint * interval '1 millisecond' GROUP BY p.session_id",
        params()
            .add(pg::text_array(sessions))
            .add(node)
            .add(static_cast<std::int64_t>(alive.count())));
    for (int i = 0; i < r.rows(); ++i) out[r.text(i, 0)] = r.integer(i, 1);
    return out;
}

void pg_node::leave(const std::string& node) {
    c_->query("DELETE FROM presence WHERE node = $1", params().add(node));
    c_->query("DELETE FROM nodes WHERE node = $1", params().add(node));
}

std::vector<reply_row> pg_node::take_replies(const std::string& node) {
    // A DELETE: not retried on a new connection (it may have been done).
    const auto r = c_->query(
        "WITH taken AS (DELETE FROM replies WHERE node = $1 RETURNING id, session_id, conn, "
        "after_seq, body) SELECT session_id, conn, after_seq, body FROM taken ORDER BY id",
        params().add(node));
    std::vector<reply_row> out;
    for (int i = 0; i < r.rows(); ++i) {
        out.push_back({node, r.text(i, 0), static_cast<std::uint64_t>(r.integer(i, 1)),
                       static_cast<core::seq_t>(r.integer(i, 2)), r.text(i, 3)});
    }
    return out;
}

std::optional<stored_session> pg_node::session(const std::string& id) {
    return pg::read_session(*c_, id);
}

log_marks pg_node::marks(const std::string& id) { return pg::read_marks(*c_, id); }

std::vector<std::string> pg_node::leased(const std::vector<std::string>& sessions) {
    if (sessions.empty()) return {};
    const auto r = c_->read(
        "SELECT session_id FROM leases WHERE session_id = ANY($1::text[]) AND "
        "expires_at > clock_timestamp() ORDER BY session_id",
        params().add(pg::text_array(sessions)));
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
    return out;
}

void pg_node::forget_replies(std::chrono::milliseconds older_than) {
    c_->query(
        "DELETE FROM replies WHERE created_at < clock_timestamp() - $1::bigint * "
        "interval '1 millisecond'",
        params().add(static_cast<std::int64_t>(older_than.count())));
}

}  // namespace hashchat::store
