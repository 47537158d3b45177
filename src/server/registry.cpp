#include "server/registry.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <limits>

#include "protocol/event_json.hpp"
#include "protocol/session_json.hpp"
#include "server/cluster.hpp"
#include "store/index_ops.hpp"

namespace hashchat::server {

namespace net = boost::asio;

registry::registry(net::io_context& ioc, const clock& time, store::store& db, committer& commits,
                   metrics& stats, registry_options opts)
    : ioc_(ioc),
      time_(time),
      db_(db),
      commits_(commits),
      stats_(stats),
      opts_(opts),
      timer_strand_(net::make_strand(ioc)),
      due_timer_(timer_strand_) {}

std::shared_ptr<room> registry::make_room(core::session s) {
    std::weak_ptr<registry> weak = shared_from_this();
    room_deps deps{.time = time_,
                   .commits = commits_,
                   .stats = stats_,
                   .limits = opts_.limits,
                   .idle_after = opts_.idle_after};
    deps.idle = [weak](const std::shared_ptr<room>& r) {
        if (auto self = weak.lock()) self->on_idle(r);
    };
    deps.reload = [weak](const std::string& id, room_callback fn) {
        if (auto self = weak.lock()) self->with_room(id, std::move(fn));
    };
    deps.lost = [weak](const std::shared_ptr<room>& r, bool) {
        if (auto self = weak.lock()) self->on_lost(r);
    };
    deps.rehome = [weak](const std::shared_ptr<room>& r, std::vector<moving_member> members) {
        if (auto self = weak.lock()) self->rehome(r, std::move(members));
    };
    if (opts_.nodes != nullptr) {
        deps.reread_keys = [weak](const std::shared_ptr<room>& r, std::function<void()> then) {
            if (auto self = weak.lock()) self->reread_keys(r, std::move(then));
        };
        deps.report_presence = [nodes = opts_.nodes](const std::string& session,
                                                     std::size_t online) {
            nodes->report_presence(session, online);
        };
        deps.withdraw = [nodes = opts_.nodes](const std::string& session, auto done) {
            nodes->withdraw(session, std::move(done));
        };
        // A command handed over waits for a writer at most two leases (one to expire, one for
        // another node to take over), then is sent again by its client a lease later.
        deps.limits.handoff_bound_ms = 2 * opts_.nodes->lease().count();
        deps.limits.handoff_retry_ms = opts_.nodes->lease().count();
    }
    return std::make_shared<room>(net::make_strand(ioc_), std::move(s), std::move(deps));
}

void registry::load() {
    const auto indexed = db_.index_watermarks();
    const auto now = time_.now();
    std::vector<std::shared_ptr<session_entry>> due_now;
    for (const auto& stored : db_.sessions()) {
        auto config = protocol::config_from_json(stored.config_json);
        if (!config) {
            throw store::store_error("session " + stored.id + ": the configuration is unreadable");
        }
        const auto marks = db_.marks(stored.id);
        auto e = std::make_shared<session_entry>(*config, stored.keys, marks);
        // The search index is written after the log (committer): what it had not read when
        // the server stopped is indexed now, from the events after its mark.
        const auto mark = indexed.find(stored.id);
        const core::seq_t indexed_upto = mark == indexed.end() ? 0 : mark->second;
        if (marks.head > indexed_upto) {
            store::write_batch batch;
            index_after(stored.id, *config, indexed_upto, batch);
            batch.indexed.emplace_back(stored.id, marks.head);
            db_.commit(batch);
            spdlog::info("session {}: indexed events {} to {} for search", stored.id,
                         indexed_upto + 1, marks.head);
        }
        const auto due = e->next_due();
        std::lock_guard lock(mutex_);
        entries_[stored.id] = e;
        if (due && *due <= now) {
            due_now.push_back(e);
        } else {
            schedule(e);
        }
    }
    stats_.sessions = static_cast<std::int64_t>(entries_.size());
    // What fell due while the server was down is released now, in order.
    for (const auto& e : due_now) build(e);
    arm_due_timer();
    spdlog::info("{} sessions stored, {} rooms built at start", entries_.size(), due_now.size());
}

void registry::index_after(const std::string& id, const core::session_config& config,
                           core::seq_t upto, store::write_batch& batch) {
    const auto scope = store::post_scope(config.hashtag, config.series);
    for (const auto& row : db_.events_after(id, upto)) {
        auto ev = protocol::parse_event(row.body, row.cid);
        if (!ev) throw store::store_error("session " + id + ": unreadable event");
        store::index_ops(id, scope, *ev, batch.index);
    }
}

void registry::catch_up_index(const std::string& id) {
    if (!db_.index_replayable()) return;
    net::post(builders_, [self = this, id] {  // (`this`: see with_room)
        const auto e = self->find(id);
        if (!e) return;
        try {
            store::write_batch batch;
            self->index_after(id, e->config(), self->db_.index_watermark(id), batch);
            if (!batch.index.empty()) self->commits_.submit(std::move(batch), [] {});
        } catch (const store::store_error& ex) {
            spdlog::warn("session {}: its index is not caught up: {}", id, ex.what());
        }
    });
}

std::shared_ptr<session_entry> registry::find(const std::string& id) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<session_entry>> registry::all() {
    std::vector<std::shared_ptr<session_entry>> out;
    {
        std::lock_guard lock(mutex_);
        out.reserve(entries_.size());
        for (const auto& [id, e] : entries_) out.push_back(e);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a->created_at() != b->created_at() ? a->created_at() > b->created_at()
                                                  : a->id() < b->id();
    });
    return out;
}

