#include "server/room_machine.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/room_rules.hpp"
#include "core/text.hpp"
#include "protocol/event_json.hpp"
#include "protocol/server_messages.hpp"
#include "protocol/session_json.hpp"
#include "protocol/time_format.hpp"
#include "server/crypto.hpp"
#include "server/fanout_interval.hpp"
#include "store/index_ops.hpp"

namespace hashchat::server {

using nlohmann::json;

namespace {

frame_ptr frame(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

// WebSocket close codes (RFC 6455) the room uses.
constexpr std::uint16_t policy_error = 1008;

}  // namespace

room_machine::room_machine(core::session s, room_limits limits, metrics& stats)
    : limits_(limits), stats_(stats), id_(s.config().id), session_(std::move(s)) {}

void room_machine::load(const std::vector<core::member>& members,
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

// ---- reads --------------------------------------------------------------------------------------

std::string room_machine::view_json() const {
    auto j = protocol::session_view(session_, online());
    j["head"] = committed_;
    return protocol::dump(j);
}

void room_standing::note_phase(const core::event& e) {
    const auto* p = std::get_if<core::phase_event>(&e.body);
    if (!p) return;
    last_phase = e;
    marks.note(*p, e.at);
}

room_summary room_machine::summary() const {
    room_summary s;
    s.config = session_.config();
    s.started_at = marks_.marks.started_at;
    s.ended_at = marks_.marks.ended_at;
    s.state = marks_.marks.state();
    s.head = committed_;
    return s;
}

room_standing room_machine::standing() const {
    auto s = marks_;
    s.config = session_.config();
    s.keys = session_.keys();
    s.head = committed_;
    return s;
}

std::vector<frame_ptr> room_machine::committed_log() const {
    return {log_.begin(), log_.begin() + static_cast<std::ptrdiff_t>(committed_)};
}

bool room_machine::idle() const {
    return members_.empty() && waiting_.empty() && after_commit_.empty() && handed_ == 0 &&
           http_waiting_.empty() && writer_replies_.empty() &&
           submitted_batches_ == completed_batches_ && committed_ == durable_ && !fanout_busy_ &&
           !fanout_timer_armed_;
}

// ---- joining ------------------------------------------------------------------------------------

room_actions room_machine::join(joining c, const protocol::hello_msg& hello,
                                const std::optional<std::string>& rid, const moment& m,
                                bool key_rechecked) {
    at(m);
    if (members_.count(c.id) > 0) {
        send_error(c.id, core::make_error(core::error_code::bad_request, "You already joined."),
                   rid, std::nullopt);
        return take();
    }
    do_tick();
    if (hello.view) {
        join_viewer(c, hello.since, rid);
        return take();
    }
    core::join_request req;
    req.handle = hello.handle;
    req.name = hello.name;
    if (hello.token) req.token_hash = sha256_hex(*hello.token);
    if (hello.key) req.key_hash = sha256_hex(*hello.key);
    req.new_token_hash = sha256_hex(c.new_token);
    req.token_strong = hello.token && core::strong_token(*hello.token);
    req.since = hello.since;
    req.address_hash = c.address_hash;
    auto joined = session_.join(req);
    // (At most one store read per quarter second: wrong keys do not make the store work.)
    if (!joined && joined.err().code == core::error_code::bad_key && following() &&
        !key_rechecked && at_.steady_ms() - last_key_recheck_ms_ >= 250) {
        last_key_recheck_ms_ = at_.steady_ms();
        emit(act::recheck_key{c.id, hello, rid});
        return take();
    }
    if (!joined) {
        send_error(c.id, joined.err(), rid, std::nullopt);
        return take();
    }
    if (joined->member_changed) session_.set_member(joined->registered);

    // Registered before the welcome so that a second join under the same handle must wait for
    // the token; the welcome itself waits until the member row is durable.
    members_[c.id] =
        member_entry{joined->who, false, joined->key_id, false, c.address_hash, c.probe};
    presence_changed();
    if (joined->member_changed) persist({}, {joined->registered});
    std::optional<std::string> issued;
    if (joined->issued_token) issued = c.new_token;
    const auto who = joined->who;
    const auto since = hello.since;
    const auto id = c.id;
    when_durable([this, id, who, issued, since, rid] {
        if (members_.count(id) == 0) return;  // left meanwhile
        welcome(id, since,
                protocol::welcome_message(session_, who, issued, online(), at_.now, rid));
        if (who.who == core::role::moderator) send_mod_log(id);
    });
    return take();
}

void room_machine::join_viewer(const joining& c, core::seq_t since,
                               const std::optional<std::string>& rid) {
    if (auto refused = session_.check_since(since)) {
        return send_error(c.id, *refused, rid, std::nullopt);
    }
    // A viewer receives what members receive but is no member: no row, no presence, no token.
    members_[c.id] = member_entry{{}, false, {}, true, c.address_hash, c.probe};
    ++viewers_;
    const auto id = c.id;
    when_durable([this, id, since, rid] {
        if (members_.count(id) == 0) return;  // left meanwhile
        welcome(id, since, protocol::viewer_welcome_message(session_, online(), at_.now, rid));
    });
}

void room_machine::welcome(connection_id c, core::seq_t since, std::string message) {
    // The welcome names the committed head (the core's may be ahead of what is durable).
    auto j = json::parse(message);
    j["head"] = committed_;
    j["session"]["head"] = committed_;
    emit(act::joined{c});
    send(c, frame(protocol::dump(j)));
    do_fetch(c, since, limits_.backlog_bytes);
}

room_actions room_machine::fetch(connection_id c, core::seq_t from, std::size_t max_bytes) {
    do_fetch(c, from, max_bytes);
    return take();
}

void room_machine::do_fetch(connection_id c, core::seq_t from, std::size_t max_bytes) {
    auto it = members_.find(c);
    if (it == members_.end() || it->second.live) return;
    const core::seq_t head = committed_;
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
    it->second.backlog_sent = upto;
    stats_.deliveries.fetch_add(chunk.size(), std::memory_order_relaxed);
    emit(act::send_backlog{c, std::move(chunk), upto, live});
}

room_actions room_machine::leave(connection_id c, const moment& m) {
    at(m);
    if (auto it = members_.find(c); it != members_.end()) {
        const bool viewer = it->second.viewer;
        members_.erase(it);
        if (viewer) {
            --viewers_;  // counted nowhere: no presence change
        } else {
            presence_changed();
        }
    }
    if (!waiting_.empty()) process_waiting();
    return take();
}

// ---- commands -----------------------------------------------------------------------------------

room_actions room_machine::command(connection_id c, const core::command& cmd,
                                   const std::optional<std::string>& rid,
                                   const std::optional<std::string>& cid, std::int64_t arrived_ms,
                                   const moment& m, const std::string& text) {
    at(m);
    // Shutting down: what arrives after the drain began is not taken on, so that everything
    // committed was acknowledged before the 1012 close; the client sends it again to the next
    // process.
    if (draining_) return take();
    auto it = members_.find(c);
    if (it == members_.end()) {
        send_error(c,
                   core::make_error(core::error_code::not_joined,
                                    "Send hello and wait for welcome before this."),
                   rid, cid);
        return take();
    }
    if (it->second.viewer) {
        send_error(c,
                   core::make_error(core::error_code::not_allowed,
                                    "A viewer only watches; join with a handle to take part."),
                   rid, cid);
        return take();
    }
    if (following()) {
        hand_over(c, it->second, cmd, text);
        return take();
    }
    if (core::waits_under_load(it->second.who.who) && (!waiting_.empty() || overloaded())) {
        // Fan-out is behind: the command waits (its ack comes later); past the bound the
        // sender is asked to come back later.
        if (waiting_.size() >= limits_.max_waiting) {
            stats_.rate_limited.fetch_add(1, std::memory_order_relaxed);
            auto e = core::make_error(core::error_code::rate_limited,
                                      "The chat is busy; your client will send this again.");
            e.retry_after_ms = retry_after_ms;
            send_error(c, e, rid, cid);
            return take();
        }
        stats_.commands_deferred.fetch_add(1, std::memory_order_relaxed);
        const bool first = waiting_.empty();
        waiting_.push_back({c, cmd, rid, cid, arrived_ms});
        if (first) process_waiting();
        return take();
    }
    origin_ms_ = arrived_ms;
    execute(c, it->second.who, cmd, rid, cid);
    origin_ms_ = 0;
    return take();
}

void room_machine::execute(connection_id c, const core::actor& who, const core::command& cmd,
                           const std::optional<std::string>& rid,
                           const std::optional<std::string>& cid) {
    do_tick();
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
    auto result = session_.handle(who, *to_run, at_.now);
    if (!result) return send_error(c, result.err(), rid, cid);

    if (!result->events.empty() || !result->mod.empty()) {
        persist(result->events, {}, result->mod);
    }
    if (!result->mod.empty()) {
        when_durable([this, mods = result->mod] { after_moderation(mods); });
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
    if (!reply.empty()) reply_when_durable(c, frame(std::move(reply)));
    if (std::holds_alternative<core::control_cmd>(cmd)) arm_timer();
}

void room_machine::send_error(connection_id c, const core::error& e,
                              const std::optional<std::string>& rid,
                              const std::optional<std::string>& cid) {
    stats_.errors_sent.fetch_add(1, std::memory_order_relaxed);
    send(c, frame(protocol::error_message(e, rid, cid)));
}

// ---- time ---------------------------------------------------------------------------------------

room_actions room_machine::tick(const moment& m, std::function<void()> done) {
    at(m);
    do_tick();
    if (done) when_durable([this, done = std::move(done)] { emit(act::run{done}); });
    return take();
}

room_actions room_machine::timer_fired(const moment& m) {
    at(m);
    armed_for_.reset();
    do_tick();
    return take();
}

void room_machine::do_tick() {
    if (following()) return;  // the writer's timetable
    auto due = session_.tick(at_.now);
    if (!due.empty()) persist(due);
    arm_timer();
}

void room_machine::arm_timer() {
    if (following()) return;
    const auto due = session_.next_due();
    if (due == armed_for_) return;
    armed_for_ = due;
    emit(act::arm_timer{due});
}

// ---- the write path -----------------------------------------------------------------------------

void room_machine::persist(const std::vector<core::event>& events,
                           std::vector<core::member> members,
                           const std::vector<core::mod_entry>& mods,
                           std::vector<std::pair<std::string, std::string>> configs,
                           std::vector<store::key_change> keys) {
    store::write_batch batch;
    batch.configs = std::move(configs);
    batch.keys = std::move(keys);
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
    if (!node_.empty() && writer_) batch.fences.emplace_back(id_, epoch_);
    emit(act::persist{std::move(batch), ++submitted_batches_, log_.size(), mod_log_.size(),
                      origin_ms_});
}

room_actions room_machine::committed(std::uint64_t number, core::seq_t upto, std::uint64_t mod_upto,
                                     std::int64_t origin_ms, const moment& m) {
    at(m);
    for (std::uint64_t n = mod_committed_ + 1; n <= mod_upto; ++n) {
        for (const auto& [id, member] : members_) {
            if (member.who.who == core::role::moderator && member.live) send(id, mod_log_[n - 1]);
        }
    }
    mod_committed_ = std::max(mod_committed_, mod_upto);
    if (upto > durable_) {
        durable_ = upto;
        if (pending_origin_ms_ == 0) pending_origin_ms_ = origin_ms;
    }
    completed_batches_ = number;
    fan_out();
    return take();
}

room_actions room_machine::replicated(const std::vector<store::stored_event>& events,
                                      const std::vector<std::string>& mod_entries,
                                      const moment& m) {
    at(m);
    for (const auto& row : events) {
        auto e = protocol::parse_event(row.body, row.cid);
        if (!e) break;  // unreadable: read again later rather than skip it
        if (e->seq <= log_.size()) continue;
        if (e->seq != log_.size() + 1) break;
        session_.apply(*e);
        note_phase(*e);
        auto body = frame(row.body);
        pending_bytes_ += body->size();
        log_.push_back(std::move(body));
    }
    const auto mods_from = mod_committed_;
    std::vector<core::mod_entry> added_mods;
    for (const auto& body : mod_entries) {
        auto e = protocol::parse_mod(body);
        if (!e) break;
        if (e->n <= mod_log_.size()) continue;
        if (e->n != mod_log_.size() + 1) break;
        session_.apply(*e);
        mod_log_.push_back(frame(protocol::serialize_mod(*e)));
        added_mods.push_back(std::move(*e));
    }
    for (std::uint64_t n = mods_from + 1; n <= mod_log_.size(); ++n) {
        for (const auto& [id, member] : members_) {
            if (member.who.who == core::role::moderator && member.live) send(id, mod_log_[n - 1]);
        }
    }
    mod_committed_ = mod_log_.size();
    // The writer's node closed its banned members and told its authors; this node does so for
    // its own.
    if (!added_mods.empty()) after_moderation(added_mods);
    if (log_.size() > durable_) {
        durable_ = log_.size();
        if (pending_origin_ms_ == 0) pending_origin_ms_ = at_.steady_ms();
    }
    fan_out();
    return take();
}

room_actions room_machine::fanout_taken(const moment& m) {
    at(m);
    fanout_busy_ = false;
    fan_out();
    return take();
}

room_actions room_machine::fanout_timer(const moment& m) {
    at(m);
    fanout_timer_armed_ = false;
    fan_out();
    return take();
}

void room_machine::fan_out() {
    // Self-clocked: while the members' connections have not yet taken the previous batch, what
    // becomes durable waits and goes out with the next one. Under light load each commit goes
    // out at once; under heavy load batches grow, so each write carries more events instead of
    // the I/O threads drowning in one handler and one write per member per event.
    if (fanout_busy_ || fanout_timer_armed_) return;
    const core::seq_t from = committed_;
    const core::seq_t upto = durable_;
    // Coalescing in time: a session that broadcast less than the interval ago waits for the
    // rest of it, so a burst of posts goes out as one batch, one write per member; a quiet
    // session broadcasts at once.
    if (upto > from && fanout_interval_us_ > 0) {
        const auto since = at_.steady_us - last_fanout_us_;
        if (since < fanout_interval_us_) {
            fanout_timer_armed_ = true;
            emit(act::arm_fanout{fanout_interval_us_ - since});
            return;
        }
    }
    if (upto > from) broadcast(from, upto);
    // Acknowledgements and other waiting work follow the events they are about.
    fanned_batches_ = completed_batches_;
    while (!after_commit_.empty() && after_commit_.front().batch <= fanned_batches_) {
        auto a = std::move(after_commit_.front());
        after_commit_.pop_front();
        if (a.fn) {
            a.fn();
        } else if (a.reply) {
            send(a.to, std::move(a.reply));
        }
    }
    send_writer_replies();
}

void room_machine::broadcast(core::seq_t from, core::seq_t upto) {
    last_fanout_us_ = at_.steady_us;
    fanout_interval_us_ =
        fanout_interval_us(limits_.fanout_interval_ms, upto - from, at_.cpu_busy_permille);
    std::size_t bytes = 0;
    for (core::seq_t s = from + 1; s <= upto; ++s) bytes += log_[s - 1]->size();
    pending_bytes_ -= bytes;
    act::broadcast b;
    b.batch.frames = std::make_shared<const std::vector<frame_ptr>>(
        log_.begin() + static_cast<std::ptrdiff_t>(from),
        log_.begin() + static_cast<std::ptrdiff_t>(upto));
    b.batch.bytes = bytes;
    if (upto - from == 1) {
        b.batch.message = log_[from];
    } else {
        std::string m;
        m.reserve(bytes + (upto - from) + events_open.size() + events_close.size());
        m += events_open;
        for (core::seq_t s = from + 1; s <= upto; ++s) {
            if (s > from + 1) m += ',';
            m += *log_[s - 1];
        }
        m += events_close;
        b.batch.message = std::make_shared<const std::string>(std::move(m));
    }
    b.batch.origin_ms = pending_origin_ms_;
    pending_origin_ms_ = 0;
    // Until every member's connection has taken the batch (fanout_taken), the next waits.
    fanout_busy_ = true;
    // The replies this batch releases ride with the events to their live members: an ack
    // goes in the same write as the poster's own event.
    std::unordered_map<connection_id, std::vector<frame_ptr>> replies;
    for (auto& a : after_commit_) {
        if (a.batch > completed_batches_) break;
        if (!a.reply) continue;
        const auto it = members_.find(a.to);
        if (it == members_.end() || !it->second.live) continue;
        replies[a.to].push_back(std::move(a.reply));
    }
    // Published before anything is sent: once a member holds an event or its ack, every HTTP
    // view of the session shows it (read your writes).
    committed_ = upto;
    std::size_t longest = 0;
    std::size_t deliveries = 0;
    b.to.reserve(members_.size());
    for (const auto& [id, member] : members_) {
        if (!member.live) continue;
        const std::size_t q = member.probe ? member.probe->queued_bytes() : 0;
        if (q == 0 || !stalled(member)) longest = std::max(longest, q + bytes);
        std::vector<frame_ptr> mine;
        if (!replies.empty()) {
            if (const auto r = replies.find(id); r != replies.end()) mine = std::move(r->second);
        }
        b.to.emplace_back(id, std::move(mine));
        deliveries += upto - from;
    }
    fanout_backlog_ = longest;
    stats_.deliveries.fetch_add(deliveries, std::memory_order_relaxed);
    if (b.to.empty()) {
        fanout_busy_ = false;  // nobody to take it
    } else {
        emit(std::move(b));
    }
}

void room_machine::when_durable(std::function<void()> fn) {
    if (fanned_batches_ == submitted_batches_) {
        fn();
    } else {
        after_commit_.push_back({submitted_batches_, std::move(fn), 0, nullptr, nullptr});
    }
}

void room_machine::answer_when_durable(key_reply done, std::function<std::string()> answer) {
    auto fn = [this, done, answer = std::move(answer)] {
        emit(act::run{[done, body = answer()] { done(body); }});
    };
    if (fanned_batches_ == submitted_batches_) return fn();
    after_commit_.push_back({submitted_batches_, std::move(fn), 0, nullptr, std::move(done)});
}

room_actions room_machine::lost(bool store_lost) {
    auto e = store_lost ? core::store_unavailable_error()
                        : core::make_error(core::error_code::rate_limited,
                                           "The chat moved to another server; try again.");
    if (!store_lost) e.retry_after_ms = retry_after_ms;
    for (auto& a : after_commit_) {
        if (a.http) emit(act::run{[done = std::move(a.http), e] { done(e); }});
        // Taken over: an ack or ok that will never come. Its sender, staying connected, is
        // asked to send it again (to the room that follows the new writer).
        if (!store_lost && a.reply && members_.count(a.to) > 0) {
            const auto j = json::parse(*a.reply, nullptr, false);
            const auto field = [&](const char* name) -> std::optional<std::string> {
                if (j.is_object() && j.contains(name) && j[name].is_string())
                    return j[name].get<std::string>();
                return std::nullopt;
            };
            if (field("rid") || field("cid")) send_error(a.to, e, field("rid"), field("cid"));
        }
    }
    after_commit_.clear();
    if (!store_lost) {
        for (const auto& w : waiting_) send_error(w.conn, e, w.rid, w.cid);
        waiting_.clear();
    }
    if (store_lost) {
        const auto f = frame(protocol::error_message(e, std::nullopt, std::nullopt));
        for (const auto& [id, m] : members_) send(id, f);
    }
    return take();
}

std::vector<room_machine::moving_member> room_machine::members_moving() const {
    std::vector<moving_member> out;
    out.reserve(members_.size());
    for (const auto& [id, m] : members_) {
        out.push_back({id, m.who, m.key_id, m.viewer, m.address_hash, m.probe,
                       m.live ? committed_ : m.backlog_sent, mod_committed_});
    }
    return out;
}

room_actions room_machine::adopt(const std::vector<moving_member>& moving, const moment& m) {
    at(m);
    for (const auto& mm : moving) {
        if (members_.count(mm.id) > 0) continue;
        if (mm.since > committed_) {
            // It was sent more than this room has (cannot be: the store has what was sent).
            emit(act::close{mm.id, 1012});
            continue;
        }
        members_[mm.id] =
            member_entry{mm.who, false, mm.key_id, mm.viewer, mm.address_hash, mm.probe, 0};
        if (mm.viewer) {
            ++viewers_;
        } else {
            presence_changed();
        }
        emit(act::joined{mm.id});
        do_fetch(mm.id, mm.since, limits_.backlog_bytes);
        if (mm.who.who == core::role::moderator && !mm.viewer) send_mod_log(mm.id, mm.mod_since);
    }
    return take();
}

void room_machine::reply_when_durable(connection_id c, frame_ptr reply) {
    // A handed-over command's reply goes in the same transaction as what it appended.
    if (c == remote_sender) return remote_replies_.push_back(std::move(reply));
    if (fanned_batches_ == submitted_batches_) {
        send(c, std::move(reply));
    } else {
        after_commit_.push_back({submitted_batches_, nullptr, c, std::move(reply), nullptr});
    }
}

// ---- presence -----------------------------------------------------------------------------------

void room_machine::presence_changed() {
    if (presence_pending_) return;
    presence_pending_ = true;
    // Coalesced: a burst of joins or leaves sends one presence message.
    emit(act::presence_later{});
}

room_actions room_machine::presence() {
    presence_pending_ = false;
    auto f = frame(protocol::presence_message(online()));
    for (const auto& [id, m] : members_) {
        if (m.live) send(id, f);
    }
    if (!node_.empty() && reported_online_ != local_online()) {
        reported_online_ = local_online();
        emit(act::report_presence{local_online()});
    }
    return take();
}

room_actions room_machine::others_online(std::size_t n) {
    if (n != others_online_) {
        others_online_ = n;
        presence_changed();
    }
    return take();
}

room_actions room_machine::close_all(std::uint16_t code) {
    for (const auto& [id, m] : members_) emit(act::close{id, code});
    return take();
}

// ---- flow control -------------------------------------------------------------------------------

bool room_machine::stalled(const member_entry& m) const {
    return m.probe && m.probe->queued_bytes() > 0 &&
           at_.steady_ms() - m.probe->last_progress_ms() >= limits_.stalled_after_ms;
}

bool room_machine::overloaded() const {
    // What is on its way to every member plus the longest queue of a member that reads: past
    // half the bound, fan-out is behind and participants' commands wait.
    return pending_bytes_ + fanout_backlog_ > limits_.queue_bytes / 2;
}

void room_machine::rescan_members() {
    std::size_t longest = 0;
    for (const auto& [id, m] : members_) {
        if (!m.live || !m.probe) continue;
        // A long queue that has not moved belongs to a reader that stopped: it is dropped at
        // its bound instead of holding everyone back.
        if (stalled(m)) continue;
        longest = std::max(longest, m.probe->queued_bytes());
    }
    fanout_backlog_ = longest;
}

room_actions room_machine::drained(const moment& m) {
    at(m);
    recheck_armed_ = false;
    if (!waiting_.empty()) process_waiting();
    return take();
}

void room_machine::process_waiting() {
    rescan_members();
    while (!waiting_.empty() && (draining_ || !overloaded())) {
        auto w = std::move(waiting_.front());
        waiting_.pop_front();
        auto it = members_.find(w.conn);
        if (it == members_.end()) continue;  // left: it resends its posts after rejoining
        origin_ms_ = w.arrived_ms;
        execute(w.conn, it->second.who, w.cmd, w.rid, w.cid);
        origin_ms_ = 0;
    }
    if (!waiting_.empty() && !recheck_armed_) {
        // Congestion ends when a queue drains (drained()) or when its reader turns out to have
        // stopped; look again shortly in case it is the latter.
        recheck_armed_ = true;
        emit(act::arm_recheck{limits_.recheck_ms});
    }
}

room_actions room_machine::drain(std::uint16_t code, std::function<void()> done, const moment& m) {
    at(m);
    draining_ = true;
    process_waiting();
    when_durable([this, code, done = std::move(done)] {
        for (const auto& [id, member] : members_) emit(act::close{id, code});
        emit(act::run{done});
    });
    return take();
}

// ---- moderation ---------------------------------------------------------------------------------

void room_machine::send_mod_log(connection_id c, std::uint64_t after) {
    for (std::uint64_t n = after + 1; n <= mod_committed_; ++n) send(c, mod_log_[n - 1]);
}

std::vector<std::string> room_machine::address_hashes_of(const std::string& handle) const {
    const auto key = core::handle_key(handle);
    std::vector<std::string> out = remote_addresses_;
    for (const auto& [id, m] : members_) {
        if (m.viewer || core::handle_key(m.who.handle) != key) continue;
        if (std::find(out.begin(), out.end(), m.address_hash) == out.end()) {
            out.push_back(m.address_hash);
        }
    }
    return out;
}

void room_machine::after_moderation(const std::vector<core::mod_entry>& mods) {
    for (const auto& m : mods) {
        if ((m.kind == "approve" || m.kind == "reject") && m.post) {
            // The author's open connections learn what became of their post.
            const auto author = core::handle_key(m.post->author);
            const auto reply = m.kind == "approve"
                                   ? frame(protocol::ack_message(m.post->cid, *m.seq, std::nullopt))
                                   : frame(protocol::error_message(
                                         core::make_error(core::error_code::not_allowed,
                                                          "A moderator did not approve this post."),
                                         std::nullopt, m.post->cid));
            for (const auto& [id, member] : members_) {
                if (!member.viewer && core::handle_key(member.who.handle) == author) {
                    send(id, reply);
                }
            }
        } else if (m.kind == "ban" && m.handle) {
            for (const auto& [id, member] : members_) {
                if (core::ban_closes(m, member.viewer ? nullptr : &member.who,
                                     member.address_hash)) {
                    emit(act::close{id, policy_error});
                }
            }
        }
    }
}

// ---- keys and configuration over HTTP -----------------------------------------------------------

room_actions room_machine::create_key(const std::string& owner_hash, const std::string& label,
                                      const std::string& new_key, const moment& m, key_reply done) {
    // The key in plain text stays on this node: the writer (here or on another node) stores
    // its hash, and this node adds the key and its link to the answer.
    auto answer = [new_key, id = id_, done = std::move(done)](core::result<std::string> r) {
        if (!r) return done(r);
        auto j = json::parse(*r, nullptr, false);
        if (!j.is_object()) return done(r);
        j["key"] = new_key;
        j["urls"] = {{"moderate", "/s/" + id + "/moderate#key=" + new_key}};
        done(protocol::dump(j));
    };
    return add_key(owner_hash, label, sha256_hex(new_key), m, std::move(answer));
}

room_actions room_machine::add_key(const std::string& owner_hash, const std::string& label,
                                   const std::string& key_hash, const moment& m, key_reply done) {
    if (following()) {
        return hand_over_http(protocol::dump(json{{"op", "add_key"},
                                                  {"owner", owner_hash},
                                                  {"label", label},
                                                  {"key_hash", key_hash}}),
                              std::move(done));
    }
    at(m);
    if (auto owner = session_.owner_key(owner_hash); !owner) {
        emit(act::run{[done, e = owner.err()] { done(e); }});
        return take();
    }
    auto record = session_.next_key(key_hash, label, at_.now);
    session_.add_key(record);
    persist({}, {}, {}, {}, {{id_, record, false}});
    auto body = protocol::dump(json{{"key_id", record.id}, {"label", record.label}});
    answer_when_durable(std::move(done), [body = std::move(body)] { return body; });
    return take();
}

room_actions room_machine::list_keys(const std::string& owner_hash, key_reply done) {
    if (following()) {
        return hand_over_http(protocol::dump(json{{"op", "list_keys"}, {"owner", owner_hash}}),
                              std::move(done));
    }
    if (auto owner = session_.owner_key(owner_hash); !owner) {
        emit(act::run{[done, e = owner.err()] { done(e); }});
        return take();
    }
    json keys = json::array();
    for (const auto& k : session_.keys()) {
        keys.push_back({{"key_id", k.id},
                        {"label", k.label},
                        {"owner", k.owner},
                        {"revoked", k.revoked},
                        {"created_at", protocol::format_instant(k.created_at)}});
    }
    emit(act::run{[done, body = protocol::dump(json{{"keys", std::move(keys)}})] { done(body); }});
    return take();
}

room_actions room_machine::revoke_key(const std::string& owner_hash, const std::string& key_id,
                                      key_reply done) {
    if (following()) {
        return hand_over_http(
            protocol::dump(json{{"op", "revoke_key"}, {"owner", owner_hash}, {"key_id", key_id}}),
            std::move(done));
    }
    auto owner = session_.owner_key(owner_hash);
    auto revoked = owner ? session_.revoke_key(key_id) : owner;
    if (!revoked) {
        emit(act::run{[done, e = revoked.err()] { done(e); }});
        return take();
    }
    persist({}, {}, {}, {}, {{id_, *revoked, true}});
    for (auto& [id, m] : members_) {
        if (m.key_id == key_id) {
            m.who.who = core::role::participant;  // no moderator power while it closes
            emit(act::close{id, policy_error});
        }
    }
    answer_when_durable(std::move(done), [] { return std::string(); });
    return take();
}

room_actions room_machine::patch(const std::string& key_hash, const std::string& body,
                                 const moment& m, key_reply done) {
    if (following()) {
        return hand_over_http(
            protocol::dump(json{{"op", "patch"}, {"key", key_hash}, {"body", body}}),
            std::move(done));
    }
    at(m);
    do_tick();
    if (!session_.key_by_hash(key_hash)) {
        emit(act::run{[done] {
            done(core::make_error(core::error_code::bad_key,
                                  "That key is not a moderator key of this chat."));
        }});
        return take();
    }
    auto next = protocol::apply_patch(session_.config(), body, at_.now);
    auto changed = next ? session_.reconfigure(std::move(*next), at_.now)
                        : core::result<std::vector<core::event>>(next.err());
    if (!changed) {
        emit(act::run{[done, e = changed.err()] { done(e); }});
        return take();
    }
    // The new configuration and the phase change it caused are one transaction.
    persist(*changed, {}, {}, {{id_, protocol::config_to_json(session_.config())}});
    arm_timer();
    answer_when_durable(std::move(done), [this] { return view_json(); });
    return take();
}

// ---- several nodes ------------------------------------------------------------------------------

namespace {

// A handed-over command's row body: the client's message and who sent it.
std::string handoff_body(const core::actor& who, const std::string& text,
                         const std::vector<std::string>& addresses) {
    return protocol::dump(
        json{{"handle", who.handle},
             {"name", who.name},
             {"role", who.who == core::role::moderator ? "moderator" : "participant"},
             {"message", text},
             {"addresses", addresses}});
}

struct handoff {
    core::actor who;
    std::string message;
    std::vector<std::string> addresses;
};

// An HTTP write's row body: {"http": the operation's JSON text}; none if it is not one.
std::optional<std::string> http_handoff(const std::string& body) {
    const auto j = json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("http") || !j["http"].is_string()) return std::nullopt;
    return j["http"].get<std::string>();
}

std::optional<handoff> parse_handoff(const std::string& body) {
    try {
        const auto j = json::parse(body);
        handoff h;
        h.who.handle = j.at("handle").get<std::string>();
        h.who.name = j.at("name").get<std::string>();
        h.who.who = j.at("role").get<std::string>() == "moderator" ? core::role::moderator
                                                                   : core::role::participant;
        h.message = j.at("message").get<std::string>();
        h.addresses = j.at("addresses").get<std::vector<std::string>>();
        return h;
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

}  // namespace

void room_machine::set_cluster(std::string node, std::optional<std::int64_t> epoch) {
    node_ = std::move(node);
    writer_ = epoch.has_value();
    epoch_ = epoch.value_or(0);
}

void room_machine::hand_over(connection_id c, const member_entry& m, const core::command& cmd,
                             const std::string& text) {
    std::vector<std::string> addresses;
    if (const auto* mod = std::get_if<core::moderate_cmd>(&cmd);
        mod && mod->action == core::mod_action::ban && mod->ban_address && mod->handle) {
        addresses = address_hashes_of(*mod->handle);
    }
    note_hand_over();
    ++handed_;
    persist_handoff(c, handoff_body(m.who, text, addresses));
}

void room_machine::note_hand_over() {
    if (handed_ == 0 && http_waiting_.empty()) handoff_since_ms_ = at_.steady_ms();
    if (handoff_check_armed_) return;
    handoff_check_armed_ = true;
    emit(act::arm_handoff_check{limits_.handoff_bound_ms});
}

room_actions room_machine::handoff_check(const moment& m) {
    at(m);
    handoff_check_armed_ = false;
    if (handed_ == 0 && http_waiting_.empty()) return take();
    const auto waited = at_.steady_ms() - handoff_since_ms_;
    if (waited >= limits_.handoff_bound_ms && following()) {
        emit(act::withdraw_handoffs{});
        return take();
    }
    handoff_check_armed_ = true;
    emit(act::arm_handoff_check{std::max<std::int64_t>(1, limits_.handoff_bound_ms - waited)});
    return take();
}

room_actions room_machine::withdrawn(const std::vector<store::handoff_row>& rows, const moment& m) {
    at(m);
    auto e = core::make_error(core::error_code::rate_limited,
                              "The chat is changing servers; your client will send this again.");
    e.retry_after_ms = limits_.handoff_retry_ms;
    for (const auto& row : rows) {
        stats_.rate_limited.fetch_add(1, std::memory_order_relaxed);
        if (const auto it = http_waiting_.find(row.conn); it != http_waiting_.end()) {
            emit(act::run{[done = std::move(it->second), e] { done(e); }});
            http_waiting_.erase(it);
            continue;
        }
        if (handed_ > 0) --handed_;
        // The client's own message says which request or post it was.
        std::optional<std::string> rid;
        std::optional<std::string> cid;
        if (const auto h = parse_handoff(row.body)) {
            const auto msg = json::parse(h->message, nullptr, false);
            if (msg.is_object() && msg.contains("rid") && msg["rid"].is_string())
                rid = msg["rid"].get<std::string>();
            if (msg.is_object() && msg.contains("cid") && msg["cid"].is_string())
                cid = msg["cid"].get<std::string>();
        }
        if (members_.count(row.conn) > 0) send_error(row.conn, e, rid, cid);
    }
    // What is still out was taken by a writer (or not yet stored): waited for afresh.
    handoff_since_ms_ = at_.steady_ms();
    if (handed_ > 0 || !http_waiting_.empty()) {
        handoff_check_armed_ = true;
        emit(act::arm_handoff_check{limits_.handoff_bound_ms});
    }
    return take();
}

room_actions room_machine::hand_over_http(const std::string& op, key_reply done) {
    const auto conn = http_handed_++;
    note_hand_over();
    http_waiting_.emplace(conn, std::move(done));
    persist_handoff(conn, protocol::dump(json{{"http", op}}));
    return take();
}

void room_machine::persist_handoff(std::uint64_t conn, std::string body) {
    store::write_batch batch;
    batch.handoffs.push_back({0, id_, node_, conn, std::move(body)});
    stats_.commands_handed_over.fetch_add(1, std::memory_order_relaxed);
    emit(act::persist{std::move(batch), ++submitted_batches_, log_.size(), mod_log_.size(), 0});
}

store::write_batch& room_machine::fenced_batch() {
    store::write_batch b;
    b.fences.emplace_back(id_, epoch_);
    emit(act::persist{std::move(b), ++submitted_batches_, log_.size(), mod_log_.size(), 0});
    return std::get<act::persist>(out_.back()).batch;
}

room_actions room_machine::run_http(const std::string& body, key_reply done, const moment& m) {
    try {
        const auto op = json::parse(body);
        const auto name = op.at("op").get<std::string>();
        if (name == "add_key") {
            return add_key(op.at("owner").get<std::string>(), op.at("label").get<std::string>(),
                           op.at("key_hash").get<std::string>(), m, std::move(done));
        }
        if (name == "list_keys")
            return list_keys(op.at("owner").get<std::string>(), std::move(done));
        if (name == "revoke_key") {
            return revoke_key(op.at("owner").get<std::string>(), op.at("key_id").get<std::string>(),
                              std::move(done));
        }
        if (name == "patch") {
            return patch(op.at("key").get<std::string>(), op.at("body").get<std::string>(), m,
                         std::move(done));
        }
    } catch (const json::exception&) {
    }
    emit(act::run{[done] {
        done(core::make_error(core::error_code::bad_request,
                              "The request could not be handed to the chat's server."));
    }});
    return take();
}

room_actions room_machine::http_replied(const std::string& node, std::uint64_t conn,
                                        const core::result<std::string>& r, const moment& m) {
    at(m);
    const auto body =
        r ? json{{"http_ok", *r}}
          : json{{"http_error",
                  {{"code", core::to_string(r.err().code)}, {"message", r.err().message}}}};
    fenced_batch().replies.push_back({node, id_, conn, log_.size(), protocol::dump(body)});
    return take();
}

room_actions room_machine::session_changed(core::session_config config,
                                           std::vector<core::moderator_key> keys, const moment& m) {
    at(m);
    if (!following()) return take();  // the writer made the change
    session_.adopt(std::move(config));
    std::set<std::string> revoked;
    for (const auto& k : keys) {
        if (k.revoked) revoked.insert(k.id);
    }
    session_.set_keys(std::move(keys));
    for (auto& [id, member] : members_) {
        if (!member.key_id.empty() && revoked.count(member.key_id) > 0) {
            member.who.who = core::role::participant;  // no moderator power while it closes
            emit(act::close{id, policy_error});
        }
    }
    return take();
}

room_actions room_machine::promote(std::int64_t epoch, const moment& m) {
    at(m);
    writer_ = true;
    epoch_ = epoch;
    armed_for_.reset();
    do_tick();
    return take();
}

room_actions room_machine::handed_over(const std::vector<store::handoff_row>& rows,
                                       const moment& m) {
    at(m);
    if (following()) return take();
    do_tick();
    for (const auto& row : rows) {
        if (row.id <= handoff_taken_) continue;
        handoff_taken_ = row.id;
        const auto before = out_.size();
        remote_replies_.clear();
        if (auto http = http_handoff(row.body)) {
            // An HTTP write: answered (http_replied) once what it changed is durable.
            auto acts = run_http(
                *http, http_replier_ ? http_replier_(row.node, row.conn) : key_reply([](auto) {}),
                m);
            for (auto& a : acts) out_.push_back(std::move(a));
            take_row(row, before, false);
            continue;
        }
        const auto h = parse_handoff(row.body);
        const auto msg =
            h ? protocol::parse_client_message(h->message) : protocol::client_message{};
        const auto* cmd = h ? std::get_if<core::command>(&msg.body) : nullptr;
        if (!cmd) {
            send_error(remote_sender,
                       core::make_error(core::error_code::bad_request,
                                        "The message could not be handed to the chat's server."),
                       msg.rid, msg.cid);
        } else {
            remote_addresses_ = h->addresses;
            execute(remote_sender, h->who, *cmd, msg.rid, msg.cid);
            remote_addresses_.clear();
        }
        take_row(row, before, true);
    }
    return take();
}

void room_machine::take_row(const store::handoff_row& row, std::size_t before, bool answer) {
    // The row's removal and the replies ride with what the command appended.
    store::write_batch* batch = nullptr;
    for (auto i = out_.size(); i > before; --i) {
        if (auto* p = std::get_if<act::persist>(&out_[i - 1])) {
            batch = &p->batch;
            break;
        }
    }
    if (batch == nullptr) batch = &fenced_batch();
    batch->taken.emplace_back(id_, row.id);
    // Every handed-over command is answered (an empty body: nothing to say), so that its node
    // knows it was taken.
    if (answer && remote_replies_.empty()) remote_replies_.push_back(frame(std::string()));
    for (auto& r : remote_replies_) {
        batch->replies.push_back({row.node, id_, row.conn, log_.size(), *r});
    }
    remote_replies_.clear();
}

room_actions room_machine::writer_replied(connection_id c, core::seq_t after,
                                          const std::string& body, const moment& m) {
    at(m);
    if (const auto it = http_waiting_.find(c); it != http_waiting_.end()) {
        auto done = std::move(it->second);
        http_waiting_.erase(it);
        handoff_since_ms_ = at_.steady_ms();
        const auto j = json::parse(body, nullptr, false);
        core::result<std::string> r = core::make_error(
            core::error_code::bad_request, "The chat's server gave an answer that cannot be read.");
        if (j.is_object() && j.contains("http_ok") && j["http_ok"].is_string()) {
            r = j["http_ok"].get<std::string>();
        } else if (j.is_object() && j.contains("http_error") && j["http_error"].is_object()) {
            const auto& e = j["http_error"];
            const auto code = core::error_code_from(e.value("code", ""));
            r = core::make_error(code.value_or(core::error_code::bad_request),
                                 e.value("message", ""));
        }
        emit(act::run{[done = std::move(done), r = std::move(r)] { done(r); }});
        return take();
    }
    if (handed_ > 0) --handed_;
    handoff_since_ms_ = at_.steady_ms();  // the writer answers: the wait starts again
    if (!body.empty() && members_.count(c) > 0) {
        writer_replies_.push_back({after, c, frame(body)});
        send_writer_replies();
    }
    return take();
}

void room_machine::send_writer_replies() {
    // An ack follows the event it acknowledges: it waits until this room has sent it.
    while (!writer_replies_.empty() && writer_replies_.front().after <= committed_) {
        auto r = std::move(writer_replies_.front());
        writer_replies_.pop_front();
        if (members_.count(r.to) > 0) send(r.to, std::move(r.body));
    }
}

// ---- bookkeeping --------------------------------------------------------------------------------

void room_machine::note_phase(const core::event& e) { marks_.note_phase(e); }

}  // namespace hashchat::server
