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
    : ioc_(ioc),
      opts_(std::move(opts)),
      time_(time),
      db_(db),
      commits_(commits),
      stats_(stats),
      limits_(opts_.max_connections_per_address, opts_.max_sessions_per_hour) {
    registry_ = std::make_shared<registry>(
        ioc_, time_, db_, commits_, stats_,
        registry_options{room_limits{opts_.queue_bytes, opts_.queue_bytes / 4, opts_.max_waiting,
                                     opts_.fanout_interval_ms},
                         opts_.max_text, std::chrono::seconds(opts_.room_idle_seconds)});
}

void hub::load() {
    for (const auto& stored : db_.series()) {
        auto s = protocol::series_from_json(stored.config_json);
        if (!s) throw store::store_error("series " + stored.id + ": unreadable");
        std::lock_guard lock(mutex_);
        series_[stored.id] = *s;
        series_keys_[stored.id] = stored.key_hash;
    }
    registry_->load();
}

void hub::create(std::string_view body, reply<created_session> done) {
    auto config = protocol::parse_create_request(body, time_.now());
    if (!config) return done(config.err());
    const std::string key = random_token(32);
    store::write_batch batch;
    std::vector<core::session> made;
    auto id = add_session(std::move(*config), sha256_hex(key), batch, made);
    if (!id) return done(id.err());
    commit_new(std::move(batch), std::move(made), [done, out = created_session{*id, key}] {
        spdlog::info("session {} created", out.id);
        done(out);
    });
}

core::result<std::string> hub::add_session(core::session_config c, const std::string& key_hash,
                                           store::write_batch& batch,
                                           std::vector<core::session>& made) {
    const auto now = time_.now();
    const std::string base = protocol::id_base(c);
    for (int n = 1; n < 10000; ++n) {
        c.id = n == 1 ? base : base + "-" + std::to_string(n);
        if (!registry_->reserve(c.id)) continue;
        batch.new_sessions.push_back(
            {c.id, protocol::config_to_json(c), key_hash, now.time_since_epoch().count()});
        made.emplace_back(c, std::vector<std::string>{key_hash}, core::limits{opts_.max_text, 50});
        return c.id;
    }
    return core::make_error(core::error_code::bad_request, "Too many sessions with this id.");
}

void hub::commit_new(store::write_batch batch, std::vector<core::session> made,
                     std::function<void()> done) {
    // Made through the committer like every other write; the sessions exist for the server once
    // they are durable, and the answer goes then.
    auto shared = std::make_shared<std::vector<core::session>>(std::move(made));
    commits_.submit(std::move(batch), [self = shared_from_this(), shared, done = std::move(done)] {
        for (auto& s : *shared) self->registry_->add(std::move(s));
        done();
    });
}

void hub::create_series(std::string_view body, reply<created_series> done) {
    const auto now = time_.now();
    auto req = protocol::parse_series_request(body, now);
    if (!req) return done(req.err());
    const std::string key = random_token(32);
    const std::string key_hash = sha256_hex(key);
    auto& s = req->series;
    const std::string base = protocol::series_id_base(s);
    std::unique_lock lock(mutex_);
    for (int n = 1; n < 10000; ++n) {
        s.id = n == 1 ? base : base + "-" + std::to_string(n);
        if (series_.count(s.id) > 0) continue;
        series_[s.id] = s;
        series_keys_[s.id] = key_hash;
        lock.unlock();
        store::write_batch batch;
        batch.new_series.push_back(
            {s.id, protocol::series_to_json(s), key_hash, now.time_since_epoch().count()});
        std::vector<core::session> made;
        created_series out{s.id, key, {}};
        for (const auto& b : req->session_bodies) {
            auto config = protocol::parse_series_session(b, now, s.id);
            if (!config) return done(config.err());
            auto id = add_session(std::move(*config), key_hash, batch, made);
            if (!id) return done(id.err());
            out.sessions.push_back(*id);
        }
        return commit_new(std::move(batch), std::move(made), [done, out] {
            spdlog::info("series {} created with {} sessions", out.id, out.sessions.size());
            done(out);
        });
    }
    lock.unlock();
    done(core::make_error(core::error_code::bad_request, "Too many series with this id."));
}

void hub::extend_series(const std::string& id, const std::string& key, int count,
                        reply<std::vector<std::string>> done) {
    auto s = find_series(id);
    if (!s) {
        return done(
            core::make_error(core::error_code::not_found, "There is no series with that id."));
    }
    std::string key_hash;
    {
        std::lock_guard lock(mutex_);
        key_hash = series_keys_[id];
    }
    if (!core::hashes_equal(key_hash, sha256_hex(key))) {
        return done(core::make_error(core::error_code::bad_key, "That is not the series' key."));
    }
    const auto now = time_.now();
    auto existing = sessions_of_series(id);
    const auto from = protocol::next_series_day(
        *s, existing.empty() ? std::nullopt : existing.back()->config().timetable.start, now);
    store::write_batch batch;
    std::vector<core::session> made;
    std::vector<std::string> ids;
    for (const auto& body : protocol::next_sessions(*s, from, now, count)) {
        auto config = protocol::parse_series_session(body, now, id);
        if (!config) return done(config.err());
        auto made_id = add_session(std::move(*config), key_hash, batch, made);
        if (!made_id) return done(made_id.err());
        ids.push_back(*made_id);
    }
    commit_new(std::move(batch), std::move(made), [done, ids] { done(ids); });
}

std::optional<protocol::series_config> hub::find_series(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = series_.find(id);
    if (it == series_.end()) return std::nullopt;
    return it->second;
}

std::vector<std::shared_ptr<session_entry>> hub::sessions_of_series(const std::string& id) {
    std::vector<std::pair<core::session_config, std::shared_ptr<session_entry>>> found;
    for (auto& e : sessions()) {
        auto c = e->config();
        if (c.series == id) found.emplace_back(std::move(c), e);
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return a.first.timetable.start < b.first.timetable.start;
    });
    std::vector<std::shared_ptr<session_entry>> out;
    out.reserve(found.size());
    for (auto& [c, e] : found) out.push_back(std::move(e));
    return out;
}

void hub::advance_clock(core::duration d, std::function<void(core::instant)> done) {
    auto* tc = dynamic_cast<test_clock*>(&time_);
    const auto now = tc ? tc->advance(d) : time_.now();
    registry_->advance([done = std::move(done), now] { done(now); });
}

void hub::release() {
    archive_workers_.stop();
    archive_workers_.join();
    connections_.clear();
    registry_->release();
}

void hub::shutdown(std::function<void()> done) {
    shutting_down_ = true;
    auto all = registry_->loaded();
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

void hub::close_all(std::uint16_t code) {
    shutting_down_ = true;
    connections_.close_all(code);
}

}  // namespace hashchat::server