bool registry::reserve(const std::string& id) {
    std::lock_guard lock(mutex_);
    if (entries_.count(id) > 0) return false;
    return reserved_.insert(id).second;
}

void registry::drain(std::uint16_t code, std::function<void()> done) {
    auto all = loaded();
    if (all.empty()) return done();
    auto remaining = std::make_shared<std::atomic<std::size_t>>(all.size());
    auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
    for (auto& r : all) {
        r->drain(code, [remaining, shared_done] {
            if (remaining->fetch_sub(1) == 1) (*shared_done)();
        });
    }
}

void registry::unreserve(const std::string& id) {
    std::lock_guard lock(mutex_);
    reserved_.erase(id);
}

void registry::add(core::session s) {
    // No room yet: the first join, HTTP write or step of its timetable builds it.
    auto e = std::make_shared<session_entry>(s.config(), s.keys());
    const auto due = e->next_due();
    {
        std::lock_guard lock(mutex_);
        reserved_.erase(e->id());
        // Several nodes: this node's own notification of it may have come first (learn).
        if (!entries_.emplace(e->id(), e).second) return;
        stats_.sessions = static_cast<std::int64_t>(entries_.size());
        if (!due || *due > time_.now()) schedule(e);
    }
    if (due && *due <= time_.now()) {
        with_room(e->id(), [](const std::shared_ptr<room>&) {});
    } else {
        arm_due_timer();
    }
}

void registry::lookup(const std::string& id, std::function<void()> then) {
    {
        std::lock_guard lock(mutex_);
        if (opts_.nodes == nullptr || entries_.count(id) > 0) return then();
    }
    net::post(builders_, [self = this, id, then = std::move(then)] {  // (`this`: see with_room)
        if (!self->find(id)) {
            try {
                if (auto s = self->db_.session(id)) self->learn(*s, self->db_.marks(id));
            } catch (const std::exception& e) {
                spdlog::warn("session {}: cannot be read: {}", id, e.what());
            }
        }
        then();
    });
}

void registry::with_room(const std::string& id, room_callback fn) {
    if (opts_.nodes != nullptr && !find(id)) {
        // Perhaps made on another node a moment ago (its notification not come yet).
        return lookup(id, [self = this, id, fn = std::move(fn)]() mutable {
            self->open_room(id, std::move(fn));
        });
    }
    open_room(id, std::move(fn));
}

