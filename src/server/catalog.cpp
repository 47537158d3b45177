#include "server/catalog.hpp"

#include <spdlog/spdlog.h>

#include "protocol/session_json.hpp"
#include "server/crypto.hpp"

namespace hashchat::server {

namespace {

// An id's candidates: the base, then base-2, base-3 ...
constexpr int max_suffix = 10000;
std::string candidate(const std::string& base, int n) {
    return n == 1 ? base : base + "-" + std::to_string(n);
}

}  // namespace

catalog::catalog(const clock& time, store::store& db, committer& commits,
                 std::shared_ptr<registry> sessions, std::size_t max_text)
    : time_(time),
      db_(db),
      commits_(commits),
      sessions_(std::move(sessions)),
      max_text_(max_text) {}

void catalog::load(const std::vector<store::store::stored_series>& stored) {
    std::lock_guard lock(mutex_);
    for (const auto& s : stored) {
        auto config = protocol::series_from_json(s.config_json);
        if (!config) throw store::store_error("series " + s.id + ": unreadable");
        series_[s.id] = {*config, s.key_hash, std::nullopt};
    }
}

void catalog::create(std::string_view body, reply<created_session> done) {
    auto config = protocol::parse_create_request(body, time_.now());
    if (!config) return done(config.err());
    const std::string key = random_token(32);
    store::write_batch batch;
    std::vector<core::session> made;
    core::result<std::vector<std::string>> ids = std::vector<std::string>{};
    {
        std::lock_guard lock(mutex_);
        ids = hold_sessions({std::move(*config)}, sha256_hex(key), batch, made);
    }
    if (!ids) return done(ids.err());
    commit_new(
        std::move(batch), std::move(made),
        [done, out = created_session{ids->front(), key}] {
            spdlog::info("session {} created", out.id);
            done(out);
        },
        [done](const core::error& e) { done(e); });
}

core::result<std::vector<std::string>> catalog::hold_sessions(
    std::vector<core::session_config> configs, const std::string& key_hash,
    store::write_batch& batch, std::vector<core::session>& made) {
    const auto now = time_.now();
    std::vector<std::string> held;
    const auto give_back = [&] {
        for (const auto& id : held) sessions_->unreserve(id);
    };
    for (auto& c : configs) {
        const std::string base = protocol::id_base(c);
        c.id.clear();
        for (int n = 1; n < max_suffix && c.id.empty(); ++n) {
            const auto id = candidate(base, n);
            if (!sessions_->reserve(id)) continue;
            // Several nodes: held here, then claimed across all of them.
            auto claimed = claim("session", id);
            if (!claimed || !*claimed) sessions_->unreserve(id);
            if (!claimed) {
                give_back();
                return claimed.err();
            }
            if (*claimed) c.id = id;
        }
        if (c.id.empty()) {
            give_back();
            return core::make_error(core::error_code::bad_request,
                                    "Too many sessions with this id.");
        }
        held.push_back(c.id);
        batch.new_sessions.push_back(
            {c.id, protocol::config_to_json(c), key_hash, now.time_since_epoch().count()});
        made.emplace_back(c, std::vector<std::string>{key_hash}, core::limits{max_text_, 50});
    }
    return held;
}

void catalog::commit_new(store::write_batch batch, std::vector<core::session> made,
                         std::function<void()> done,
                         std::function<void(const core::error&)> failed) {
    // Made through the committer like every other write; the sessions exist for the server once
    // they are durable, and the answer goes then.
    auto shared = std::make_shared<std::vector<core::session>>(std::move(made));
    commits_.submit(
        std::move(batch),
        [self = shared_from_this(), shared, done = std::move(done)] {
            for (auto& s : *shared) self->sessions_->add(std::move(s));
            done();
        },
        [self = shared_from_this(), shared, failed = std::move(failed)](
            const std::vector<std::string>&, committer::refusal) {
            // The store could not be reached: nothing was made (the ids stay claimed).
            for (const auto& s : *shared) self->sessions_->unreserve(s.config().id);
            failed(core::store_unavailable_error());
        });
}

void catalog::create_series(std::string_view body, reply<created_series> done) {
    const auto now = time_.now();
    auto req = protocol::parse_series_request(body, now);
    if (!req) return done(req.err());
    auto& s = req->series;
    // Every session is checked before any id is held.
    std::vector<core::session_config> configs;
    for (const auto& b : req->session_bodies) {
        auto config = protocol::parse_series_session(b, now, "");
        if (!config) return done(config.err());
        configs.push_back(std::move(*config));
    }
    const std::string key = random_token(32);
    const std::string key_hash = sha256_hex(key);
    const std::string base = protocol::series_id_base(s);
    store::write_batch batch;
    std::vector<core::session> made;
    created_series out{"", key, {}};
    {
        std::lock_guard lock(mutex_);
        for (int n = 1; n < max_suffix && s.id.empty(); ++n) {
            const auto id = candidate(base, n);
            if (series_.count(id) > 0) continue;
            auto claimed = claim("series", id);
            if (!claimed) return done(claimed.err());
            if (*claimed) s.id = id;
        }
        if (s.id.empty()) {
            return done(
                core::make_error(core::error_code::bad_request, "Too many series with this id."));
        }
        for (auto& c : configs) c.series = s.id;
        auto ids = hold_sessions(std::move(configs), key_hash, batch, made);
        if (!ids) return done(ids.err());
        out.id = s.id;
        out.sessions = std::move(*ids);
        series_[s.id] = {s, key_hash, std::nullopt};
    }
    batch.new_series.push_back(
        {s.id, protocol::series_to_json(s), key_hash, now.time_since_epoch().count()});
    commit_new(
        std::move(batch), std::move(made),
        [done, out] {
            spdlog::info("series {} created with {} sessions", out.id, out.sessions.size());
            done(out);
        },
        [self = shared_from_this(), done, id = out.id](const core::error& e) {
            {
                std::lock_guard lock(self->mutex_);
                self->series_.erase(id);
            }
            done(e);
        });
}

void catalog::extend_series(const std::string& id, const std::string& key, int count,
                            reply<std::vector<std::string>> done) {
    const auto now = time_.now();
    auto stored = sessions_of_series(id);
    store::write_batch batch;
    std::vector<core::session> made;
    core::result<std::vector<std::string>> ids = std::vector<std::string>{};
    {
        std::lock_guard lock(mutex_);
        auto* found = find_locked(id);
        if (!found) {
            return done(
                core::make_error(core::error_code::not_found, "There is no series with that id."));
        }
        auto& s = *found;
        if (!core::hashes_equal(s.key_hash, sha256_hex(key))) {
            return done(
                core::make_error(core::error_code::bad_key, "That is not the series' key."));
        }
        // After its last session, stored or still being made by an extend just before.
        std::optional<core::instant> last =
            stored.empty() ? std::nullopt : stored.back()->config().timetable.start;
        if (s.last_held && (!last || *s.last_held > *last)) last = s.last_held;
        std::vector<core::session_config> configs;
        for (const auto& body : protocol::next_sessions(
                 s.config, protocol::next_series_day(s.config, last, now), now, count)) {
            auto config = protocol::parse_series_session(body, now, id);
            if (!config) return done(config.err());
            configs.push_back(std::move(*config));
        }
        ids = hold_sessions(std::move(configs), s.key_hash, batch, made);
        if (ids && !made.empty()) s.last_held = made.back().config().timetable.start;
    }
    if (!ids) return done(ids.err());
    commit_new(
        std::move(batch), std::move(made), [done, ids = std::move(*ids)] { done(ids); },
        [done](const core::error& e) { done(e); });
}

std::optional<protocol::series_config> catalog::find_series(const std::string& id) {
    std::lock_guard lock(mutex_);
    const auto* s = find_locked(id);
    if (!s) return std::nullopt;
    return s->config;
}

catalog::series_state* catalog::find_locked(const std::string& id) {
    auto it = series_.find(id);
    if (it != series_.end()) return &it->second;
    // Several nodes: a series made on another one. One machine: the store has no other.
    std::optional<store::store::stored_series> stored;
    try {
        stored = db_.one_series(id);
    } catch (const store::store_error& e) {
        spdlog::warn("series {}: not read ({})", id, e.what());
    }
    if (!stored) return nullptr;
    auto config = protocol::series_from_json(stored->config_json);
    if (!config) return nullptr;
    return &(series_[id] = {*config, stored->key_hash, std::nullopt});
}

core::result<bool> catalog::claim(std::string_view kind, const std::string& id) {
    try {
        return db_.claim_id(kind, id);
    } catch (const store::store_error& e) {
        spdlog::warn("{} id {}: not claimed ({})", kind, id, e.what());
        return core::store_unavailable_error();
    }
}

std::vector<std::shared_ptr<session_entry>> catalog::sessions_of_series(const std::string& id) {
    std::vector<std::pair<core::instant, std::shared_ptr<session_entry>>> found;
    for (auto& e : sessions_->all()) {
        auto c = e->config();
        if (c.series == id) found.emplace_back(c.timetable.start.value_or(core::instant{}), e);
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::shared_ptr<session_entry>> out;
    out.reserve(found.size());
    for (auto& [start, e] : found) out.push_back(std::move(e));
    return out;
}

}  // namespace hashchat::server
