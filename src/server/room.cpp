#include "server/room.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "protocol/event_json.hpp"
#include "protocol/server_messages.hpp"
#include "protocol/session_json.hpp"
#include "server/crypto.hpp"
#include "server/fanout_interval.hpp"
#include "server/steady.hpp"
#include "store/index_ops.hpp"

namespace hashchat::server {

namespace net = boost::asio;

namespace {
frame_ptr frame(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

}  // namespace

room::room(net::any_io_executor strand, core::session s, room_deps deps)
    : strand_(std::move(strand)),
      deps_(deps),
      id_(s.config().id),
      created_at_(s.config().created_at),
      session_(std::move(s)),
      recheck_(strand_),
      fanout_timer_(strand_),
      timer_(strand_) {}

void room::load(const std::vector<core::member>& members,
                const std::vector<store::stored_event>& events,
                const std::vector<std::string>& mod_entries, core::seq_t indexed_upto,
                std::vector<store::post_index_op>& reindex) {
    for (const auto& m : members) session_.set_member(m);
    const auto scope = store::post_scope(session_.config().hashtag, session_.config().series);
    log_.reserve(events.size());
    for (const auto& row : events) {
        auto e = protocol::parse_event(row.body, row.cid);
        if (!e || e->seq != log_.size() + 1) {
            throw store::store_error("session " + id_ + ": the stored event " +
                                     std::to_string(log_.size() + 1) + " cannot be read");
        }
        session_.apply(*e);
        note_phase(*e);
        if (e->seq > indexed_upto) store::index_ops(id_, scope, *e, reindex);
        log_.push_back(frame(row.body));
    }
    committed_ = log_.size();
    durable_ = log_.size();
    for (const auto& body : mod_entries) {
        auto m = protocol::parse_mod(body);
        if (!m || m->n != mod_log_.size() + 1) {
            throw store::store_error("session " + id_ + ": the moderators' log entry " +
                                     std::to_string(mod_log_.size() + 1) + " cannot be read");
        }
        session_.apply(*m);
        mod_log_.push_back(frame(protocol::serialize_mod(*m)));
    }
    mod_committed_ = mod_log_.size();
}

void room::start() {
    net::post(strand_, [self = shared_from_this()] { self->do_tick({}); });
}

void room::join(std::shared_ptr<connection> c, protocol::hello_msg hello,
                std::optional<std::string> rid) {
    net::post(strand_, [self = shared_from_this(), c = std::move(c), hello = std::move(hello),
                        rid = std::move(rid)] { self->do_join(c, hello, rid); });
}

void room::command(std::shared_ptr<connection> c, core::command cmd, std::optional<std::string> rid,
                   std::optional<std::string> cid) {
    net::post(strand_, [self = shared_from_this(), c = std::move(c), cmd = std::move(cmd),
                        rid = std::move(rid), cid = std::move(cid), arrived = steady_now_ms()] {
        self->do_command(c, cmd, rid, cid, arrived);
        c->command_done();
    });
}

void room::fetch(std::shared_ptr<connection> c, core::seq_t from, std::size_t max_bytes) {
    net::post(strand_, [self = shared_from_this(), c = std::move(c), from, max_bytes] {
        self->do_fetch(c, from, max_bytes);
    });
}

void room::leave(std::uint64_t connection_id) {
    net::post(strand_, [self = shared_from_this(), connection_id] {
        if (auto it = self->members_.find(connection_id); it != self->members_.end()) {
            const bool viewer = it->second.viewer;
            self->members_.erase(it);
            if (viewer) {
                --self->viewers_;  // counted nowhere: no presence change
            } else {
                self->presence_changed();
            }
        }
        if (!self->waiting_.empty()) self->process_waiting();
    });
}

void room::tick(std::function<void()> done) {
    net::post(strand_,
              [self = shared_from_this(), done = std::move(done)] { self->do_tick(done); });
}

void room::close_all(std::uint16_t code) {
    net::post(strand_, [self = shared_from_this(), code] {
        for (auto& [id, m] : self->members_) m.conn->close(code);
    });
}

room_summary room::summary() {
    std::lock_guard lock(state_mutex_);
    room_summary s;
    s.config = session_.config();
    s.started_at = started_at_;
    s.ended_at = ended_at_;
    s.state = ended_at_     ? archive::chat_state::ended
              : started_at_ ? archive::chat_state::live
                            : archive::chat_state::scheduled;
    s.head = committed_.load();
    return s;
}

void room::committed_log(std::function<void(std::vector<frame_ptr>)> done) {
    net::post(strand_, [self = shared_from_this(), done = std::move(done)] {
        const auto head = self->committed_.load();
        std::vector<frame_ptr> frames(self->log_.begin(),
                                      self->log_.begin() + static_cast<std::ptrdiff_t>(head));
        done(std::move(frames));
    });
}

void room::note_phase(const core::event& e) {
    const auto* p = std::get_if<core::phase_event>(&e.body);
    if (!p) return;
    std::lock_guard lock(state_mutex_);
    if (p->state.phase == core::phase_kind::closed) {
        ended_at_ = e.at;
    } else if (p->state.phase != core::phase_kind::scheduled) {
        ended_at_.reset();
        if (!started_at_) started_at_ = e.at;
    }
}

core::session_config room::config() {
    std::lock_guard lock(state_mutex_);
    return session_.config();
}

std::string room::view_json() {
    std::lock_guard lock(state_mutex_);
    auto j = protocol::session_view(session_, online_.load());
    j["head"] = committed_.load();
    return protocol::dump(j);
}

void room::send_error(const std::shared_ptr<connection>& c, const core::error& e,
                      const std::optional<std::string>& rid,
                      const std::optional<std::string>& cid) {
    deps_.stats.errors_sent.fetch_add(1, std::memory_order_relaxed);
    c->send(frame(protocol::error_message(e, rid, cid)));
}

void room::do_join(const std::shared_ptr<connection>& c, const protocol::hello_msg& hello,
                   const std::optional<std::string>& rid) {
    if (members_.count(c->id()) > 0) {
        return send_error(c, core::make_error(core::error_code::bad_request, "You already joined."),
                          rid, std::nullopt);
    }
    do_tick({});
    if (hello.view) return join_viewer(c, hello.since, rid);
    const std::string token = random_token();
    core::join_request req;
    req.handle = hello.handle;
    req.name = hello.name;
    if (hello.token) req.token_hash = sha256_hex(*hello.token);
    if (hello.key) req.key_hash = sha256_hex(*hello.key);
    req.new_token_hash = sha256_hex(token);
    req.token_strong = hello.token && hello.token->size() >= 22 && hello.token->size() <= 128;
    req.since = hello.since;
    req.address_hash = sha256_hex(c->address());
    auto joined = [&] {
        std::lock_guard lock(state_mutex_);
        auto r = session_.join(req);
        if (r && r->member_changed) session_.set_member(r->registered);
        return r;
    }();
    if (!joined) return send_error(c, joined.err(), rid, std::nullopt);

    // Registered before the welcome so that a second join under the same handle must wait for
    // the token; the welcome itself waits until the member row is durable.
    members_[c->id()] = member_entry{c, joined->who, false, joined->key_id};
    presence_changed();
    if (joined->member_changed) persist({}, {joined->registered});
    std::optional<std::string> issued;
    if (joined->issued_token) issued = token;
    const auto who = joined->who;
    const auto since = hello.since;
    when_durable([self = shared_from_this(), c, who, issued, since, rid] {
        if (self->members_.count(c->id()) == 0) return;  // left meanwhile
        self->welcome(c, since, [&] {
            return protocol::welcome_message(self->session_, who, issued, self->online_.load(),
                                             self->deps_.time.now(), rid);
        });
        if (who.who == core::role::moderator) self->send_mod_log(c);
    });
}

void room::join_viewer(const std::shared_ptr<connection>& c, core::seq_t since,
                       const std::optional<std::string>& rid) {
    std::optional<core::error> refused;
    {
        std::lock_guard lock(state_mutex_);
        refused = session_.check_since(since);
    }
    if (refused) return send_error(c, *refused, rid, std::nullopt);
    // A viewer receives what members receive but is no member: no row, no presence, no token.
    members_[c->id()] = member_entry{c, {}, false, {}, true};
    ++viewers_;
    when_durable([self = shared_from_this(), c, since, rid] {
        if (self->members_.count(c->id()) == 0) return;  // left meanwhile
        self->welcome(c, since, [&] {
            return protocol::viewer_welcome_message(self->session_, self->online_.load(),
                                                    self->deps_.time.now(), rid);
        });
    });
}

void room::welcome(const std::shared_ptr<connection>& c, core::seq_t since,
                   const std::function<std::string()>& message) {
    std::string welcome;
    {
        // The welcome names the committed head (the core's may be ahead of what is durable).
        std::lock_guard lock(state_mutex_);
        auto j = nlohmann::json::parse(message());
        j["head"] = committed_.load();
        j["session"]["head"] = committed_.load();
        welcome = protocol::dump(j);
    }
    c->joined(shared_from_this());
    c->send(frame(std::move(welcome)));
    do_fetch(c, since, deps_.backlog_bytes);
}

void room::do_fetch(const std::shared_ptr<connection>& c, core::seq_t from, std::size_t max_bytes) {
    auto it = members_.find(c->id());
    if (it == members_.end() || it->second.live) return;
    const core::seq_t head = committed_.load();
    // A chunk is bounded in events and in bytes (always at least one event), so that the
    // backlog never fills the connection's queue however long the posts are.
    std::vector<frame_ptr> chunk;
    std::size_t bytes = 0;
    core::seq_t upto = std::min(from, head);
    while (upto < head && chunk.size() < backlog_chunk &&
           (chunk.empty() || bytes + log_[upto]->size() <= max_bytes)) {
        bytes += log_[upto]->size();
        chunk.push_back(log_[upto]);
        ++upto;
    }
    const bool live = upto >= head;
    if (live) it->second.live = true;  // from now on broadcasts reach it, with no gap
    deps_.stats.deliveries.fetch_add(chunk.size(), std::memory_order_relaxed);
    c->send_backlog(std::move(chunk), upto, live);
}

void room::do_command(const std::shared_ptr<connection>& c, const core::command& cmd,
                      const std::optional<std::string>& rid, const std::optional<std::string>& cid,
                      std::int64_t arrived_ms) {
    // Shutting down: what arrives after the drain began is not taken on, so that everything
    // committed was acknowledged before the 1012 close; the client sends it again to the next
    // process.
    if (draining_) return;
    auto it = members_.find(c->id());
    if (it == members_.end()) {
        return send_error(c,
                          core::make_error(core::error_code::not_joined,
                                           "Send hello and wait for welcome before this."),
                          rid, cid);
    }
    if (it->second.viewer) {
        return send_error(c,
                          core::make_error(core::error_code::not_allowed,
                                           "A viewer only watches; join with a handle to take "
                                           "part."),
                          rid, cid);
    }
    const bool pushes_back = it->second.who.who == core::role::participant && !draining_;
    if (pushes_back && (!waiting_.empty() || overloaded())) {
        // Fan-out is behind: the command waits (its ack comes later); past the bound the
        // sender is asked to come back later.
        if (waiting_.size() >= deps_.max_waiting) {
            deps_.stats.rate_limited.fetch_add(1, std::memory_order_relaxed);
            auto e = core::make_error(core::error_code::rate_limited,
                                      "The chat is busy; your client will send this again.");
            e.retry_after_ms = retry_after_ms;
            return send_error(c, e, rid, cid);
        }
        deps_.stats.commands_deferred.fetch_add(1, std::memory_order_relaxed);
        const bool first = waiting_.empty();
        waiting_.push_back({c, cmd, rid, cid, arrived_ms});
        if (first) process_waiting();
        return;
    }
    origin_ms_ = arrived_ms;
    execute(c, it->second.who, cmd, rid, cid);
    origin_ms_ = 0;
}

void room::execute(const std::shared_ptr<connection>& c, const core::actor& who,
                   const core::command& cmd, const std::optional<std::string>& rid,
                   const std::optional<std::string>& cid) {
    do_tick({});
    const auto now = deps_.time.now();
    const core::command* to_run = &cmd;
    core::command with_addresses;
    if (const auto* m = std::get_if<core::moderate_cmd>(&cmd);
        m && m->action == core::mod_action::ban && m->ban_address && m->handle) {
        // The core bans what it is given: the addresses this handle is connected from now.
        auto filled = *m;
        filled.address_hashes = address_hashes_of(*m->handle);
        with_addresses = filled;
        to_run = &with_addresses;
    }
    auto result = [&] {
        std::lock_guard lock(state_mutex_);
        return session_.handle(who, *to_run, now);
    }();
    if (!result) return send_error(c, result.err(), rid, cid);

    if (!result->events.empty() || !result->mod.empty()) {
        persist(result->events, {}, result->mod);
    }
    if (!result->mod.empty()) {
        when_durable(
            [self = shared_from_this(), mods = result->mod] { self->after_moderation(mods); });
    }
    const bool is_post = std::holds_alternative<core::post_cmd>(cmd);
    std::string reply;
    if (is_post && result->pending) {
        reply =
            protocol::pending_ack_message(std::get<core::post_cmd>(cmd).cid, *result->pending, rid);
    } else if (is_post) {
        const auto seq = result->duplicate_of ? *result->duplicate_of : result->events.front().seq;
        reply = protocol::ack_message(std::get<core::post_cmd>(cmd).cid, seq, rid);
    } else if (rid) {
        std::optional<core::seq_t> seq;
        if (!result->events.empty()) seq = result->events.front().seq;
        reply = protocol::ok_message(rid, seq);
    }
    if (!reply.empty()) {
        reply_when_durable(c, frame(std::move(reply)));
    }
    if (std::holds_alternative<core::control_cmd>(cmd)) arm_timer();
}

void room::do_tick(std::function<void()> done) {
    std::vector<core::event> due;
    {
        std::lock_guard lock(state_mutex_);
        due = session_.tick(deps_.time.now());
    }
    if (!due.empty()) persist(due);
    arm_timer();
    if (done) when_durable(std::move(done));
}

void room::persist(const std::vector<core::event>& events, std::vector<core::member> members,
                   const std::vector<core::mod_entry>& mods,
                   std::vector<std::pair<std::string, std::string>> configs) {
    store::write_batch batch;
    batch.configs = std::move(configs);
    for (const auto& m : mods) {
        mod_log_.push_back(frame(protocol::serialize_mod(m)));
        batch.mods.push_back(
            {id_, m.n, m.at.time_since_epoch().count(), m.kind, protocol::store_mod(m)});
    }
    const auto scope = store::post_scope(session_.config().hashtag, session_.config().series);
    for (const auto& e : events) {
        auto body = frame(protocol::serialize_event(e));
        pending_bytes_ += body->size();
        log_.push_back(body);
        store::event_row row;
        row.session_id = id_;
        row.seq = e.seq;
        row.at_ms = e.at.time_since_epoch().count();
        row.kind = std::string(core::kind_of(e.body));
        if (const auto* p = std::get_if<core::post_event>(&e.body)) row.cid = p->cid;
        row.body = std::move(body);
        batch.events.push_back(std::move(row));
        store::index_ops(id_, scope, e, batch.index);
        note_phase(e);
    }
    for (auto& m : members) batch.members.push_back({id_, std::move(m)});
    const std::uint64_t number = ++submitted_batches_;
    const core::seq_t upto = log_.size();
    const std::uint64_t mod_upto = mod_log_.size();
    const std::int64_t origin = origin_ms_;
    deps_.commits.submit(std::move(batch),
                         [self = shared_from_this(), number, upto, mod_upto, origin] {
                             net::post(self->strand_, [self, number, upto, mod_upto, origin] {
                                 self->on_committed(number, upto, mod_upto, origin);
                             });
                         });
}

void room::on_committed(std::uint64_t batch, core::seq_t upto, std::uint64_t mod_upto,
                        std::int64_t origin_ms) {
    for (std::uint64_t n = mod_committed_ + 1; n <= mod_upto; ++n) {
        for (auto& [id, m] : members_) {
            if (m.who.who == core::role::moderator && m.live) m.conn->send(mod_log_[n - 1]);
        }
    }
    mod_committed_ = std::max(mod_committed_, mod_upto);
    if (upto > durable_) {
        durable_ = upto;
        if (pending_origin_ms_ == 0) pending_origin_ms_ = origin_ms;
    }
    completed_batches_ = batch;
    fan_out();
}

void room::fan_out() {
    // Self-clocked: while the members' connections have not yet taken the previous batch, what
    // becomes durable waits and goes out with the next one. Under light load each commit goes
    // out at once; under heavy load batches grow, so each write carries more events instead of
    // the I/O threads drowning in one handler and one write per member per event.
    if (fanout_busy_ || fanout_timer_armed_) return;
    const core::seq_t from = committed_.load();
    const core::seq_t upto = durable_;
    // Coalescing in time: a session that broadcast less than the interval ago waits for the
    // rest of it, so a burst of posts goes out as one batch, one write per member; a quiet
    // session broadcasts at once.
    const std::int64_t interval = fanout_interval_us_;
    if (upto > from && interval > 0) {
        const auto since = steady_now_us() - last_fanout_us_;
        if (since < interval) {
            fanout_timer_armed_ = true;
            fanout_timer_.expires_after(std::chrono::microseconds(interval - since));
            fanout_timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
                self->fanout_timer_armed_ = false;
                self->fan_out();
            });
            return;
        }
    }
    if (upto > from) {
        last_fanout_us_ = steady_now_us();
        fanout_interval_us_ =
            fanout_interval_us(deps_.fanout_interval_ms, upto - from,
                               deps_.stats.cpu_busy_permille.load(std::memory_order_relaxed));
        std::size_t bytes = 0;
        for (core::seq_t s = from + 1; s <= upto; ++s) bytes += log_[s - 1]->size();
        pending_bytes_ -= bytes;
        event_batch shared;
        shared.frames = std::make_shared<const std::vector<frame_ptr>>(
            log_.begin() + static_cast<std::ptrdiff_t>(from),
            log_.begin() + static_cast<std::ptrdiff_t>(upto));
        shared.bytes = bytes;
        if (upto - from == 1) {
            shared.message = log_[from];
        } else {
            std::string m;
            m.reserve(bytes + (upto - from) + events_open.size() + events_close.size());
            m += events_open;
            for (core::seq_t s = from + 1; s <= upto; ++s) {
                if (s > from + 1) m += ',';
                m += *log_[s - 1];
            }
            m += events_close;
            shared.message = std::make_shared<const std::string>(std::move(m));
        }
        shared.origin_ms = pending_origin_ms_;
        pending_origin_ms_ = 0;
        // When every member's connection has taken the batch (the last copy of this token is
        // released), the next batch may go.
        fanout_busy_ = true;
        shared.taken = std::shared_ptr<void>(nullptr, [self = shared_from_this()](void*) {
            net::post(self->strand_, [self] {
                self->fanout_busy_ = false;
                self->fan_out();
            });
        });
        // The replies this batch releases ride with the events to their live members: an ack
        // goes in the same write as the poster's own event.
        std::unordered_map<std::uint64_t, std::vector<frame_ptr>> replies;
        for (auto& a : after_commit_) {
            if (a.batch > completed_batches_) break;
            if (!a.to) continue;
            const auto it = members_.find(a.to->id());
            if (it == members_.end() || !it->second.live || it->second.conn != a.to) continue;
            replies[a.to->id()].push_back(std::move(a.reply));
            a.to.reset();
        }
        const auto now = steady_now_ms();
        std::size_t live = 0;
        std::size_t longest = 0;
        for (auto& [id, m] : members_) {
            if (!m.live) continue;
            const std::size_t q = m.conn->queued_bytes();
            if (q == 0 || now - m.conn->last_progress_ms() < stalled_after_ms) {
                longest = std::max(longest, q + bytes);
            }
            std::vector<frame_ptr> mine;
            if (!replies.empty()) {
                if (const auto r = replies.find(id); r != replies.end())
                    mine = std::move(r->second);
            }
            m.conn->send_events(shared, std::move(mine));
            live += upto - from;
        }
        fanout_backlog_ = longest;
        committed_ = upto;
        deps_.stats.deliveries.fetch_add(live, std::memory_order_relaxed);
    }
    // Acknowledgements and other waiting work follow the events they are about.
    fanned_batches_ = completed_batches_;
    while (!after_commit_.empty() && after_commit_.front().batch <= fanned_batches_) {
        auto a = std::move(after_commit_.front());
        after_commit_.pop_front();
        if (a.fn) {
            a.fn();
        } else if (a.to) {
            a.to->send(std::move(a.reply));
        }
    }
}