void registry::open_room(const std::string& id, room_callback fn) {
    std::shared_ptr<session_entry> e;
    {
        std::lock_guard lock(mutex_);
        const auto it = entries_.find(id);
        if (it != entries_.end()) e = it->second;
        if (e && !e->loaded()) {
            auto& waiting = building_[id];
            waiting.push_back(std::move(fn));
            if (waiting.size() > 1) return;  // being built
            // `this`, not a shared_ptr: builders_ is the registry's last member, so its thread
            // never outlives the registry, and a build still queued at shutdown (abandoned by
            // release()) must not keep the registry alive.
            net::post(builders_, [self = this, e] {
                try {
                    self->build(e);
                } catch (const std::exception& ex) {
                    spdlog::error("session {}: its room cannot be built: {}", e->id(), ex.what());
                    // Several nodes: a lease taken for it is given back, or no node would
                    // write the session while this one renews it.
                    if (self->opts_.nodes != nullptr) self->opts_.nodes->give_up(e->id());
                    std::vector<room_callback> waiting;
                    {
                        std::lock_guard lock(self->mutex_);
                        waiting.swap(self->building_[e->id()]);
                        self->building_.erase(e->id());
                    }
                    for (auto& w : waiting) w(nullptr);
                }
            });
            return;
        }
    }
    fn(e ? e->loaded() : nullptr);
}

void registry::build(const std::shared_ptr<session_entry>& e) {
    const auto st = e->standing();
    core::session s(st.config, valid_key_hashes(st.keys), core::limits{opts_.max_text, 50});
    s.set_keys(st.keys);
    auto r = make_room(std::move(s));
    bool writes = true;
    if (opts_.nodes != nullptr) {
        // Several nodes: the room writes if this node can take the session's lease; else it
        // follows the node that holds it.
        const auto epoch = opts_.nodes->acquire(e->id());
        writes = epoch.has_value();
        r->set_cluster(opts_.nodes->node(), epoch);
    }
    if (writes) catch_up_index(e->id());
    std::vector<store::post_index_op> none;  // the index is brought up to date at start
    r->load(db_.members(e->id()), db_.events(e->id()), db_.mod_entries(e->id()),
            std::numeric_limits<core::seq_t>::max(), none);
    std::vector<room_callback> waiting;
    {
        std::lock_guard lock(mutex_);
        e->set_room(r);
        if (const auto it = due_of_.find(e->id()); it != due_of_.end()) {
            due_.erase({it->second, e->id()});
            due_of_.erase(it);
        }
        if (const auto it = building_.find(e->id()); it != building_.end()) {
            waiting.swap(it->second);
            building_.erase(it);
        }
    }
    stats_.rooms_loaded.fetch_add(1, std::memory_order_relaxed);
    stats_.rooms_built.fetch_add(1, std::memory_order_relaxed);
    r->start();
    // What was appended or handed over between the reads above and now.
    if (opts_.nodes != nullptr) opts_.nodes->catch_up(e->id());
    for (auto& w : waiting) w(r);
}

void registry::on_idle(const std::shared_ptr<room>& r) {
    auto e = find(r->id());
    if (!e || e->loaded() != r) return;
    const auto was = r->position();
    {
        std::lock_guard lock(mutex_);
        if (building_.count(r->id()) > 0) return;
        auto standing = r->retire();
        if (!standing) return;
        e->unload(std::move(*standing));
        schedule(e);
    }
    if (opts_.nodes != nullptr && was.writer) opts_.nodes->release(r->id(), was.epoch);
    stats_.rooms_loaded.fetch_sub(1, std::memory_order_relaxed);
    arm_due_timer();
    // The room's memory goes back to the system, not only to the allocator: one trim at a time
    // for a run of rooms let go (each walks the heap under the allocator's lock, and a load
    // test creating 250 sessions lets 250 rooms go; builds of rooms wait behind them).
    if (!trim_queued_.exchange(true)) {
        net::post(builders_, [self = this] {  // (`this`: see with_room)
            self->trim_queued_ = false;
            malloc_trim(0);
            self->stats_.memory_trims.fetch_add(1, std::memory_order_relaxed);
        });
    }
}

void registry::on_lost(const std::shared_ptr<room>& r) {
    // The room's state went beyond the store (batches refused): the entry is read again from
    // the store, off the I/O threads, and the next input builds a room that follows.
    net::post(builders_, [self = this, r] {  // (`this`: see with_room)
        if (self->reread(r->id(), r)) {
            self->stats_.rooms_loaded.fetch_sub(1, std::memory_order_relaxed);
        }
    });
}

