#include "store/pg_leases.hpp"

#include "store/pg_connection.hpp"
#include "store/pg_listen.hpp"

namespace hashchat::store {

using pg::params;

namespace {

std::int64_t ms(std::chrono::milliseconds d) { return static_cast<std::int64_t>(d.count()); }

}  // namespace

pg_leases::pg_leases(const std::string& url, std::string node)
    : node_(std::move(node)), c_(std::make_unique<pg::connection>(url)) {}

pg_leases::~pg_leases() = default;

std::optional<std::int64_t> pg_leases::acquire(const std::string& session,
                                               std::chrono::milliseconds ttl) {
    std::lock_guard lock(mutex_);
    // A free, expired or released lease is taken with the next epoch; this node's own live one
    // is renewed with the same epoch; another node's live one is left alone (no row returned).
    const auto r = c_->query(
        "INSERT INTO leases AS l (session_id, node, epoch, expires_at) "
        "VALUES ($1, $2, 1, clock_timestamp() + $3::bigint * interval '1 millisecond') "
        "ON CONFLICT (session_id) DO UPDATE SET node = excluded.node, "
        "epoch = CASE WHEN l.node = excluded.node AND l.expires_at > clock_timestamp() "
        "THEN l.epoch ELSE l.epoch + 1 END, expires_at = excluded.expires_at "
        "WHERE l.node = excluded.node OR l.expires_at <= clock_timestamp() "
        "RETURNING epoch",
        params().add(session).add(node_).add(ms(ttl)));
    if (r.rows() == 0) return std::nullopt;
    return r.integer(0, 0);
}

std::vector<std::string> pg_leases::renew(
    const std::vector<std::pair<std::string, std::int64_t>>& held, std::chrono::milliseconds ttl) {
    if (held.empty()) return {};
    std::vector<std::string> sessions;
    std::string epochs = "{";
    for (const auto& [id, epoch] : held) {
        sessions.push_back(id);
        if (epochs.size() > 1) epochs += ',';
        epochs += std::to_string(epoch);
    }
    epochs += '}';
    std::lock_guard lock(mutex_);
    const auto r = c_->query(
        "WITH mine AS (SELECT * FROM unnest($2::text[], $3::bigint[]) AS m(session_id, epoch)), "
        "renewed AS (UPDATE leases l SET expires_at = clock_timestamp() + $4::bigint * interval "
        "'1 millisecond' FROM mine WHERE l.session_id = mine.session_id AND l.epoch = mine.epoch "
        "AND l.node = $1 RETURNING l.session_id) "
        "SELECT session_id FROM mine WHERE session_id NOT IN (SELECT session_id FROM renewed) "
        "ORDER BY session_id",
        params().add(node_).add(pg::text_array(sessions)).add(std::move(epochs)).add(ms(ttl)));
    std::vector<std::string> lost;
    for (int i = 0; i < r.rows(); ++i) lost.push_back(r.text(i, 0));
    return lost;
}

void pg_leases::release(const std::string& session, std::int64_t epoch) {
    std::lock_guard lock(mutex_);
    c_->query(
        "UPDATE leases SET expires_at = '-infinity' WHERE session_id = $1 AND epoch = $2 "
        "AND node = $3",
        params().add(session).add(epoch).add(node_));
}

std::optional<std::string> pg_leases::holder(const std::string& session) {
    std::lock_guard lock(mutex_);
    const auto r = c_->query(
        "SELECT node FROM leases WHERE session_id = $1 AND expires_at > clock_timestamp()",
        params().add(session));
    if (r.rows() == 0) return std::nullopt;
    return r.text(0, 0);
}

std::int64_t pg_leases::share_clock(std::int64_t start) {
    std::lock_guard lock(mutex_);
    c_->query("INSERT INTO test_clock(now_ms) VALUES($1) ON CONFLICT DO NOTHING",
              params().add(start));
    return c_->query("SELECT now_ms FROM test_clock").integer(0, 0);
}

std::int64_t pg_leases::advance_clock(std::int64_t by) {
    std::lock_guard lock(mutex_);
    return c_
        ->query(
            "WITH moved AS (UPDATE test_clock SET now_ms = now_ms + $1 RETURNING now_ms) "
            "SELECT now_ms, pg_notify($2, now_ms::text) FROM moved",
            params().add(by).add(clock_channel))
        .integer(0, 0);
}

}  // namespace hashchat::store
