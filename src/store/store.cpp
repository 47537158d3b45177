#include "store/store.hpp"

#include <sqlite3.h>

#include "core/text.hpp"
#include "store/store_internal.hpp"

namespace hashchat::store {

using detail::statement;

bool sqlite_store::create_session(const std::string& id, const std::string& config_json,
                                  const std::string& key_hash, std::int64_t created_ms) {
    std::lock_guard lock(mutex_);
    exec("BEGIN IMMEDIATE");
    try {
        statement ins(db_, "INSERT OR IGNORE INTO sessions(id, config, created_at) VALUES(?,?,?)");
        ins.bind(1, id).bind(2, config_json).bind(3, created_ms).step();
        if (sqlite3_changes(db_) == 0) {
            exec("ROLLBACK");
            return false;
        }
        statement key(db_,
                      "INSERT INTO moderator_keys(session_id, key_hash, key_id, label, owner, "
                      "created_at) VALUES(?,?,'k1','owner',1,?)");
        key.bind(1, id).bind(2, key_hash).bind(3, created_ms).step();
        exec("COMMIT");
        return true;
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

std::vector<stored_session> sqlite_store::sessions() {
    std::lock_guard lock(mutex_);
    std::vector<stored_session> out;
    statement q(db_, "SELECT id, config FROM sessions ORDER BY created_at, id");
    while (q.step()) out.push_back({q.text(0), q.text(1), {}, {}});
    statement keys(db_,
                   "SELECT key_hash, key_id, label, owner, revoked, created_at FROM moderator_keys "
                   "WHERE session_id = ? ORDER BY owner DESC, created_at, rowid");
    for (auto& s : out) {
        keys.reset();
        keys.bind(1, s.id);
        while (keys.step()) {
            core::moderator_key k;
            k.hash = keys.text(0);
            k.id = keys.text(1);
            k.label = keys.text(2);
            k.owner = keys.text(3) == "1";
            k.revoked = keys.text(4) == "1";
            k.created_at = core::instant{core::duration{std::stoll(keys.text(5))}};
            if (!k.revoked) s.key_hashes.push_back(k.hash);
            s.keys.push_back(std::move(k));
        }
    }
    return out;
}

std::vector<core::member> sqlite_store::members(const std::string& session_id) {
    std::lock_guard lock(read_mutex_);
    std::vector<core::member> out;
    statement q(reader_, "SELECT handle, name, token_hash FROM members WHERE session_id = ?");
    q.bind(1, session_id);
    while (q.step()) out.push_back({q.text(0), q.text(1), q.text(2)});
    return out;
}

std::vector<stored_event> sqlite_store::events(const std::string& session_id) {
    return events_after(session_id, 0);
}

std::vector<stored_event> sqlite_store::events_after(const std::string& session_id,
                                                     core::seq_t seq) {
    std::lock_guard lock(read_mutex_);
    std::vector<stored_event> out;
    statement q(reader_,
                "SELECT body, cid FROM events WHERE session_id = ? AND seq > ? ORDER BY seq");
    q.bind(1, session_id).bind(2, static_cast<std::int64_t>(seq));
    while (q.step()) out.push_back({q.text(0), q.text(1)});
    return out;
}

log_marks sqlite_store::marks(const std::string& session_id) {
    std::lock_guard lock(read_mutex_);
    log_marks out;
    statement head(reader_, "SELECT max(seq) FROM events WHERE session_id = ?");
    head.bind(1, session_id);
    if (head.step() && !head.is_null(0)) out.head = static_cast<core::seq_t>(head.integer(0));
    statement phases(reader_,
                     "SELECT body FROM events INDEXED BY events_phases "
                     "WHERE session_id = ? AND kind = 'phase' ORDER BY seq");
    phases.bind(1, session_id);
    while (phases.step()) out.phases.push_back({phases.text(0), {}});
    return out;
}

std::vector<std::string> sqlite_store::mod_entries(const std::string& session_id) {
    std::lock_guard lock(read_mutex_);
    std::vector<std::string> out;
    statement q(reader_, "SELECT body FROM mod_events WHERE session_id = ? ORDER BY n");
    q.bind(1, session_id);
    while (q.step()) out.push_back(q.text(0));
    return out;
}

bool sqlite_store::create_series(const std::string& id, const std::string& config_json,
                                 const std::string& key_hash, std::int64_t created_ms) {
    std::lock_guard lock(mutex_);
    statement q(db_,
                "INSERT OR IGNORE INTO series(id, config, key_hash, created_at) VALUES(?,?,?,?)");
    q.bind(1, id).bind(2, config_json).bind(3, key_hash).bind(4, created_ms).step();
    return sqlite3_changes(db_) > 0;
}

std::vector<store::stored_series> sqlite_store::series() {
    std::lock_guard lock(mutex_);
    std::vector<stored_series> out;
    statement q(db_, "SELECT id, config, key_hash FROM series ORDER BY created_at, id");
    while (q.step()) out.push_back({q.text(0), q.text(1), q.text(2)});
    return out;
}

void sqlite_store::commit(const write_batch& batch) {
    if (batch.empty()) return;
    std::lock_guard lock(mutex_);
    exec("BEGIN IMMEDIATE");
    try {
        statement series(db_, prepared("INSERT INTO series(id, config, key_hash, created_at) "
                                       "VALUES(?,?,?,?)"));
        for (const auto& n : batch.new_series) {
            series.reset();
            series.bind(1, n.id).bind(2, n.config_json).bind(3, n.key_hash).bind(4, n.created_ms);
            series.step();
        }
        statement session(db_,
                          prepared("INSERT INTO sessions(id, config, created_at) VALUES(?,?,?)"));
        statement owner(db_, prepared("INSERT INTO moderator_keys(session_id, key_hash, key_id, "
                                      "label, owner, created_at) VALUES(?,?,'k1','owner',1,?)"));
        for (const auto& n : batch.new_sessions) {
            session.reset();
            session.bind(1, n.id).bind(2, n.config_json).bind(3, n.created_ms).step();
            owner.reset();
            owner.bind(1, n.id).bind(2, n.key_hash).bind(3, n.created_ms).step();
        }
        statement ev(db_, prepared("INSERT INTO events(session_id, seq, at, kind, cid, body) "
                                   "VALUES(?,?,?,?,?,?)"));
        for (const auto& e : batch.events) {
            ev.reset();
            ev.bind(1, e.session_id)
                .bind(2, static_cast<std::int64_t>(e.seq))
                .bind(3, e.at_ms)
                .bind(4, e.kind)
                .bind(5, e.cid)
                .bind(6, *e.body)
                .step();
        }
        statement mem(
            db_, prepared("INSERT INTO members(session_id, handle_key, handle, name, token_hash) "
                          "VALUES(?,?,?,?,?) ON CONFLICT(session_id, handle_key) DO UPDATE SET "
                          "name = excluded.name"));
        for (const auto& m : batch.members) {
            const std::string key = core::handle_key(m.m.handle);
            mem.reset();
            mem.bind(1, m.session_id)
                .bind(2, key)
                .bind(3, m.m.handle)
                .bind(4, m.m.name)
                .bind(5, m.m.token_hash)
                .step();
        }
        statement add_key(db_, prepared("INSERT INTO moderator_keys(session_id, key_hash, key_id, "
                                        "label, owner, revoked, created_at) "
                                        "VALUES(?,?,?,?,?,0,?)"));
        statement revoke_key(db_, prepared("UPDATE moderator_keys SET revoked = 1 "
                                           "WHERE session_id = ? AND key_id = ?"));
        for (const auto& k : batch.keys) {
            if (k.revoke) {
                revoke_key.reset();
                revoke_key.bind(1, k.session_id).bind(2, k.key.id).step();
                continue;
            }
            add_key.reset();
            add_key.bind(1, k.session_id)
                .bind(2, k.key.hash)
                .bind(3, k.key.id)
                .bind(4, k.key.label)
                .bind(5, std::int64_t{k.key.owner ? 1 : 0})
                .bind(6, static_cast<std::int64_t>(k.key.created_at.time_since_epoch().count()))
                .step();
        }
        statement cfg(db_, prepared("UPDATE sessions SET config = ? WHERE id = ?"));
        for (const auto& [id, config] : batch.configs) {
            cfg.reset();
            cfg.bind(1, config).bind(2, id).step();
        }
        write_index(batch.index);
        statement mark(db_, prepared("INSERT INTO indexed(session_id, seq) VALUES(?,?) "
                                     "ON CONFLICT(session_id) DO UPDATE SET "
                                     "seq = max(seq, excluded.seq)"));
        for (const auto& [id, seq] : batch.indexed) {
            mark.reset();
            mark.bind(1, id).bind(2, static_cast<std::int64_t>(seq)).step();
        }
        statement mod(
            db_,
            prepared("INSERT INTO mod_events(session_id, n, at, kind, body) VALUES(?,?,?,?,?)"));
        for (const auto& m : batch.mods) {
            mod.reset();
            mod.bind(1, m.session_id)
                .bind(2, static_cast<std::int64_t>(m.n))
                .bind(3, m.at_ms)
                .bind(4, m.kind)
                .bind(5, m.body)
                .step();
        }
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

}  // namespace hashchat::store
