// The room as a state machine: driven with a fake clock and fake connections (probes of their
// queues), no sockets and no threads. What it returns is performed here: persists are committed
// when the test says so, broadcasts are taken when the test says so.
#include "server/room_machine.hpp"

#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "chat_fixture.hpp"
#include "protocol/event_json.hpp"
#include "server/crypto.hpp"
#include "test_support.hpp"

namespace hashchat::test {
namespace {

using server::connection_id;
using server::room_actions;
namespace act = server::act;
using nlohmann::json;

struct probe final : server::flow_probe {
    std::size_t queued = 0;
    std::int64_t progress_ms = 0;
    std::size_t queued_bytes() const override { return queued; }
    std::int64_t last_progress_ms() const override { return progress_ms; }
};

// What one fake connection was handed, in order, as parsed messages (a broadcast's events are
// one message per event, as a client reads an `events` message).
struct inbox {
    std::vector<json> messages;
    std::size_t writes = 0;  // send, broadcast and backlog handoffs
    bool joined = false;
    std::optional<std::uint16_t> closed;
    core::seq_t backlog_next = 0;
    bool backlog_live = false;

    std::vector<json> of_type(const std::string& type) const {
        std::vector<json> out;
        for (const auto& m : messages) {
            if (m.value("type", "") == type) out.push_back(m);
        }
        return out;
    }
    std::vector<core::seq_t> seqs() const {
        std::vector<core::seq_t> out;
        for (const auto& m : messages) {
            if (m.contains("seq") && m.contains("kind")) out.push_back(m["seq"].get<core::seq_t>());
        }
        return out;
    }
};

struct room_fixture {
    server::metrics stats;
    server::room_limits limits;
    std::unique_ptr<server::room_machine> m;
    server::moment at{at_min(-60), 1'000'000'000, 0};  // an hour before the start
    connection_id next_id = 1;
    std::map<connection_id, inbox> sent;
    std::map<connection_id, std::shared_ptr<probe>> probes;
    std::deque<act::persist> in_flight;   // submitted, not yet durable
    std::vector<act::persist> persisted;  // every persist, in order
    bool broadcast_out = false;           // a broadcast not yet taken by every member
    std::optional<std::int64_t> fanout_after_us;
    bool recheck_armed = false;
    bool presence_due = false;
    std::optional<std::optional<core::instant>> timer;
    std::vector<std::string> completions;

    explicit room_fixture(server::room_limits l = {}) : limits(l) {
        m = std::make_unique<server::room_machine>(
            core::session(sample_config(), {moderator_key_hash}), limits, stats);
    }

    void perform(room_actions actions) {
        for (auto& action : actions) {
            std::visit(
                [&](auto& a) {
                    using A = std::decay_t<decltype(a)>;
                    if constexpr (std::is_same_v<A, act::send>) {
                        sent[a.to].messages.push_back(json::parse(*a.frame));
                        ++sent[a.to].writes;
                    } else if constexpr (std::is_same_v<A, act::broadcast>) {
                        REQUIRE_FALSE(broadcast_out);  // one at a time: self-clocked
                        broadcast_out = true;
                        for (auto& [to, replies] : a.to) {
                            auto& box = sent[to];
                            ++box.writes;
                            for (const auto& f : *a.batch.frames)
                                box.messages.push_back(json::parse(*f));
                            for (const auto& r : replies) box.messages.push_back(json::parse(*r));
                        }
                    } else if constexpr (std::is_same_v<A, act::send_backlog>) {
                        auto& box = sent[a.to];
                        ++box.writes;
                        for (const auto& f : a.frames) box.messages.push_back(json::parse(*f));
                        box.backlog_next = a.next;
                        box.backlog_live = a.live;
                    } else if constexpr (std::is_same_v<A, act::joined>) {
                        sent[a.to].joined = true;
                    } else if constexpr (std::is_same_v<A, act::close>) {
                        sent[a.to].closed = a.code;
                    } else if constexpr (std::is_same_v<A, act::persist>) {
                        persisted.push_back(a);
                        in_flight.push_back(std::move(a));
                    } else if constexpr (std::is_same_v<A, act::arm_timer>) {
                        timer = a.due;
                    } else if constexpr (std::is_same_v<A, act::arm_fanout>) {
                        fanout_after_us = a.after_us;
                    } else if constexpr (std::is_same_v<A, act::arm_recheck>) {
                        recheck_armed = true;
                    } else if constexpr (std::is_same_v<A, act::presence_later>) {
                        presence_due = true;
                    } else if constexpr (std::is_same_v<A, act::run>) {
                        a.fn();
                    }
                },
                action);
        }
    }

    // The committer finishes the oldest batch in flight.
    void commit_one() {
        REQUIRE_FALSE(in_flight.empty());
        auto p = std::move(in_flight.front());
        in_flight.pop_front();
        perform(m->committed(p.number, p.upto, p.mod_upto, p.origin_ms, at));
    }
    void take() {
        if (!broadcast_out) return;
        broadcast_out = false;
        perform(m->fanout_taken(at));
    }
    void fire_fanout_timer() {
        REQUIRE(fanout_after_us);
        at.steady_us += *fanout_after_us;
        fanout_after_us.reset();
        perform(m->fanout_timer(at));
    }
    // Everything submitted becomes durable, is broadcast and taken; presence goes out.
    void settle() {
        for (int i = 0; i < 100; ++i) {
            if (presence_due) {
                presence_due = false;
                perform(m->presence());
            } else if (!in_flight.empty()) {
                commit_one();
            } else if (broadcast_out) {
                take();
            } else if (fanout_after_us) {
                fire_fanout_timer();
            } else {
                return;
            }
        }
        FAIL("the room did not settle");
    }

    connection_id connect(const std::string& address = "203.0.113.7") {
        const auto id = next_id++;
        probes[id] = std::make_shared<probe>();
        probes[id]->progress_ms = at.steady_ms();
        (void)address;
        return id;
    }
    server::room_machine::joining joining_of(connection_id id, const std::string& address) {
        return {id, "addr-" + address, probes[id], "fresh-token-" + std::to_string(id)};
    }
    // Joins and settles; the connection's id.
    connection_id join(const std::string& handle, bool moderator = false,
                       const std::string& address = "203.0.113.7", core::seq_t since = 0) {
        const auto id = connect(address);
        protocol::hello_msg h;
        h.handle = handle;
        h.name = "Name of " + handle;
        if (moderator) h.key = "the-moderator-key";
        h.since = since;
        perform(m->join(joining_of(id, address), h, std::nullopt, at));
        settle();
        return id;
    }
    void command(connection_id c, const core::command& cmd, std::optional<std::string> rid = {}) {
        // As a parsed message carries it: a post's cid, echoed in its error.
        std::optional<std::string> cid;
        if (const auto* p = std::get_if<core::post_cmd>(&cmd)) cid = p->cid;
        perform(m->command(c, cmd, rid, cid, at.steady_ms(), at));
    }
    void post(connection_id c, const std::string& cid, const std::string& text) {
        command(c, core::post_cmd{cid, text, std::nullopt, std::nullopt});
    }
};

// A client id for the i-th post.
std::string cid_of(int i) {
    std::string cid = "c";
    cid += std::to_string(i);
    return cid;
}

// Limits with a 10,000-byte send-queue bound, so that a queue of 6,000 bytes is past its half.
server::room_limits small_queues(std::size_t max_waiting = 1024) {
    server::room_limits limits;
    limits.queue_bytes = 10'000;
    limits.max_waiting = max_waiting;
    return limits;
}

// Bob's queue is long but moving; after one post of ann's the room has measured it, so her next
// commands wait.
void congest(room_fixture& f, connection_id ann, connection_id bob) {
    f.probes[bob]->queued = 6'000;
    f.probes[bob]->progress_ms = f.at.steady_ms();
    f.post(ann, "c1", "A0 one");
    f.settle();
}

// The moderator key of sample sessions is "the-moderator-key" (its hash is what the session has).
core::session keyed_session() {
    return core::session(sample_config(), {server::sha256_hex("the-moderator-key")});
}

}  // namespace

TEST_CASE(
    "room machine: a join is welcomed once its member row is durable, then gets the backlog") {
    room_fixture f;
    const auto id = f.connect();
    protocol::hello_msg h;
    h.handle = "ann";
    h.name = "Ann";
    f.perform(f.m->join(f.joining_of(id, "198.51.100.1"), h, std::nullopt, f.at));
    REQUIRE(f.in_flight.size() == 1);
    REQUIRE(f.in_flight.front().batch.members.size() == 1);
    CHECK(f.in_flight.front().batch.members[0].m.handle == "ann");
    CHECK(f.sent[id].of_type("welcome").empty());  // not before it is durable
    f.commit_one();
    auto w = f.sent[id].of_type("welcome");
    REQUIRE(w.size() == 1);
    CHECK(w[0]["you"]["token"] == "fresh-token-1");
    CHECK(f.sent[id].joined);
    CHECK(f.sent[id].backlog_live);  // nothing to catch up: live at once
    CHECK(f.m->online() == 1);
    CHECK(f.presence_due);
}

TEST_CASE("room machine: an ack goes after its event is durable, in the same write as the event") {
    room_fixture f;
    const auto ann = f.join("ann");
    const auto bob = f.join("bob");
    const auto ann_writes = f.sent[ann].writes;
    f.post(ann, "c1", "A0 hello");
    CHECK(f.sent[ann].of_type("ack").empty());
    REQUIRE(f.in_flight.size() == 1);
    CHECK(f.m->committed_head() == 0);
    f.commit_one();
    // The broadcast carries the event to both and ann's ack rides with it: one write.
    REQUIRE(f.broadcast_out);
    CHECK(f.m->committed_head() == 1);  // the HTTP view shows it before anything is sent
    CHECK(f.sent[ann].writes == ann_writes + 1);
    CHECK(f.sent[ann].seqs() == std::vector<core::seq_t>{1});
    auto acks = f.sent[ann].of_type("ack");
    REQUIRE(acks.size() == 1);
    CHECK(acks[0]["seq"] == 1);
    CHECK(f.sent[bob].seqs() == std::vector<core::seq_t>{1});
    CHECK(f.sent[bob].of_type("ack").empty());
    CHECK(json::parse(f.m->view_json())["head"] == 1);
}

TEST_CASE("room machine: fan-out is self-clocked and coalesced in time") {
    room_fixture f;
    const auto ann = f.join("ann");
    const auto bob = f.join("bob");
    f.post(ann, "c1", "A0 one");
    f.commit_one();
    REQUIRE(f.broadcast_out);
    // While bob's connection has not taken the batch, what becomes durable waits.
    f.post(ann, "c2", "A0 two");
    f.post(ann, "c3", "A0 three");
    f.commit_one();
    f.commit_one();
    CHECK(f.sent[bob].seqs() == std::vector<core::seq_t>{1});
    CHECK(f.m->committed_head() == 1);
    // Taken: the session broadcast less than its interval ago, so it waits for the rest of it.
    f.take();
    CHECK_FALSE(f.broadcast_out);
    REQUIRE(f.fanout_after_us);
    CHECK(*f.fanout_after_us > 0);
    CHECK(*f.fanout_after_us <= f.limits.fanout_interval_ms * 1000);
    const auto writes = f.sent[bob].writes;
    f.fire_fanout_timer();
    // Then one batch with both events: one write per member.
    CHECK(f.sent[bob].writes == writes + 1);
    CHECK(f.sent[bob].seqs() == std::vector<core::seq_t>{1, 2, 3});
    CHECK(f.sent[ann].of_type("ack").size() == 3);
    CHECK(f.m->committed_head() == 3);
}

TEST_CASE("room machine: a quiet session broadcasts at once") {
    room_fixture f;
    const auto ann = f.join("ann");
    f.post(ann, "c1", "A0 one");
    f.settle();
    f.at.steady_us += 1'000'000;  // a second later
    f.post(ann, "c2", "A0 two");
    f.commit_one();
    CHECK(f.broadcast_out);
    CHECK_FALSE(f.fanout_after_us);
}

TEST_CASE("room machine: a far-behind member gets the backlog in chunks, then goes live") {
    room_fixture f;
    const auto ann = f.join("ann");
    for (int i = 1; i <= 1200; ++i) {
        f.post(ann, cid_of(i), "A0 post " + std::to_string(i));
        f.settle();
        f.at.steady_us += 1'000'000;
    }
    REQUIRE(f.m->committed_head() == 1200);
    const auto bob = f.join("bob");
    CHECK(f.sent[bob].seqs().size() == server::room_machine::backlog_chunk);
    CHECK_FALSE(f.sent[bob].backlog_live);
    CHECK(f.sent[bob].backlog_next == 500);
    // A post while bob catches up is not broadcast to him (he is not live) ...
    f.post(ann, "c-live", "A0 while bob reads");
    f.settle();
    f.perform(f.m->fetch(bob, 500, f.limits.backlog_bytes));
    CHECK(f.sent[bob].backlog_next == 1000);
    f.perform(f.m->fetch(bob, 1000, f.limits.backlog_bytes));
    // ... the last chunk reaches the head, including it, and he is live: no gap, no duplicate.
    CHECK(f.sent[bob].backlog_live);
    std::vector<core::seq_t> want(1201);
    for (core::seq_t s = 1; s <= 1201; ++s) want[s - 1] = s;
    CHECK(f.sent[bob].seqs() == want);
    f.post(ann, "c-after", "A0 after");
    f.settle();
    CHECK(f.sent[bob].seqs().back() == 1202);
}

TEST_CASE("room machine: a chunk is bounded in bytes, and holds at least one event") {
    server::room_limits limits;
    limits.backlog_bytes = 1000;
    room_fixture f(limits);
    const auto ann = f.join("ann");
    for (int i = 1; i <= 10; ++i) {
        f.post(ann, cid_of(i), "A0 " + std::string(300, 'x'));
        f.settle();
        f.at.steady_us += 1'000'000;
    }
    const auto bob = f.join("bob");
    const auto first = f.sent[bob].seqs().size();
    CHECK(first >= 1);
    CHECK(first <= 3);  // each event is over 300 bytes
    CHECK_FALSE(f.sent[bob].backlog_live);
    f.perform(f.m->fetch(bob, f.sent[bob].backlog_next, 10));  // smaller than one event
    CHECK(f.sent[bob].seqs().size() == first + 1);
}

TEST_CASE("room machine: participants' commands wait while a reader's queue is long, then go") {
    room_fixture f(small_queues());
    f.m = std::make_unique<server::room_machine>(keyed_session(), f.limits, f.stats);
    const auto ann = f.join("ann");
    const auto bob = f.join("bob");
    const auto host = f.join("host", true);
    congest(f, ann, bob);
    f.post(ann, "c2", "A0 two");
    CHECK(f.in_flight.empty());
    CHECK(f.m->waiting() == 1);
    CHECK(f.stats.commands_deferred == 1);
    CHECK(f.recheck_armed);
    // A moderator's command never waits: those running the chat keep control of it.
    f.command(host, core::announce_cmd{"Q2 in five minutes"}, "r1");
    CHECK(f.in_flight.size() == 1);
    CHECK(f.m->waiting() == 1);
    // Bob's queue drains: the waiting post goes on.
    f.probes[bob]->queued = 0;
    f.perform(f.m->drained(f.at));
    CHECK(f.m->waiting() == 0);
    f.settle();
    CHECK(f.sent[ann].of_type("ack").size() == 2);
}

TEST_CASE("room machine: a reader that stopped does not hold the session back") {
    room_fixture f(small_queues());
    const auto ann = f.join("ann");
    const auto bob = f.join("bob");
    congest(f, ann, bob);
    f.post(ann, "c2", "A0 two");
    REQUIRE(f.m->waiting() == 1);
    // Five seconds with no progress: bob stopped reading. The recheck lets ann go on.
    f.at.steady_us += f.limits.stalled_after_ms * 1000;
    f.perform(f.m->drained(f.at));
    CHECK(f.m->waiting() == 0);
}

TEST_CASE("room machine: past max_waiting a command is refused with rate_limited") {
    room_fixture f(small_queues(2));
    const auto ann = f.join("ann");
    const auto bob = f.join("bob");
    congest(f, ann, bob);
    f.post(ann, "c2", "A0 two");
    f.post(ann, "c3", "A0 three");
    f.post(ann, "c4", "A0 four");
    CHECK(f.m->waiting() == 2);
    auto errors = f.sent[ann].of_type("error");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0]["code"] == "rate_limited");
    CHECK(errors[0]["cid"] == "c4");
    CHECK(errors[0]["retry_after_ms"] == server::room_machine::retry_after_ms);
    CHECK(f.stats.rate_limited == 1);
}

