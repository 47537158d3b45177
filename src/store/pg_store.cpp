#include "store/pg_store.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/text.hpp"
#include "store/pg_connection.hpp"
#include "store/pg_listen.hpp"
#include "store/pg_node.hpp"

namespace hashchat::store {

using pg::params;

pg_store::pg_store(const std::string& url, bool cluster)
    : url_(url),
      cluster_(cluster),
      writer_(std::make_unique<pg::connection>(url)),
      reader_(std::make_unique<pg::connection>(url)) {
    migrate();
    set_up_writer();
}

void pg_store::set_up_writer() {
    const bool cluster = cluster_;
    // A server started without --node-id writes every session without leases: it must be alone
    // on the database, and the nodes of a cluster share it among themselves only. The lock (shared
    // by the nodes, exclusive for a lone server) is held by the writer's connection for as long
    // as the server runs.
    const char* lock = cluster ? "SELECT pg_try_advisory_lock_shared(7215002)"
                               : "SELECT pg_try_advisory_lock(7215002)";
    if (!writer_->query(lock).boolean(0, 0)) {
        throw store_error(cluster ? "a hashchat server started without --node-id is using this "
                                    "PostgreSQL database"
                                  : "another hashchat server is using this PostgreSQL database; "
                                    "several nodes on one database need --node-id on each");
    }
    prepare_writer();
}

pg_store::~pg_store() = default;

// The commit path's statements, prepared once on the writer's connection.
void pg_store::prepare_writer() {
    auto& w = *writer_;
    w.prepare("fence", "SELECT hc_fence($1::text[], $2::bigint[])");
    w.prepare("notify", "SELECT pg_notify($1, $2)");
    w.prepare("series", "INSERT INTO series(id, config, key_hash, created_at) VALUES($1,$2,$3,$4)");
    w.prepare("session", "INSERT INTO sessions(id, config, created_at) VALUES($1,$2,$3)");
    w.prepare("owner",
              "INSERT INTO moderator_keys(session_id, key_hash, key_id, label, owner, created_at) "
              "VALUES($1,$2,'k1','owner',true,$3)");
    // The rows of a group commit's events, and of its posts for the index, in one statement each.
    w.prepare("events",
              "INSERT INTO events(session_id, seq, at, kind, cid, body) SELECT * FROM "
              "unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[])");
    w.prepare("member",
              "INSERT INTO members(session_id, handle_key, handle, name, token_hash) "
              "VALUES($1,$2,$3,$4,$5) ON CONFLICT(session_id, handle_key) DO UPDATE SET "
              "name = excluded.name");
    w.prepare("add_key",
              "INSERT INTO moderator_keys(session_id, key_hash, key_id, label, owner, revoked, "
              "created_at) VALUES($1,$2,$3,$4,$5,false,$6)");
    w.prepare("revoke_key",
              "UPDATE moderator_keys SET revoked = true WHERE session_id = $1 AND key_id = $2");
    w.prepare("config", "UPDATE sessions SET config = $1 WHERE id = $2");
    w.prepare("posts",
              "INSERT INTO posts(session_id, seq, at, author, author_key, name, round, reply_to, "
              "text, scope) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], "
              "$4::text[], $5::text[], $6::text[], $7::integer[], $8::bigint[], $9::text[], "
              "$10::text[]) ON CONFLICT(session_id, seq) DO NOTHING");
    w.prepare("edit_post", "UPDATE posts SET text = $3 WHERE session_id = $1 AND seq = $2");
    w.prepare("hide_post", "UPDATE posts SET hidden = $3 WHERE session_id = $1 AND seq = $2");
    w.prepare("delete_post", "UPDATE posts SET deleted = true WHERE session_id = $1 AND seq = $2");
    w.prepare("indexed",
              "INSERT INTO indexed(session_id, seq) VALUES($1,$2) ON CONFLICT(session_id) DO "
              "UPDATE SET seq = greatest(indexed.seq, excluded.seq)");
    w.prepare("mod",
              "INSERT INTO mod_events(session_id, n, at, kind, body) VALUES($1,$2,$3,$4,$5)");
    w.prepare("handoffs",
              "INSERT INTO handoffs(session_id, node, conn, body) SELECT * FROM "
              "unnest($1::text[], $2::text[], $3::bigint[], $4::text[])");
    w.prepare("taken", "DELETE FROM handoffs WHERE id = ANY($1::bigint[])");
    w.prepare("replies",
              "INSERT INTO replies(node, session_id, conn, after_seq, body) SELECT * FROM "
              "unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[])");
}

bool pg_store::create_session(const std::string& id, const std::string& config_json,
                              const std::string& key_hash, std::int64_t created_ms) {
    std::lock_guard lock(mutex_);
    const auto r = writer_->query(
        "WITH s AS (INSERT INTO sessions(id, config, created_at) VALUES($1,$2,$4) "
        "ON CONFLICT DO NOTHING RETURNING id) "
        "INSERT INTO moderator_keys(session_id, key_hash, key_id, label, owner, created_at) "
        "SELECT id, $3, 'k1', 'owner', true, $4 FROM s",
        params().add(id).add(config_json).add(key_hash).add(created_ms));
    if (r.changed() != 1) return false;
    // The other nodes add it to their lists (store/pg_listen.hpp).
    writer_->query("SELECT pg_notify($1, $2)", params().add(session_channel).add(id));
    return true;
}

std::vector<stored_session> pg_store::sessions() {
    std::lock_guard lock(read_mutex_);
    std::vector<stored_session> out;
    const auto rows = reader_->read("SELECT id, config FROM sessions ORDER BY created_at, id");
    std::map<std::string, std::size_t> at;
    for (int i = 0; i < rows.rows(); ++i) {
        at[rows.text(i, 0)] = out.size();
        out.push_back({rows.text(i, 0), rows.text(i, 1), {}, {}});
    }
    const auto keys = reader_->read(
        "SELECT session_id, key_hash, key_id, label, owner, revoked, created_at "
        "FROM moderator_keys ORDER BY session_id, owner DESC, created_at, ord");
    for (int i = 0; i < keys.rows(); ++i) {
        const auto s = at.find(keys.text(i, 0));
        if (s == at.end()) continue;  // a session made since the first read
        pg::add_key(out[s->second], keys, i, 1);
    }
    return out;
}

std::vector<core::member> pg_store::members(const std::string& session_id) {
    std::lock_guard lock(read_mutex_);
    const auto r =
        reader_->read("SELECT handle, name, token_hash FROM members WHERE session_id = $1",
                      params().add(session_id));
    std::vector<core::member> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2)});
    return out;
}

