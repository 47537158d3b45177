#include "server/room.hpp"

#include <boost/asio/post.hpp>

#include "protocol/server_messages.hpp"
#include "server/crypto.hpp"
#include "server/steady.hpp"

namespace hashchat::server {

namespace {

// A connection whose input reached a room that could not be built again: told, and closed to
// try again later.
void store_unavailable_to(const std::shared_ptr<connection>& c,
                          const std::optional<std::string>& rid,
                          const std::optional<std::string>& cid) {
    c->send(std::make_shared<const std::string>(
        protocol::error_message(core::store_unavailable_error(), rid, cid)));
    c->close(1013);
}

}  // namespace

namespace net = boost::asio;

room::room(net::any_io_executor strand, core::session s, room_deps deps)
    : strand_(std::move(strand)),
      time_(deps.time),
      commits_(deps.commits),
      stats_(deps.stats),
      id_(s.config().id),
      created_at_(s.config().created_at),
      idle_after_(deps.idle_after),
      idle_(std::move(deps.idle)),
      reload_(std::move(deps.reload)),
      lost_(std::move(deps.lost)),
      machine_(std::move(s), deps.limits, deps.stats),
      timer_(strand_),
      fanout_timer_(strand_),
      recheck_(strand_),
      handoff_timer_(strand_),
      withdraw_(std::move(deps.withdraw)),
      rehome_(std::move(deps.rehome)),
      report_presence_(std::move(deps.report_presence)),
      reread_keys_(std::move(deps.reread_keys)) {}

void room::load(const std::vector<core::member>& members,
                const std::vector<store::stored_event>& events,
                const std::vector<std::string>& mod_entries, core::seq_t indexed_upto,
                std::vector<store::post_index_op>& reindex) {
    std::lock_guard lock(mutex_);
    machine_.load(members, events, mod_entries, indexed_upto, reindex);
}

moment room::now() const {
    return {time_.now(), steady_now_us(), stats_.cpu_busy_permille.load(std::memory_order_relaxed)};
}

// ---- inputs -------------------------------------------------------------------------------------

void room::start() {
    net::post(strand_, [self = shared_from_this()] {
        self->step([&](room_machine& m) { return m.tick(self->now()); }, nullptr, false);
    });
}

void room::join(std::shared_ptr<connection> c, protocol::hello_msg hello,
                std::optional<std::string> rid, bool key_rechecked) {
    net::post(strand_, [self = shared_from_this(), c = std::move(c), hello = std::move(hello),
                        rid = std::move(rid), key_rechecked]() mutable {
        if (self->retired_) {
            return self->forward(
                [c, hello, rid](std::shared_ptr<room> r) { r->join(c, hello, rid); },
                [c, rid] { store_unavailable_to(c, rid, std::nullopt); });
        }
        room_machine::joining j{c->id(), sha256_hex(c->address()), c, random_token()};
        self->connections_.emplace(c->id(), c);
        self->step(
            [&](room_machine& m) {
                return m.join(std::move(j), hello, rid, self->now(), key_rechecked);
            },
            c);
        std::lock_guard lock(self->mutex_);
        if (!self->machine_.is_member(c->id())) self->connections_.erase(c->id());
    });
}

void room::others_online(std::size_t n) {
    net::post(strand_, [self = shared_from_this(), n] {
        self->step([&](room_machine& m) { return m.others_online(n); });
    });
}

void room::adopt(std::vector<moving_member> members) {
    net::post(strand_, [self = shared_from_this(), members = std::move(members)]() mutable {
        if (self->retired_) {
            return self->forward([members](std::shared_ptr<room> r) { r->adopt(members); },
                                 [members] {
                                     for (const auto& m : members) m.conn->close(1013);
                                 });
        }
        std::vector<room_machine::moving_member> states;
        for (auto& m : members) {
            self->connections_.emplace(m.conn->id(), m.conn);
            states.push_back(std::move(m.state));
        }
        self->step([&](room_machine& m) { return m.adopt(states, self->now()); });
    });
}

void room::command(std::shared_ptr<connection> c, core::command cmd, std::optional<std::string> rid,
                   std::optional<std::string> cid, std::string text) {
    net::post(strand_, [self = shared_from_this(), c = std::move(c), cmd = std::move(cmd),
                        rid = std::move(rid), cid = std::move(cid), text = std::move(text),
                        arrived = steady_now_ms()] {
        if (self->retired_) {
            // Sent before its welcome, to a room let go meanwhile: the successor answers.
            // (The successor tells the connection when it has taken it on.)
            return self->forward(
                [c, cmd, rid, cid, text](std::shared_ptr<room> r) {
                    r->command(c, cmd, rid, cid, text);
                },
                [c, rid, cid] {
                    store_unavailable_to(c, rid, cid);
                    c->command_done();
                });
        }
        self->step(
            [&](room_machine& m) {
                return m.command(c->id(), cmd, rid, cid, arrived, self->now(), text);
            },
            c);
        c->command_done();
    });
}

void room::fetch(std::shared_ptr<connection> c, core::seq_t from, std::size_t max_bytes) {
    net::post(strand_, [self = shared_from_this(), c = std::move(c), from, max_bytes] {
        self->step([&](room_machine& m) { return m.fetch(c->id(), from, max_bytes); }, c);
    });
}

void room::leave(std::uint64_t connection_id) {
    net::post(strand_, [self = shared_from_this(), connection_id] {
        if (self->retired_) {
            // Its join may have gone on to the successor (let go between the two), and the
            // connection closed before it heard: the successor must not keep the member.
            return self->forward(
                [connection_id](std::shared_ptr<room> r) { r->leave(connection_id); });
        }
        self->step([&](room_machine& m) { return m.leave(connection_id, self->now()); });
        self->connections_.erase(connection_id);
    });
}

void room::tick(std::function<void()> done) {
    net::post(strand_, [self = shared_from_this(), done = std::move(done)] {
        if (self->retired_) {
            if (done) done();  // it had nothing due
            return;
        }
        self->step([&](room_machine& m) { return m.tick(self->now(), done); });
    });
}

void room::close_all(std::uint16_t code) {
    net::post(strand_, [self = shared_from_this(), code] {
        self->step([&](room_machine& m) { return m.close_all(code); });
    });
}

void room::drained() {
    net::post(strand_, [self = shared_from_this()] {
        self->step([&](room_machine& m) { return m.drained(self->now()); });
    });
}

void room::drain(std::uint16_t code, std::function<void()> done) {
    net::post(strand_, [self = shared_from_this(), code, done = std::move(done)] {
        if (self->retired_) return done();
        self->step([&](room_machine& m) { return m.drain(code, done, self->now()); });
    });
}

void room::release_members() {
    std::lock_guard lock(mutex_);
    machine_.release_members();
    connections_.clear();
}

void room::create_key(std::string owner_hash, std::string label, key_reply done) {
    net::post(strand_, [self = shared_from_this(), owner_hash = std::move(owner_hash),
                        label = std::move(label), done = std::move(done)] {
        if (self->retired_) {
            return self->forward(
                [owner_hash, label, done](std::shared_ptr<room> r) {
                    r->create_key(owner_hash, label, done);
                },
                [done] { done(core::store_unavailable_error()); });
        }
        const auto key = random_token(32);
        self->step([&](room_machine& m) {
            return m.create_key(owner_hash, label, key, self->now(), done);
        });
    });
}

void room::list_keys(std::string owner_hash, key_reply done) {
    net::post(strand_, [self = shared_from_this(), owner_hash = std::move(owner_hash),
                        done = std::move(done)] {
        if (self->retired_) {
            return self->forward(
                [owner_hash, done](std::shared_ptr<room> r) { r->list_keys(owner_hash, done); },
                [done] { done(core::store_unavailable_error()); });
        }
        self->step([&](room_machine& m) { return m.list_keys(owner_hash, done); });
    });
}

void room::revoke_key(std::string owner_hash, std::string key_id, key_reply done) {
    net::post(strand_, [self = shared_from_this(), owner_hash = std::move(owner_hash),
                        key_id = std::move(key_id), done = std::move(done)] {
        if (self->retired_) {
            return self->forward(
                [owner_hash, key_id, done](std::shared_ptr<room> r) {
                    r->revoke_key(owner_hash, key_id, done);
                },
                [done] { done(core::store_unavailable_error()); });
        }
        self->step([&](room_machine& m) { return m.revoke_key(owner_hash, key_id, done); });
    });
}

void room::patch(std::string key_hash, std::string body, key_reply done) {
    net::post(strand_, [self = shared_from_this(), key_hash = std::move(key_hash),
                        body = std::move(body), done = std::move(done)] {
        if (self->retired_) {
            return self->forward(
                [key_hash, body, done](std::shared_ptr<room> r) { r->patch(key_hash, body, done); },
                [done] { done(core::store_unavailable_error()); });
        }
        self->step([&](room_machine& m) { return m.patch(key_hash, body, self->now(), done); });
    });
}

// ---- several nodes ------------------------------------------------------------------------------

void room::set_cluster(std::string node, std::optional<std::int64_t> epoch) {
    std::lock_guard lock(mutex_);
    machine_.set_cluster(std::move(node), epoch);
    // An HTTP write another node handed over is answered through the store once it is durable.
    machine_.set_http_replier([weak = weak_from_this()](std::string to, std::uint64_t conn) {
        return [weak, to = std::move(to), conn](core::result<std::string> r) {
            const auto self = weak.lock();
            if (!self) return;
            net::post(self->strand_, [self, to, conn, r = std::move(r)] {
                self->step(
                    [&](room_machine& m) { return m.http_replied(to, conn, r, self->now()); });
            });
        };
    });
}

room_position room::position() {
    std::lock_guard lock(mutex_);
    room_position p;
    p.writer = machine_.writer();
    p.epoch = machine_.epoch();
    p.logged = machine_.logged();
    p.mod_logged = machine_.mod_head();
    p.handoffs_taken = machine_.handoffs_taken();
    p.members = machine_.members();
    const auto due = machine_.next_due();
    p.due = due && *due <= time_.now();
    return p;
}

void room::replicate(std::vector<store::stored_event> events, std::vector<std::string> mods) {
    net::post(
        strand_, [self = shared_from_this(), events = std::move(events), mods = std::move(mods)] {
            self->step([&](room_machine& m) { return m.replicated(events, mods, self->now()); });
        });
}

void room::session_changed(core::session_config config, std::vector<core::moderator_key> keys) {
    net::post(strand_, [self = shared_from_this(), config = std::move(config),
                        keys = std::move(keys)]() mutable {
        self->step([&](room_machine& m) {
            return m.session_changed(std::move(config), std::move(keys), self->now());
        });
    });
}

void room::promote(std::int64_t epoch, std::vector<store::stored_event> events,
                   std::vector<std::string> mods, std::vector<store::handoff_row> handed) {
    net::post(strand_, [self = shared_from_this(), epoch, events = std::move(events),
                        mods = std::move(mods), handed = std::move(handed)] {
        self->step([&](room_machine& m) {
            auto out = m.replicated(events, mods, self->now());
            auto more = m.promote(epoch, self->now());
            auto taken = m.handed_over(handed, self->now());
            out.insert(out.end(), std::make_move_iterator(more.begin()),
                       std::make_move_iterator(more.end()));
            out.insert(out.end(), std::make_move_iterator(taken.begin()),
                       std::make_move_iterator(taken.end()));
            return out;
        });
    });
}

void room::handed_over(std::vector<store::handoff_row> rows) {
    net::post(strand_, [self = shared_from_this(), rows = std::move(rows)] {
        self->step([&](room_machine& m) { return m.handed_over(rows, self->now()); });
    });
}

void room::writer_replied(connection_id c, core::seq_t after, std::string body) {
    net::post(strand_, [self = shared_from_this(), c, after, body = std::move(body)] {
        self->step([&](room_machine& m) { return m.writer_replied(c, after, body, self->now()); });
    });
}

void room::lost(bool store_lost) {
    net::post(strand_, [self = shared_from_this(), store_lost] {
        if (self->retired_) return;
        self->step([&](room_machine& m) { return m.lost(store_lost); }, nullptr, false);
        std::vector<moving_member> moving;
        {
            std::lock_guard lock(self->mutex_);
            self->retired_ = true;
            if (!store_lost && self->rehome_) {
                for (auto& m : self->machine_.members_moving()) {
                    const auto it = self->connections_.find(m.id);
                    if (it != self->connections_.end())
                        moving.push_back({it->second, std::move(m)});
                }
            }
        }
        self->timer_.cancel();
        self->fanout_timer_.cancel();
        self->recheck_.cancel();
        self->handoff_timer_.cancel();
        // What it holds beyond the store is not the session's any more. Taken over: its members
        // go on in a room that follows the new writer. The store lost: they reconnect with
        // backoff (1013, try again later) until it is back. Either way they send again what
        // was not acknowledged.
        if (moving.empty() || store_lost) {
            for (auto& [id, c] : self->connections_) c->close(store_lost ? 1013 : 1012);
        }
        self->connections_.clear();
        if (!moving.empty()) self->awaiting_successor_ = true;
        if (self->lost_) self->lost_(self, store_lost);
        if (!moving.empty()) self->rehome_(self, std::move(moving));
    });
}

// ---- letting go ---------------------------------------------------------------------------------

bool room::may_retire() const {
    if (retired_ || !idle_ || !machine_.idle()) return false;
    if (!machine_.writer()) return true;  // its timetable runs on the writer's node
    const auto due = machine_.next_due();
    return !due || *due > time_.now() + idle_after_;
}

std::optional<room_standing> room::retire() {
    std::lock_guard lock(mutex_);
    if (!may_retire()) return std::nullopt;
    retired_ = true;
    timer_.cancel();
    fanout_timer_.cancel();
    recheck_.cancel();
    handoff_timer_.cancel();
    return machine_.standing();
}

void room::succeeded_by(std::shared_ptr<room> next) {
    net::post(strand_, [self = shared_from_this(), next = std::move(next)] {
        self->awaiting_successor_ = false;
        auto held = std::exchange(self->held_for_successor_, {});
        for (auto& [input, none] : held) {
            if (next) {
                input(next);
            } else if (none) {
                none();
            }
        }
    });
}

void room::forward(std::function<void(std::shared_ptr<room>)> input, std::function<void()> none) {
    if (awaiting_successor_) {
        held_for_successor_.emplace_back(std::move(input), std::move(none));
        return;
    }
    reload_(id_,
            [input = std::move(input), none = std::move(none)](const std::shared_ptr<room>& r) {
                if (r) return input(r);
                if (none) none();  // its building failed (logged): the store cannot be reached
            });
}

// ---- reads --------------------------------------------------------------------------------------

core::session_config room::config() {
    std::lock_guard lock(mutex_);
    return machine_.session().config();
}

std::string room::view_json() {
    std::lock_guard lock(mutex_);
    return machine_.view_json();
}

room_summary room::summary() {
    std::lock_guard lock(mutex_);
    return machine_.summary();
}

void room::committed_log(std::function<void(std::vector<frame_ptr>)> done) {
    net::post(strand_, [self = shared_from_this(), done = std::move(done)] {
        std::vector<frame_ptr> frames;
        {
            std::lock_guard lock(self->mutex_);
            frames = self->machine_.committed_log();
        }
        done(std::move(frames));
    });
}

// ---- actions ------------------------------------------------------------------------------------

connection* room::find(connection_id id, const std::shared_ptr<connection>& caller) const {
    if (caller && caller->id() == id) return caller.get();
    const auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : it->second.get();
}

void room::perform(room_actions& actions, const std::shared_ptr<connection>& caller) {
    for (auto& action : actions) {
        std::visit(
            [&](auto& a) {
                using A = std::decay_t<decltype(a)>;
                if constexpr (std::is_same_v<A, act::send>) {
                    if (auto* c = find(a.to, caller)) c->send(std::move(a.frame));
                } else if constexpr (std::is_same_v<A, act::broadcast>) {
                    // When every member's connection has taken the batch (the last copy of this
                    // token is released), the next batch may go.
                    a.batch.taken =
                        std::shared_ptr<void>(nullptr, [self = shared_from_this()](void*) {
                            net::post(self->strand_, [self] {
                                self->step(
                                    [&](room_machine& m) { return m.fanout_taken(self->now()); });
                            });
                        });
                    for (auto& [to, replies] : a.to) {
                        if (auto* c = find(to, caller)) c->send_events(a.batch, std::move(replies));
                    }
                } else if constexpr (std::is_same_v<A, act::send_backlog>) {
                    if (auto* c = find(a.to, caller)) {
                        c->send_backlog(std::move(a.frames), a.next, a.live);
                    }
                } else if constexpr (std::is_same_v<A, act::joined>) {
                    if (auto* c = find(a.to, caller)) c->joined(shared_from_this());
                } else if constexpr (std::is_same_v<A, act::close>) {
                    if (auto* c = find(a.to, caller)) c->close(a.code);
                } else if constexpr (std::is_same_v<A, act::persist>) {
                    committer::refused_fn refused = [self = shared_from_this()](
                                                        const std::vector<std::string>&,
                                                        committer::refusal why) {
                        self->lost(why == committer::refusal::store_unavailable);
                    };
                    commits_.submit(
                        std::move(a.batch),
                        [self = shared_from_this(), n = a.number, upto = a.upto, mods = a.mod_upto,
                         origin = a.origin_ms] {
                            net::post(self->strand_, [self, n, upto, mods, origin] {
                                self->step([&](room_machine& m) {
                                    return m.committed(n, upto, mods, origin, self->now());
                                });
                            });
                        },
                        std::move(refused));
                } else if constexpr (std::is_same_v<A, act::arm_timer>) {
                    arm_timer(a.due);
                } else if constexpr (std::is_same_v<A, act::arm_fanout>) {
                    fanout_timer_.expires_after(std::chrono::microseconds(a.after_us));
                    fanout_timer_.async_wait([self = shared_from_this()](
                                                 const boost::system::error_code&) {
                        self->step([&](room_machine& m) { return m.fanout_timer(self->now()); });
                    });
                } else if constexpr (std::is_same_v<A, act::arm_recheck>) {
                    recheck_.expires_after(std::chrono::milliseconds(a.after_ms));
                    recheck_.async_wait(
                        [self = shared_from_this()](const boost::system::error_code& ec) {
                            if (ec) return;
                            self->step([&](room_machine& m) { return m.drained(self->now()); });
                        });
                } else if constexpr (std::is_same_v<A, act::arm_handoff_check>) {
                    handoff_timer_.expires_after(std::chrono::milliseconds(a.after_ms));
                    handoff_timer_.async_wait([self = shared_from_this()](
                                                  const boost::system::error_code& ec) {
                        if (ec) return;
                        self->step([&](room_machine& m) { return m.handoff_check(self->now()); });
                    });
                } else if constexpr (std::is_same_v<A, act::withdraw_handoffs>) {
                    if (withdraw_) {
                        withdraw_(
                            id_, [self = shared_from_this()](std::vector<store::handoff_row> rows) {
                                net::post(self->strand_, [self, rows = std::move(rows)] {
                                    self->step([&](room_machine& m) {
                                        return m.withdrawn(rows, self->now());
                                    });
                                });
                            });
                    }
                } else if constexpr (std::is_same_v<A, act::recheck_key>) {
                    // The key may be a moment old: the keys are read from the store, then the
                    // join runs again (once).
                    if (caller && caller->id() == a.to) {
                        auto again = [self = shared_from_this(), c = caller, hello = a.hello,
                                      rid = a.rid] { self->join(c, hello, rid, true); };
                        if (reread_keys_) {
                            reread_keys_(shared_from_this(), std::move(again));
                        } else {
                            again();
                        }
                    }
                } else if constexpr (std::is_same_v<A, act::report_presence>) {
                    if (report_presence_) report_presence_(id_, a.online);
                } else if constexpr (std::is_same_v<A, act::presence_later>) {
                    net::post(strand_, [self = shared_from_this()] {
                        self->step([](room_machine& m) { return m.presence(); });
                    });
                } else if constexpr (std::is_same_v<A, act::run>) {
                    a.fn();
                }
            },
            action);
    }
}

void room::arm_timer(std::optional<core::instant> due) {
    if (time_.is_test()) return;  // a test clock moves only through tick()
    if (!due) {
        timer_.cancel();
        return;
    }
    const auto wait = std::max(core::duration{0}, *due - time_.now());
    timer_.expires_after(wait);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec) return;
        self->step([&](room_machine& m) { return m.timer_fired(self->now()); });
    });
}

}  // namespace hashchat::server