void registry::reread_keys(const std::shared_ptr<room>& r, std::function<void()> then) {
    net::post(builders_, [self = this, r, then = std::move(then)] {  // (`this`: see with_room)
        try {
            if (const auto s = self->db_.session(r->id())) {
                if (auto config = protocol::config_from_json(s->config_json)) {
                    r->session_changed(std::move(*config), s->keys);
                }
            }
        } catch (const store::store_error& e) {
            spdlog::warn("session {}: its keys cannot be read: {}", r->id(), e.what());
        }
        then();
    });
}

void registry::rehome(const std::shared_ptr<room>& old, std::vector<moving_member> members) {
    // After on_lost's re-read (builders_ runs one task at a time, in order): the next room is
    // built from the store, and follows the writer that took the session over. The members
    // are adopted there before what reached the old room meanwhile (room::succeeded_by).
    net::post(builders_, [self = this, old, members = std::move(members)]() mutable {
        self->with_room(old->id(),
                        [old, members = std::move(members)](const std::shared_ptr<room>& r) {
                            if (r) {
                                r->adopt(members);
                            } else {
                                for (const auto& m : members)
                                    m.conn->close(1013);  // the store is away
                            }
                            old->succeeded_by(r);
                        });
    });
}

bool registry::reread(const std::string& id, const std::shared_ptr<room>& r) {
    const auto e = find(id);
    if (!e || e->loaded() != r) return false;
    const auto st = e->standing();
    std::shared_ptr<session_entry> fresh;
    try {
        fresh = std::make_shared<session_entry>(st.config, st.keys, db_.marks(id));
    } catch (const store::store_error& ex) {
        // The store cannot be reached: what was stored when the room was built stands in
        // until the next build reads the store.
        spdlog::warn("session {}: cannot be read again: {}", id, ex.what());
        {
            std::lock_guard lock(mutex_);
            if (e->loaded() != r || building_.count(id) > 0) return false;
            e->unload(st);
            schedule(e);
        }
        arm_due_timer();
        return true;
    }
    {
        std::lock_guard lock(mutex_);
        const auto it = entries_.find(id);
        if (it == entries_.end() || it->second != e || e->loaded() != r ||
            building_.count(id) > 0) {
            return false;
        }
        it->second = fresh;
        schedule(fresh);
    }
    arm_due_timer();
    return true;
}

std::shared_ptr<room> registry::loaded_room(const std::string& id) {
    auto e = find(id);
    return e ? e->loaded() : nullptr;
}

void registry::learn(const store::stored_session& s, const store::log_marks& marks) {
    auto config = protocol::config_from_json(s.config_json);
    if (!config) {
        spdlog::warn("session {}: made on another node with an unreadable configuration", s.id);
        return;
    }
    std::shared_ptr<room> loaded;
    {
        std::lock_guard lock(mutex_);
        const auto it = entries_.find(s.id);
        if (it != entries_.end()) loaded = it->second->loaded();
        if (!loaded) {
            // New here, or changed while no room has it here (one being built reads the store).
            if (building_.count(s.id) > 0) return;
            auto e = std::make_shared<session_entry>(*config, s.keys, marks);
            reserved_.erase(s.id);
            entries_[s.id] = e;
            stats_.sessions = static_cast<std::int64_t>(entries_.size());
            schedule(e);
        }
    }
    if (loaded) return loaded->session_changed(std::move(*config), s.keys);
    arm_due_timer();
}

void registry::stale(const std::string& id) {
    {
        std::lock_guard lock(mutex_);
        const auto it = entries_.find(id);
        if (it == entries_.end() || it->second->loaded()) return;
        if (!stale_.insert(id).second) return;  // a read is queued already
    }
    net::post(builders_, [self = this, id] {  // (`this`: see with_room)
        {
            std::lock_guard lock(self->mutex_);
            self->stale_.erase(id);
        }
        self->reread(id, nullptr);
    });
}

void registry::schedule(const std::shared_ptr<session_entry>& e) {
    if (const auto it = due_of_.find(e->id()); it != due_of_.end()) {
        due_.erase({it->second, e->id()});
        due_of_.erase(it);
    }
    if (e->loaded()) return;
    if (auto due = e->next_due()) {
        // Several nodes: a session due already is being written by another node (whose room
        // has not released it yet): looked at again once a lease could have expired.
        if (opts_.nodes != nullptr) due = std::max(*due, time_.now() + opts_.nodes->lease());
        due_.emplace(*due, e->id());
        due_of_[e->id()] = *due;
    }
}