std::vector<stored_event> pg_store::events(const std::string& session_id) {
    return events_after(session_id, 0);
}

std::vector<stored_event> pg_store::events_after(const std::string& session_id, core::seq_t seq) {
    std::lock_guard lock(read_mutex_);
    const auto r = reader_->read(
        "SELECT body, cid FROM events WHERE session_id = $1 AND seq > $2 ORDER BY seq",
        params().add(session_id).add(static_cast<std::int64_t>(seq)));
    std::vector<stored_event> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1)});
    return out;
}

log_marks pg_store::marks(const std::string& session_id) {
    std::lock_guard lock(read_mutex_);
    return pg::read_marks(*reader_, session_id);
}

std::optional<stored_session> pg_store::session(const std::string& id) {
    std::lock_guard lock(read_mutex_);
    return pg::read_session(*reader_, id);
}

std::vector<std::string> pg_store::mod_entries(const std::string& session_id) {
    std::lock_guard lock(read_mutex_);
    const auto r = reader_->read("SELECT body FROM mod_events WHERE session_id = $1 ORDER BY n",
                                 params().add(session_id));
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
    return out;
}

bool pg_store::create_series(const std::string& id, const std::string& config_json,
                             const std::string& key_hash, std::int64_t created_ms) {
    std::lock_guard lock(mutex_);
    const auto r = writer_->query(
        "INSERT INTO series(id, config, key_hash, created_at) VALUES($1,$2,$3,$4) "
        "ON CONFLICT DO NOTHING",
        params().add(id).add(config_json).add(key_hash).add(created_ms));
    return r.changed() == 1;
}

std::vector<store::stored_series> pg_store::series() {
    std::lock_guard lock(read_mutex_);
    const auto r = reader_->read("SELECT id, config, key_hash FROM series ORDER BY created_at, id");
    std::vector<stored_series> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2)});
    return out;
}

std::optional<store::stored_series> pg_store::one_series(const std::string& id) {
    std::lock_guard lock(read_mutex_);
    const auto r =
        reader_->read("SELECT id, config, key_hash FROM series WHERE id = $1", params().add(id));
    if (r.rows() == 0) return std::nullopt;
    return stored_series{r.text(0, 0), r.text(0, 1), r.text(0, 2)};
}