void room::when_durable(std::function<void()> fn) {
    if (fanned_batches_ == submitted_batches_) {
        fn();
    } else {
        after_commit_.push_back({submitted_batches_, std::move(fn), nullptr, nullptr});
    }
}

void room::reply_when_durable(const std::shared_ptr<connection>& c, frame_ptr reply) {
    if (fanned_batches_ == submitted_batches_) {
        c->send(std::move(reply));
    } else {
        after_commit_.push_back({submitted_batches_, nullptr, c, std::move(reply)});
    }
}

void room::presence_changed() {
    online_ = members_.size() - viewers_;  // viewers (pub screens) watch without counting
    if (presence_pending_) return;
    presence_pending_ = true;
    // Coalesced: a burst of joins or leaves sends one presence message.
    net::post(strand_, [self = shared_from_this()] {
        self->presence_pending_ = false;
        auto f = frame(protocol::presence_message(self->online_.load()));
        for (auto& [id, m] : self->members_) {
            if (m.live) m.conn->send(f);
        }
    });
}

void room::arm_timer() {
    if (deps_.time.is_test()) return;  // a test clock moves only through tick()
    std::optional<core::instant> due;
    {
        std::lock_guard lock(state_mutex_);
        due = session_.next_due();
    }
    if (due == armed_for_) return;
    armed_for_ = due;
    if (!due) {
        timer_.cancel();
        return;
    }
    const auto wait = std::max(core::duration{0}, *due - deps_.time.now());
    timer_.expires_after(wait);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec) return;
        self->armed_for_.reset();
        self->do_tick({});
    });
}

}  // namespace hashchat::server