TEST_CASE("room machine: a ban closes the handle, and with the address its participants") {
    room_fixture f;
    f.m = std::make_unique<server::room_machine>(keyed_session(), f.limits, f.stats);
    const auto host = f.join("host", true, "198.51.100.9");
    const auto troll = f.join("troll", false, "198.51.100.9");
    const auto friend_ = f.join("pal", false, "198.51.100.9");
    const auto other = f.join("ann", false, "203.0.113.1");
    core::moderate_cmd ban;
    ban.action = core::mod_action::ban;
    ban.handle = "troll";
    ban.ban_address = true;
    f.command(host, ban, "r1");
    f.settle();
    CHECK(f.sent[troll].closed == 1008);
    CHECK(f.sent[friend_].closed == 1008);  // same pub Wi-Fi
    CHECK_FALSE(f.sent[host].closed);       // moderators stay
    CHECK_FALSE(f.sent[other].closed);
}

TEST_CASE("room machine: a following room hands a new key over as its hash, never the key") {
    room_fixture f;
    f.m = std::make_unique<server::room_machine>(keyed_session(), f.limits, f.stats);
    f.m->set_cluster("node-b", std::nullopt);  // following
    std::optional<core::result<std::string>> answer;
    f.perform(f.m->create_key(server::sha256_hex("the-moderator-key"), "Sam", "sams-secret", f.at,
                              [&](core::result<std::string> r) { answer = std::move(r); }));
    REQUIRE(f.in_flight.size() == 1);
    REQUIRE(f.in_flight.front().batch.handoffs.size() == 1);
    const auto& row = f.in_flight.front().batch.handoffs[0].body;
    CHECK(row.find("sams-secret") == std::string::npos);
    CHECK(row.find(server::sha256_hex("sams-secret")) != std::string::npos);
    // The writer's answer (key id and label) comes back with the key added here.
    f.perform(f.m->writer_replied(f.in_flight.front().batch.handoffs[0].conn, 0,
                                  R"({"http_ok":"{\"key_id\":\"k2\",\"label\":\"Sam\"}"})", f.at));
    REQUIRE(answer);
    REQUIRE(answer->ok());
    const auto j = json::parse(**answer);
    CHECK(j["key_id"] == "k2");
    CHECK(j["key"] == "sams-secret");
    CHECK(j["urls"]["moderate"] == "/s/" + f.m->id() + "/moderate#key=sams-secret");
}

TEST_CASE("room machine: keys are made by the owner only and stored through the committer") {
    room_fixture f;
    f.m = std::make_unique<server::room_machine>(keyed_session(), f.limits, f.stats);
    std::optional<core::result<std::string>> answer;
    auto done = [&](core::result<std::string> r) { answer = std::move(r); };
    f.perform(
        f.m->create_key(server::sha256_hex("the-moderator-key"), "Sam", "sams-key", f.at, done));
    CHECK_FALSE(answer);  // not before it is durable
    REQUIRE(f.in_flight.size() == 1);
    REQUIRE(f.in_flight.front().batch.keys.size() == 1);
    CHECK(f.in_flight.front().batch.keys[0].key.label == "Sam");
    CHECK(f.in_flight.front().batch.keys[0].key.hash == server::sha256_hex("sams-key"));
    f.settle();
    REQUIRE(answer);
    REQUIRE(answer->ok());
    CHECK(json::parse(**answer)["key_id"] == "k2");
    CHECK(json::parse(**answer)["key"] == "sams-key");
    CHECK(json::parse(**answer)["urls"]["moderate"] ==
          "/s/" + f.m->id() + "/moderate#key=sams-key");

    // Sam's key is a moderator's but not the owner's.
    answer.reset();
    f.perform(f.m->create_key(server::sha256_hex("sams-key"), "Other", "k", f.at, done));
    REQUIRE(answer);
    CHECK(code_of(*answer) == "not_allowed");
    CHECK(f.in_flight.empty());

    // Revoked: stored, and its connections closed.
    const auto sam = f.join("sam", false);
    (void)sam;
    answer.reset();
    f.perform(f.m->revoke_key(server::sha256_hex("the-moderator-key"), "k2", done));
    REQUIRE(f.in_flight.size() == 1);
    CHECK(f.in_flight.front().batch.keys[0].revoke);
    f.settle();
    REQUIRE(answer);
    CHECK(answer->ok());
}

TEST_CASE("room machine: the timetable arms the timer; when it fires, the phase changes") {
    room_fixture f;
    f.perform(f.m->tick(f.at));
    f.settle();
    REQUIRE(f.timer);
    REQUIRE(*f.timer);
    CHECK(**f.timer == t0());  // the start
    CHECK(f.persisted.empty());
    f.at.now = at_min(5);
    f.perform(f.m->timer_fired(f.at));
    f.settle();
    CHECK(f.m->session().phase().phase == core::phase_kind::round);
    CHECK(**f.timer == at_min(13));
}

TEST_CASE("room machine: a tick's completion runs once its changes are committed and sent") {
    room_fixture f;
    bool done = false;
    f.at.now = t0();  // the intro begins: a phase event to commit
    f.perform(f.m->tick(f.at, [&] { done = true; }));
    CHECK_FALSE(done);
    f.settle();
    CHECK(done);
    // With nothing due, at once.
    done = false;
    f.perform(f.m->tick(f.at, [&] { done = true; }));
    CHECK(done);
}

TEST_CASE("room machine: idle only when nothing is in flight") {
    room_fixture f;
    CHECK(f.m->idle());
    const auto ann = f.join("ann");
    CHECK_FALSE(f.m->idle());
    f.post(ann, "c1", "A0 one");
    f.perform(f.m->leave(ann, f.at));
    CHECK_FALSE(f.m->idle());  // the post is not yet durable
    f.settle();
    CHECK(f.m->idle());
}

TEST_CASE("room machine: a drain takes on waiting commands, then closes everyone") {
    room_fixture f(small_queues());
    const auto ann = f.join("ann");
    const auto bob = f.join("bob");
    congest(f, ann, bob);
    f.post(ann, "c2", "A0 two");
    REQUIRE(f.m->waiting() == 1);
    bool done = false;
    f.perform(f.m->drain(
        1012, [&] { done = true; }, f.at));
    CHECK(f.m->waiting() == 0);
    CHECK_FALSE(done);
    f.settle();
    CHECK(done);
    CHECK(f.sent[ann].closed == 1012);
    CHECK(f.sent[bob].closed == 1012);
    CHECK(f.sent[ann].of_type("ack").size() == 2);  // acknowledged before the close
}

TEST_CASE(
    "room machine: a room of a session another node writes passes its events on once, in "
    "order") {
    // The writer, on another node; what it commits is what the store holds.
    room_fixture writer;
    writer.m = std::make_unique<server::room_machine>(keyed_session(), writer.limits, writer.stats);
    const auto bob = writer.join("bob");
    const auto host_there = writer.join("host", true);
    std::vector<store::stored_event> rows;
    std::vector<std::string> mods;
    auto read_back = [&] {
        rows.clear();
        mods.clear();
        for (const auto& p : writer.persisted) {
            for (const auto& e : p.batch.events) rows.push_back({*e.body, e.cid});
            for (const auto& md : p.batch.mods) mods.push_back(md.body);
        }
    };
    writer.post(bob, "c1", "A0 from the other node");
    writer.settle();
    writer.post(bob, "c2", "A0 again");
    writer.settle();
    core::moderate_cmd mute;
    mute.action = core::mod_action::mute;
    mute.handle = "bob";
    writer.command(host_there, mute);
    writer.settle();
    read_back();
    REQUIRE(rows.size() >= 2);
    REQUIRE_FALSE(mods.empty());

    // This node's room of the same session, with members of its own.
    room_fixture fresh;
    fresh.m = std::make_unique<server::room_machine>(keyed_session(), fresh.limits, fresh.stats);
    const auto carol = fresh.join("carol");
    const auto mod = fresh.join("host", true);
    const auto before = fresh.sent[carol].seqs();
    fresh.perform(fresh.m->replicated(rows, mods, fresh.at));
    fresh.settle();
    auto seqs = fresh.sent[carol].seqs();
    std::vector<core::seq_t> want = before;
    for (core::seq_t s = 1; s <= rows.size(); ++s) want.push_back(s);
    CHECK(seqs == want);
    CHECK(fresh.m->committed_head() == rows.size());
    CHECK(json::parse(fresh.m->view_json())["head"] == rows.size());
    // The moderators' log reaches this node's moderators, not its participants.
    CHECK(fresh.sent[mod].of_type("mod").size() == mods.size());
    CHECK(fresh.sent[carol].of_type("mod").empty());
    // The mute is applied here too.
    CHECK(fresh.m->session().is_muted("bob"));

    // The same rows again (a second wake-up), or a part of them: nothing more is sent.
    const auto sent_before = fresh.sent[carol].messages.size();
    fresh.perform(fresh.m->replicated(rows, mods, fresh.at));
    fresh.perform(fresh.m->replicated({rows.back()}, {}, fresh.at));
    fresh.settle();
    CHECK(fresh.sent[carol].messages.size() == sent_before);
    // A gap: nothing after it is applied; the caller reads again from the head.
    writer.post(host_there, "c3", "A0 three");  // bob is muted now
    writer.settle();
    writer.post(host_there, "c4", "A0 four");
    writer.settle();
    read_back();
    const auto head = fresh.m->committed_head();
    fresh.perform(fresh.m->replicated({rows.back()}, {}, fresh.at));  // seq head + 2 only
    fresh.settle();
    CHECK(fresh.m->committed_head() == head);
    fresh.perform(fresh.m->replicated(rows, {}, fresh.at));
    fresh.settle();
    CHECK(fresh.m->committed_head() == head + 2);
    CHECK(fresh.sent[carol].seqs().back() == head + 2);
}

}  // namespace hashchat::test