bool pg_store::claim_id(std::string_view kind, const std::string& id) {
    // A write: query(), not read(), so that a claim is never sent twice.
    std::lock_guard lock(read_mutex_);
    const auto r = reader_->query(
        "INSERT INTO id_claims(kind, id) SELECT $1, $2 WHERE NOT EXISTS "
        "(SELECT 1 FROM sessions WHERE $1 = 'session' AND id = $2) AND NOT EXISTS "
        "(SELECT 1 FROM series WHERE $1 = 'series' AND id = $2) ON CONFLICT DO NOTHING",
        params().add(std::string(kind)).add(id));
    return r.changed() == 1;
}

void pg_store::commit(const write_batch& batch) {
    if (batch.empty()) return;
    std::lock_guard lock(mutex_);
    try {
        if (writer_lost_) {
            writer_ = std::make_unique<pg::connection>(url_);
            set_up_writer();
            writer_lost_ = false;
        }
        write(batch);
    } catch (const pg::error& e) {
        if (!e.connection_lost() && !writer_->broken()) throw;
        // PostgreSQL stopped or the connection was cut: the next commit connects again.
        writer_lost_ = true;
        throw unavailable(e.what());
    } catch (const store_error& e) {
        if (!writer_lost_) throw;
        throw unavailable(e.what());  // connected again, but the database is not ours now
    }
}

