#include "server/hub.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/strand.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "protocol/series_json.hpp"
#include "protocol/session_json.hpp"
#include "protocol/time_format.hpp"
#include "server/crypto.hpp"

namespace hashchat::server {

namespace net = boost::asio;

hub::hub(net::io_context& ioc, options opts, clock& time, store::store& db, committer& commits,
         metrics& stats)
    : ioc_(ioc), opts_(std::move(opts)), time_(time), db_(db), commits_(commits), stats_(stats) {}

std::shared_ptr<room> hub::make_room(core::session s) {
    return std::make_shared<room>(
        net::make_strand(ioc_), std::move(s),
        room_deps{time_, commits_, stats_,
                  room_limits{opts_.queue_bytes, opts_.queue_bytes / 4, opts_.max_waiting,
                              opts_.fanout_interval_ms}});
}

void hub::load() {
    for (const auto& stored : db_.series()) {
        auto s = protocol::series_from_json(stored.config_json);
        if (!s) throw store::store_error("series " + stored.id + ": unreadable");
        std::lock_guard lock(mutex_);
        series_[stored.id] = *s;
        series_keys_[stored.id] = stored.key_hash;
    }
    const auto indexed = db_.index_watermarks();
    for (const auto& stored : db_.sessions()) {
        auto config = protocol::config_from_json(stored.config_json);
        if (!config) {
            throw store::store_error("session " + stored.id + ": the configuration is unreadable");
        }
        core::session s(std::move(*config), {}, core::limits{opts_.max_text, 50});
        s.set_keys(stored.keys);
        auto r = make_room(std::move(s));
        // The search index is written after the log (committer): what it had not read when
        // the server stopped is indexed now.
        const auto mark = indexed.find(stored.id);
        const core::seq_t indexed_upto = mark == indexed.end() ? 0 : mark->second;
        const auto events = db_.events(stored.id);
        std::vector<store::post_index_op> reindex;
        r->load(db_.members(stored.id), events, db_.mod_entries(stored.id), indexed_upto, reindex);
        if (events.size() > indexed_upto) {
            store::write_batch batch;
            batch.index = std::move(reindex);
            batch.indexed.emplace_back(stored.id, events.size());
            db_.commit(batch);
            spdlog::info("session {}: indexed events {} to {} for search", stored.id,
                         indexed_upto + 1, events.size());
        }
        {
            std::lock_guard lock(mutex_);
            rooms_[stored.id] = r;
        }
        r->start();
    }
    stats_.sessions = static_cast<std::int64_t>(rooms_.size());
    spdlog::info("loaded {} sessions", rooms_.size());
}

std::shared_ptr<room> hub::find(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(id);
    return it == rooms_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<room>> hub::rooms() {
    std::vector<std::shared_ptr<room>> out;
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, r] : rooms_) out.push_back(r);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a->created_at() != b->created_at() ? a->created_at() > b->created_at()
                                                  : a->id() < b->id();
    });
    return out;
}

core::result<created_session> hub::create(std::string_view body) {
    auto config = protocol::parse_create_request(body, time_.now());
    if (!config) return config.err();
    const std::string key = random_token(32);
    auto id = add_session(std::move(*config), sha256_hex(key));
    if (!id) return id.err();
    return created_session{*id, key};
}

core::result<std::string> hub::add_session(core::session_config c, const std::string& key_hash) {
    const auto now = time_.now();
    auto config = &c;
    const std::string base = protocol::id_base(*config);
    for (int n = 1; n < 10000; ++n) {
        config->id = n == 1 ? base : base + "-" + std::to_string(n);
        if (find(config->id)) continue;
        if (!db_.create_session(config->id, protocol::config_to_json(*config), key_hash,
                                now.time_since_epoch().count())) {
            continue;
        }
        core::session s(*config, {key_hash}, core::limits{opts_.max_text, 50});
        auto r = make_room(std::move(s));
        {
            std::lock_guard lock(mutex_);
            rooms_[config->id] = r;
            stats_.sessions = static_cast<std::int64_t>(rooms_.size());
        }
        r->start();
        spdlog::info("session {} created", config->id);
        return config->id;
    }
    return core::make_error(core::error_code::bad_request, "Too many sessions with this id.");
}

core::result<created_series> hub::create_series(std::string_view body) {
    const auto now = time_.now();
    auto req = protocol::parse_series_request(body, now);
    if (!req) return req.err();
    const std::string key = random_token(32);
    const std::string key_hash = sha256_hex(key);
    auto& s = req->series;
    const std::string base = protocol::series_id_base(s);
    for (int n = 1; n < 10000; ++n) {
        s.id = n == 1 ? base : base + "-" + std::to_string(n);
        if (!db_.create_series(s.id, protocol::series_to_json(s), key_hash,
                               now.time_since_epoch().count())) {
            continue;
        }
        {
            std::lock_guard lock(mutex_);
            series_[s.id] = s;
            series_keys_[s.id] = key_hash;
        }
        created_series out{s.id, key, {}};
        for (const auto& b : req->session_bodies) {
            auto config = protocol::parse_series_session(b, now, s.id);
            if (!config) return config.err();
            auto id = add_session(std::move(*config), key_hash);
            if (!id) return id.err();
            out.sessions.push_back(*id);
        }
        spdlog::info("series {} created with {} sessions", s.id, out.sessions.size());
        return out;
    }
    return core::make_error(core::error_code::bad_request, "Too many series with this id.");
}