void registry::arm_due_timer() {
    if (time_.is_test()) return;  // a test clock moves only through advance()
    net::post(timer_strand_, [self = shared_from_this()] {
        std::optional<core::instant> first;
        {
            std::lock_guard lock(self->mutex_);
            if (!self->due_.empty()) first = self->due_.begin()->first;
        }
        if (first == self->due_armed_) return;
        self->due_armed_ = first;
        if (!first) {
            self->due_timer_.cancel();
            return;
        }
        self->due_timer_.expires_after(std::max(core::duration{0}, *first - self->time_.now()));
        self->due_timer_.async_wait([self](const boost::system::error_code& ec) {
            if (ec) return;
            self->due_armed_.reset();
            self->on_due();
        });
    });
}

std::vector<std::string> registry::take_due(core::instant now) {
    std::vector<std::string> ids;
    std::lock_guard lock(mutex_);
    while (!due_.empty() && due_.begin()->first <= now) {
        ids.push_back(due_.begin()->second);
        due_of_.erase(due_.begin()->second);
        due_.erase(due_.begin());
    }
    return ids;
}

void registry::on_due() {
    const auto now = time_.now();
    const auto ids = take_due(now);
    // Building the room releases what is due (it ticks when it starts).
    for (const auto& id : ids) open_due(id, [](const std::shared_ptr<room>&) {});
    arm_due_timer();
}

void registry::open_due(const std::string& id, room_callback fn) {
    if (opts_.nodes == nullptr) return with_room(id, std::move(fn));
    // Several nodes: a session that falls due with no room here is claimed by taking its lease;
    // the first node to see it due takes it and builds the room that releases what is due. If
    // another node holds it, that node runs the timetable: no room is built here, and the
    // entry is looked at again a lease later (or read again when that node appends).
    net::post(builders_,
              [self = this, id, fn = std::move(fn)]() mutable {  // (`this`: see with_room)
                  const auto e = self->find(id);
                  if (!e || e->loaded() || self->opts_.nodes->acquire(id)) {
                      return self->with_room(id, std::move(fn));
                  }
                  {
                      std::lock_guard lock(self->mutex_);
                      if (!e->loaded()) self->schedule(e);
                  }
                  self->arm_due_timer();
                  fn(nullptr);
              });
}

std::vector<std::shared_ptr<room>> registry::loaded() {
    std::vector<std::shared_ptr<room>> out;
    std::lock_guard lock(mutex_);
    for (const auto& [id, e] : entries_) {
        if (auto r = e->loaded()) out.push_back(std::move(r));
    }
    return out;
}

void registry::advance(std::function<void()> done) {
    const auto now = time_.now();
    const auto ids = take_due(now);
    // First the rooms of sessions that fell due are built, then every room ticks.
    auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
    auto tick_all = [self = shared_from_this(), shared_done] {
        auto rooms = self->loaded();
        if (rooms.empty()) return (*shared_done)();
        auto remaining = std::make_shared<std::atomic<std::size_t>>(rooms.size());
        for (auto& r : rooms) {
            r->tick([remaining, shared_done] {
                if (remaining->fetch_sub(1) == 1) (*shared_done)();
            });
        }
    };
    auto built = std::make_shared<std::atomic<std::size_t>>(ids.size() + 1);
    auto one_built = [built, tick_all] {
        if (built->fetch_sub(1) == 1) tick_all();
    };
    for (const auto& id : ids)
        open_due(id, [one_built](const std::shared_ptr<room>&) { one_built(); });
    one_built();
}

void registry::release() {
    builders_.stop();
    builders_.join();
    // Builds that will not run now: what waited for them (a join holds its connection, which
    // holds the hub) is let go, or the cycle would outlive the server.
    std::unordered_map<std::string, std::vector<room_callback>> abandoned;
    {
        std::lock_guard lock(mutex_);
        abandoned.swap(building_);
    }
    abandoned.clear();
    for (auto& r : loaded()) r->release_members();
}

}  // namespace hashchat::server