void pg_store::write(const write_batch& batch) {
    pg::pipeline p(*writer_);
    if (!batch.fences.empty()) {
        std::vector<std::string> sessions;
        std::string epochs = "{";
        for (const auto& [id, epoch] : batch.fences) {
            sessions.push_back(id);
            if (epochs.size() > 1) epochs += ',';
            epochs += std::to_string(epoch);
        }
        p.send("fence", params().add(pg::text_array(sessions)).add(epochs + "}"));
    }
    for (const auto& n : batch.new_series) {
        p.send("series", params().add(n.id).add(n.config_json).add(n.key_hash).add(n.created_ms));
    }
    for (const auto& n : batch.new_sessions) {
        p.send("session", params().add(n.id).add(n.config_json).add(n.created_ms));
        p.send("owner", params().add(n.id).add(n.key_hash).add(n.created_ms));
    }
    if (!batch.events.empty()) {
        pg::array session, seq, at, kind, cid, body;
        for (const auto& e : batch.events) {
            session.add(e.session_id);
            seq.add(static_cast<std::int64_t>(e.seq));
            at.add(e.at_ms);
            kind.add(e.kind);
            cid.add(e.cid);
            body.add(*e.body);
        }
        p.send("events", params()
                             .add(session.done())
                             .add(seq.done())
                             .add(at.done())
                             .add(kind.done())
                             .add(cid.done())
                             .add(body.done()));
    }
    for (const auto& m : batch.members) {
        p.send("member", params()
                             .add(m.session_id)
                             .add(core::handle_key(m.m.handle))
                             .add(m.m.handle)
                             .add(m.m.name)
                             .add(m.m.token_hash));
    }
    for (const auto& k : batch.keys) {
        if (k.revoke) {
            p.send("revoke_key", params().add(k.session_id).add(k.key.id));
            continue;
        }
        p.send("add_key",
               params()
                   .add(k.session_id)
                   .add(k.key.hash)
                   .add(k.key.id)
                   .add(k.key.label)
                   .add(k.key.owner)
                   .add(static_cast<std::int64_t>(k.key.created_at.time_since_epoch().count())));
    }
    for (const auto& [id, config] : batch.configs) p.send("config", params().add(config).add(id));
    // Several nodes: the rooms that follow a session read its keys and configuration again,
    // and every node lists a session made here (and arms its timetable).
    std::set<std::string> changed;
    for (const auto& s : batch.new_sessions) changed.insert(s.id);
    for (const auto& k : batch.keys) changed.insert(k.session_id);
    for (const auto& [id, config] : batch.configs) changed.insert(id);
    for (const auto& id : changed) p.send("notify", params().add(session_channel).add(id));
    // The posts added first (a change follows the add of its post, in a later op), then the
    // changes in order.
    if (std::any_of(batch.index.begin(), batch.index.end(),
                    [](const post_index_op& o) { return o.what == post_index_op::kind::add; })) {
        pg::array session, seq, at, author, key, name, round, reply_to, text, scope;
        for (const auto& op : batch.index) {
            if (op.what != post_index_op::kind::add) continue;
            session.add(op.session_id);
            seq.add(static_cast<std::int64_t>(op.seq));
            at.add(op.at_ms);
            author.add(op.author);
            key.add(core::handle_key(op.author));
            name.add(op.name);
            round.add(op.round);
            reply_to.add(op.reply_to);
            text.add(op.text);
            scope.add(op.scope);
        }
        p.send("posts", params()
                            .add(session.done())
                            .add(seq.done())
                            .add(at.done())
                            .add(author.done())
                            .add(key.done())
                            .add(name.done())
                            .add(round.done())
                            .add(reply_to.done())
                            .add(text.done())
                            .add(scope.done()));
    }
    for (const auto& op : batch.index) {
        const auto seq = static_cast<std::int64_t>(op.seq);
        switch (op.what) {
            case post_index_op::kind::add:
                break;
            case post_index_op::kind::edit:
                p.send("edit_post", params().add(op.session_id).add(seq).add(op.text));
                break;
            case post_index_op::kind::hide:
            case post_index_op::kind::unhide:
                p.send(
                    "hide_post",
                    params().add(op.session_id).add(seq).add(op.what == post_index_op::kind::hide));
                break;
            case post_index_op::kind::remove:
                p.send("delete_post", params().add(op.session_id).add(seq));
                break;
        }
    }
    for (const auto& [id, seq] : batch.indexed) {
        p.send("indexed", params().add(id).add(static_cast<std::int64_t>(seq)));
    }
    for (const auto& m : batch.mods) {
        p.send("mod", params()
                          .add(m.session_id)
                          .add(static_cast<std::int64_t>(m.n))
                          .add(m.at_ms)
                          .add(m.kind)
                          .add(m.body));
    }
    // Other nodes learn where the logs now end (store/pg_listen.hpp), once per commit: every
    // NOTIFYing commit takes a lock of the whole cluster.
    std::map<std::string, log_notice> ends;
    for (const auto& e : batch.events) {
        auto& n = ends[e.session_id];
        n.head = std::max(n.head, e.seq);
    }
    for (const auto& m : batch.mods) {
        auto& n = ends[m.session_id];
        n.mod_head = std::max(n.mod_head, m.n);
    }
    std::vector<log_notice> notices;
    for (auto& [id, n] : ends) {
        n.session_id = id;
        notices.push_back(std::move(n));
    }
    for (auto& payload : log_payloads(notices)) {
        p.send("notify", params().add(log_channel).add(std::move(payload)));
    }
    // Commands handed over, taken, and the replies (several nodes): the writers and the
    // clients' nodes are woken the same way, by name only.
    if (!batch.handoffs.empty()) {
        pg::array session, node, conn, body;
        std::set<std::string> sessions;
        for (const auto& h : batch.handoffs) {
            session.add(h.session_id);
            node.add(h.node);
            conn.add(static_cast<std::int64_t>(h.conn));
            body.add(h.body);
            sessions.insert(h.session_id);
        }
        p.send("handoffs",
               params().add(session.done()).add(node.done()).add(conn.done()).add(body.done()));
        for (const auto& id : sessions) p.send("notify", params().add(handoff_channel).add(id));
    }
    if (!batch.taken.empty()) {
        pg::array ids;
        for (const auto& t : batch.taken) ids.add(t.second);
        p.send("taken", params().add(ids.done()));
    }
    if (!batch.replies.empty()) {
        pg::array node, session, conn, after, body;
        std::set<std::string> nodes;
        for (const auto& r : batch.replies) {
            node.add(r.node);
            session.add(r.session_id);
            conn.add(static_cast<std::int64_t>(r.conn));
            after.add(static_cast<std::int64_t>(r.after_seq));
            body.add(r.body);
            nodes.insert(r.node);
        }
        p.send("replies", params()
                              .add(node.done())
                              .add(session.done())
                              .add(conn.done())
                              .add(after.done())
                              .add(body.done()));
        for (const auto& n : nodes) p.send("notify", params().add(reply_channel).add(n));
    }
    try {
        p.commit();
    } catch (const pg::error& e) {
        if (e.sqlstate() != "HC001") throw;
        std::vector<std::string> lost;
        std::size_t at = 0;
        const auto& d = e.detail();
        while (at < d.size()) {
            const auto end = std::min(d.find(' ', at), d.size());
            if (end > at) lost.push_back(d.substr(at, end - at));
            at = end + 1;
        }
        throw fenced(std::move(lost));
    }
}

}  // namespace hashchat::store