core::result<std::vector<std::string>> hub::extend_series(const std::string& id,
                                                          const std::string& key, int count) {
    auto s = find_series(id);
    if (!s)
        return core::make_error(core::error_code::not_found, "There is no series with that id.");
    std::string key_hash;
    {
        std::lock_guard lock(mutex_);
        key_hash = series_keys_[id];
    }
    if (!core::hashes_equal(key_hash, sha256_hex(key))) {
        return core::make_error(core::error_code::bad_key, "That is not the series' key.");
    }
    const auto now = time_.now();
    // From the day after the last session (in the series' zone), or from today.
    std::string from = protocol::local_time_text(now, s->timezone).value().substr(0, 10);
    auto existing = rooms_of_series(id);
    if (!existing.empty() && existing.back()->config().timetable.start) {
        const auto after = *existing.back()->config().timetable.start + std::chrono::hours(24);
        if (auto day = protocol::local_time_text(after, s->timezone)) from = day->substr(0, 10);
    }
    std::vector<std::string> made;
    for (const auto& body : protocol::next_sessions(*s, from, now, count)) {
        auto config = protocol::parse_series_session(body, now, id);
        if (!config) return config.err();
        auto made_id = add_session(std::move(*config), key_hash);
        if (!made_id) return made_id.err();
        made.push_back(*made_id);
    }
    return made;
}

std::optional<protocol::series_config> hub::find_series(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = series_.find(id);
    if (it == series_.end()) return std::nullopt;
    return it->second;
}

std::vector<std::shared_ptr<room>> hub::rooms_of_series(const std::string& id) {
    std::vector<std::shared_ptr<room>> out;
    for (auto& r : rooms()) {
        if (r->config().series == id) out.push_back(r);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a->config().timetable.start < b->config().timetable.start;
    });
    return out;
}

void hub::advance_clock(core::duration d, std::function<void(core::instant)> done) {
    auto* tc = dynamic_cast<test_clock*>(&time_);
    const auto now = tc ? tc->advance(d) : time_.now();
    auto all = rooms();
    if (all.empty()) return done(now);
    auto remaining = std::make_shared<std::atomic<std::size_t>>(all.size());
    auto shared_done = std::make_shared<std::function<void(core::instant)>>(std::move(done));
    for (auto& r : all) {
        r->tick([remaining, shared_done, now] {
            if (remaining->fetch_sub(1) == 1) (*shared_done)(now);
        });
    }
}

bool hub::reserve_connection(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto& n = per_address_[address];
    if (n >= opts_.max_connections_per_address) return false;
    ++n;
    return true;
}

void hub::release_connection(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto it = per_address_.find(address);
    if (it == per_address_.end()) return;
    if (--it->second == 0) per_address_.erase(it);
}

std::optional<core::duration> hub::admit_creation(const std::string& address) {
    if (opts_.max_sessions_per_hour == 0) return std::nullopt;
    const auto now = time_.now();
    const auto hour = std::chrono::hours(1);
    std::lock_guard lock(mutex_);
    auto& times = creations_[address];
    while (!times.empty() && times.front() + hour <= now) times.pop_front();
    if (times.size() >= opts_.max_sessions_per_hour) return times.front() + hour - now;
    times.push_back(now);
    return std::nullopt;
}

void hub::add_connection(const std::shared_ptr<connection>& c) {
    std::lock_guard lock(mutex_);
    connections_[c->id()] = c;
}

void hub::remove_connection(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    connections_.erase(id);
}

void hub::release() {
    archive_workers_.stop();
    archive_workers_.join();
    decltype(rooms_) rooms;
    decltype(connections_) connections;
    {
        std::lock_guard lock(mutex_);
        rooms.swap(rooms_);
        connections.swap(connections_);
    }
    // Outside the lock: a connection whose last owner is its room (it left after the I/O
    // threads stopped, so the room never heard) gives its address's place back as it goes,
    // and that takes the lock (it deadlocked here).
    for (auto& [id, r] : rooms) r->release_members();
}

void hub::shutdown(std::function<void()> done) {
    shutting_down_ = true;
    auto all = rooms();
    auto finish = [self = shared_from_this(), done = std::move(done)] {
        self->close_all(boost::beast::websocket::close_code::service_restart);
        done();
    };
    if (all.empty()) return finish();
    auto remaining = std::make_shared<std::atomic<std::size_t>>(all.size());
    auto shared_finish = std::make_shared<decltype(finish)>(std::move(finish));
    for (auto& r : all) {
        r->drain(boost::beast::websocket::close_code::service_restart, [remaining, shared_finish] {
            if (remaining->fetch_sub(1) == 1) (*shared_finish)();
        });
    }
}

std::size_t hub::open_connections() {
    std::lock_guard lock(mutex_);
    return connections_.size();
}

void hub::close_all(std::uint16_t code) {
    shutting_down_ = true;
    std::vector<std::shared_ptr<connection>> open;
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, w] : connections_) {
            if (auto c = w.lock()) open.push_back(std::move(c));
        }
    }
    for (auto& c : open) c->close(code);
}

}  // namespace hashchat::server
