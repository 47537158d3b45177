// Both stores (SQLite, PostgreSQL): sessions, keys, members and the event log survive reopening
// the store, and a session replayed from it is the session that wrote it.
#include "store/store.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/session.hpp"
#include "core/text.hpp"
#include "protocol/event_json.hpp"
#include "protocol/session_json.hpp"
#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"
#include "store_fixture.hpp"
#include "test_support.hpp"

using namespace hashchat;
using test::at_min;
using test::store_fixture;
using test::temp_dir;

namespace {

std::int64_t ms_of(core::instant t) { return t.time_since_epoch().count(); }

store::event_row row_of(const std::string& session_id, const core::event& e) {
    store::event_row r;
    r.session_id = session_id;
    r.seq = e.seq;
    r.at_ms = ms_of(e.at);
    r.kind = std::string(core::kind_of(e.body));
    if (const auto* p = std::get_if<core::post_event>(&e.body)) r.cid = p->cid;
    r.body = std::make_shared<const std::string>(protocol::serialize_event(e));
    return r;
}

core::event phase_at(core::seq_t seq, long long minute, core::phase_kind kind) {
    core::phase_state s;
    s.phase = kind;
    s.segment = static_cast<int>(seq) - 1;
    s.started_at = at_min(minute);
    s.ends_at = at_min(minute + 5);
    return core::event{seq, at_min(minute), core::phase_event{s, 0, std::nullopt}};
}

core::event post_at(core::seq_t seq, long long minute, const std::string& author,
                    const std::string& cid) {
    core::post_event p{author,
                       "Name of " + author,
                       core::role::participant,
                       "A0: hello from " + author,
                       0,
                       std::nullopt,
                       {},
                       cid};
    return core::event{seq, at_min(minute), p};
}

}  // namespace

TEST_CASE("create_session keeps the configuration and the key hash", "[store]") {
    store_fixture fx(GENERATE(from_range(test::store_kinds())));
    const auto config = protocol::config_to_json(test::sample_config());
    {
        auto db_ptr = fx.open();
        auto& db = *db_ptr;
        CHECK(db.sessions().empty());
        CHECK(db.create_session("pubpd-2026-11-26", config, "key-hash-1", ms_of(at_min(-100))));
        CHECK_FALSE(db.create_session("pubpd-2026-11-26", "{}", "key-hash-2", ms_of(at_min(0))));
        CHECK(db.create_session("pubpd-2026-11-26-2", config, "key-hash-3", ms_of(at_min(-50))));
        const auto sessions = db.sessions();
        REQUIRE(sessions.size() == 2);
        CHECK(sessions[0].id == "pubpd-2026-11-26");
        CHECK(sessions[0].config_json == config);
        CHECK(sessions[0].key_hashes == std::vector<std::string>{"key-hash-1"});
    }
    auto reopened_ptr = fx.open();
    auto& reopened = *reopened_ptr;
    const auto sessions = reopened.sessions();
    REQUIRE(sessions.size() == 2);
    CHECK(sessions[0].id == "pubpd-2026-11-26");
    CHECK(sessions[0].config_json == config);  // the refused second create changed nothing
    CHECK(sessions[0].key_hashes == std::vector<std::string>{"key-hash-1"});
    CHECK(sessions[1].id == "pubpd-2026-11-26-2");
    CHECK(sessions[1].key_hashes == std::vector<std::string>{"key-hash-3"});
    CHECK(reopened.events("pubpd-2026-11-26").empty());
    CHECK(reopened.members("pubpd-2026-11-26").empty());
    CHECK(reopened.events("no-such-session").empty());
}

TEST_CASE("committed events and members survive reopening the store", "[store]") {
    store_fixture fx(GENERATE(from_range(test::store_kinds())));
    const std::string id = "pubpd-2026-11-26";
    const std::vector<core::event> log = {
        phase_at(1, 0, core::phase_kind::intro),
        post_at(2, 1, "ms_lee", "c-1"),
        post_at(3, 2, "mr_k", "c-1"),
        core::event{4, at_min(3), core::like_event{2, "mr_k", 1, true}},
        core::event{5, at_min(4), core::announce_event{"host", "Host", "Q1 soon"}},
    };
    {
        auto db_ptr = fx.open();
        auto& db = *db_ptr;
        REQUIRE(db.create_session(id, protocol::config_to_json(test::sample_config()), "kh", 0));
        store::write_batch first;
        for (std::size_t i = 0; i < 3; ++i) first.events.push_back(row_of(id, log[i]));
        first.members.push_back({id, core::member{"ms_lee", "Ms Lee", "th-lee"}});
        first.members.push_back({id, core::member{"mr_k", "Mr K", "th-k"}});
        db.commit(first);
        store::write_batch second;
        for (std::size_t i = 3; i < log.size(); ++i) second.events.push_back(row_of(id, log[i]));
        db.commit(second);
        db.commit(store::write_batch{});  // an empty batch is nothing
    }
    auto db_ptr = fx.open();
    auto& db = *db_ptr;
    const auto events = db.events(id);
    REQUIRE(events.size() == log.size());
    for (std::size_t i = 0; i < log.size(); ++i) {
        INFO("event " << log[i]);
        CHECK(events[i].body == protocol::serialize_event(log[i]));
        const auto* p = std::get_if<core::post_event>(&log[i].body);
        CHECK(events[i].cid == (p ? p->cid : std::string()));
        const auto back = protocol::parse_event(events[i].body, events[i].cid);
        REQUIRE(back.has_value());
        CHECK(back->seq == log[i].seq);
        CHECK(back->at == log[i].at);
    }
    auto members = db.members(id);
    REQUIRE(members.size() == 2);
    std::sort(members.begin(), members.end(),
              [](const auto& a, const auto& b) { return a.handle < b.handle; });
    CHECK(members[0].handle == "mr_k");
    CHECK(members[0].name == "Mr K");
    CHECK(members[0].token_hash == "th-k");
    CHECK(members[1].handle == "ms_lee");
    CHECK(members[1].token_hash == "th-lee");

    SECTION("a member upsert changes the name and keeps one row per handle") {
        store::write_batch b;
        b.members.push_back({id, core::member{"MS_LEE", "Ms Lee (phone)", "th-lee"}});
        db.commit(b);
        const auto after = db.members(id);
        REQUIRE(after.size() == 2);
        bool found = false;
        for (const auto& m : after) {
            if (core::handle_key(m.handle) != "ms_lee") continue;
            found = true;
            CHECK(m.name == "Ms Lee (phone)");
            CHECK(m.token_hash == "th-lee");
        }
        CHECK(found);
    }
    SECTION("a batch is one transaction: a duplicate seq leaves nothing of it behind") {
        store::write_batch b;
        b.events.push_back(row_of(id, post_at(6, 5, "ms_lee", "c-2")));
        b.events.push_back(row_of(id, post_at(2, 5, "ms_lee", "c-3")));  // seq 2 exists
        b.members.push_back({id, core::member{"new_one", "New", "th-new"}});
        CHECK_THROWS_AS(db.commit(b), store::store_error);
        CHECK(db.events(id).size() == log.size());
        CHECK(db.members(id).size() == 2);
        // And the store is still usable.
        store::write_batch ok;
        ok.events.push_back(row_of(id, post_at(6, 5, "ms_lee", "c-2")));
        db.commit(ok);
        CHECK(db.events(id).size() == log.size() + 1);
    }
    SECTION("events of another session are kept apart") {
        REQUIRE(db.create_session("other", "{}", "kh2", 1));
        store::write_batch b;
        b.events.push_back(row_of("other", phase_at(1, 0, core::phase_kind::intro)));
        db.commit(b);
        CHECK(db.events("other").size() == 1);
        CHECK(db.events(id).size() == log.size());
        CHECK(db.members("other").empty());
    }
}

TEST_CASE("moderators' log entries are committed with a batch and read back in order", "[store]") {
    store_fixture fx(GENERATE(from_range(test::store_kinds())));
    const std::string id = "pubpd-2026-11-26";

    auto entry = [](std::uint64_t n, long long minute, const std::string& kind) {
        core::mod_entry m;
        m.n = n;
        m.at = at_min(minute);
        m.kind = kind;
        m.by = "host";
        return m;
    };
    auto row = [&](const std::string& session_id, const core::mod_entry& m) {
        return store::mod_row{session_id, m.n, ms_of(m.at), m.kind, protocol::store_mod(m)};
    };

    std::vector<core::mod_entry> entries;
    {
        auto pending = entry(1, 1, "pending");
        pending.by = "ms_lee";
        pending.pending = 1;
        pending.post = std::get<core::post_event>(post_at(2, 1, "ms_lee", "c-7").body);
        entries.push_back(pending);
        auto approve = entry(2, 2, "approve");
        approve.pending = 1;
        approve.seq = 2;
        approve.post = pending.post;
        entries.push_back(approve);
        auto ban = entry(3, 3, "ban");
        ban.handle = "troll_42";
        ban.seq = 3;
        ban.ban_address = true;
        ban.detail = "2 network addresses";
        ban.address_hashes = {"hash-a", "hash-b"};
        entries.push_back(ban);
        auto control = entry(4, 4, "control");
        control.detail = "next";
        control.seq = 4;
        entries.push_back(control);
    }
    {
        auto db_ptr = fx.open();
        auto& db = *db_ptr;
        REQUIRE(db.create_session(id, protocol::config_to_json(test::sample_config()), "kh", 0));
        REQUIRE(
            db.create_session("other", protocol::config_to_json(test::sample_config()), "kh", 1));
        CHECK(db.mod_entries(id).empty());

        // The pending post alone: a batch of only moderators' log entries is written.
        store::write_batch first;
        first.mods.push_back(row(id, entries[0]));
        CHECK_FALSE(first.empty());
        db.commit(first);
        REQUIRE(db.mod_entries(id).size() == 1);

        // Entries with the events they made, in one batch (given out of order on purpose).
        store::write_batch second;
        second.events.push_back(row_of(id, phase_at(1, 0, core::phase_kind::intro)));
        second.events.push_back(row_of(id, post_at(2, 2, "ms_lee", "c-7")));
        second.mods.push_back(row(id, entries[2]));
        second.mods.push_back(row(id, entries[1]));
        second.mods.push_back(row("other", entry(1, 2, "hide")));
        db.commit(second);

        // A batch whose entry repeats an n is refused as a whole: its event is not written.
        store::write_batch bad;
        bad.events.push_back(row_of(id, post_at(3, 3, "mr_k", "c-1")));
        bad.mods.push_back(row(id, entries[3]));
        bad.mods.push_back(row(id, entries[1]));
        CHECK_THROWS_AS(db.commit(bad), store::store_error);
        CHECK(db.events(id).size() == 2);
        CHECK(db.mod_entries(id).size() == 3);

        store::write_batch third;
        third.mods.push_back(row(id, entries[3]));
        db.commit(third);
    }

    auto reopened_ptr = fx.open();
    auto& reopened = *reopened_ptr;
    const auto bodies = reopened.mod_entries(id);
    REQUIRE(bodies.size() == entries.size());
    for (std::size_t i = 0; i < bodies.size(); ++i) {
        INFO("entry " << i << ": " << bodies[i]);
        CHECK(bodies[i] == protocol::store_mod(entries[i]));
        const auto m = protocol::parse_mod(bodies[i]);
        REQUIRE(m.has_value());
        CHECK(m->n == i + 1);
        CHECK(m->kind == entries[i].kind);
        CHECK(m->at == entries[i].at);
    }
    const auto ban = protocol::parse_mod(bodies[2]);
    REQUIRE(ban.has_value());
    CHECK(ban->address_hashes == std::vector<std::string>{"hash-a", "hash-b"});
    CHECK(ban->ban_address);
    const auto pending = protocol::parse_mod(bodies[0]);
    REQUIRE(pending.has_value());
    REQUIRE(pending->post.has_value());
    CHECK(pending->post->cid == "c-7");
    CHECK(pending->post->author == "ms_lee");
    CHECK(reopened.mod_entries("other").size() == 1);
    CHECK(reopened.mod_entries("no-such-session").empty());
    CHECK(reopened.events(id).size() == 2);
}

TEST_CASE("a session replayed from the store is the session that wrote it", "[store]") {
    store_fixture fx(GENERATE(from_range(test::store_kinds())));
    const auto config = test::sample_config();
    const std::string id = config.id;
    const std::string key_hash = "moderator-key-hash";

    core::session live(config, {key_hash});
    {
        auto db_ptr = fx.open();
        auto& db = *db_ptr;
        REQUIRE(db.create_session(id, protocol::config_to_json(config), key_hash,
                                  ms_of(config.created_at)));

        // What the server's room does: each command's events and changed members in one batch.
        store::write_batch batch;
        auto commit = [&] {
            db.commit(batch);
            batch = {};
        };
        auto keep = [&](const std::vector<core::event>& events) {
            for (const auto& e : events) batch.events.push_back(row_of(id, e));
        };
        auto join = [&](const std::string& handle, bool moderator) {
            core::join_request req;
            req.handle = handle;
            req.name = "Name of " + handle;
            req.new_token_hash = "th-" + handle;
            if (moderator) req.key_hash = key_hash;
            auto r = live.join(req);
            REQUIRE_OK(r);
            live.set_member(r->registered);
            batch.members.push_back({id, r->registered});
            return r->who;
        };
        auto run = [&](const core::actor& who, const core::command& cmd, core::instant now) {
            keep(live.tick(now));
            auto r = live.handle(who, cmd, now);
            REQUIRE_OK(r);
            keep(r->events);
            commit();
            return r->events.empty() ? core::seq_t{0} : r->events.front().seq;
        };

        const auto lee = join("ms_lee", false);
        const auto mr_k = join("mr_k", false);
        const auto host = join("host", true);
        commit();
        const auto p1 = run(lee, core::post_cmd{"c-1", "A0: hi", {}, {}}, at_min(1));
        const auto p2 = run(mr_k, core::post_cmd{"c-1", "A1: hello @ms_lee", {}, {}}, at_min(6));
        run(lee, core::like_cmd{p2, true}, at_min(7));
        run(mr_k, core::edit_cmd{p2, "A1: hello again"}, at_min(8));
        run(host, core::delete_cmd{p1}, at_min(9));
        run(host, core::announce_cmd{"Q2 next"}, at_min(10));
        run(host, core::control_cmd{core::control_action::extend, 2}, at_min(15));
        run(host, core::control_cmd{core::control_action::pause, 0}, at_min(16));
        REQUIRE(live.phase().phase == core::phase_kind::paused);
        REQUIRE(live.head() >= 10);
    }

    // A restart: a new store object on the same file, and a session built from it.
    auto db_ptr = fx.open();
    auto& db = *db_ptr;
    const auto sessions = db.sessions();
    REQUIRE(sessions.size() == 1);
    const auto loaded_config = protocol::config_from_json(sessions[0].config_json);
    REQUIRE(loaded_config.has_value());
    core::session replayed(*loaded_config, sessions[0].key_hashes);
    for (auto& m : db.members(id)) replayed.set_member(std::move(m));
    for (const auto& row : db.events(id)) {
        auto e = protocol::parse_event(row.body, row.cid);
        INFO("stored event: " << row.body);
        REQUIRE(e.has_value());
        CHECK(e->seq == replayed.head() + 1);
        replayed.apply(*e);
    }

    CHECK(replayed.head() == live.head());
    CHECK(replayed.phase() == live.phase());
    CHECK(replayed.member_count() == 3);
    CHECK(replayed.next_due() == live.next_due());

    const core::actor mr_k{"mr_k", "Name of mr_k", core::role::participant};
    auto dup =
        replayed.handle(mr_k, core::post_cmd{"c-1", "A1: hello @ms_lee", {}, {}}, at_min(17));
    REQUIRE_OK(dup);
    CHECK(dup->events.empty());
    CHECK(dup->duplicate_of.has_value());

    core::join_request again;
    again.handle = "Host";
    again.name = "Host";
    again.token_hash = "th-host";
    again.key_hash = key_hash;
    auto rejoin = replayed.join(again);
    REQUIRE_OK(rejoin);
    CHECK(rejoin->who.who == core::role::moderator);
    CHECK(rejoin->who.handle == "host");

    const core::actor host{"host", "Name of host", core::role::moderator};
    auto a = live.handle(host, core::control_cmd{core::control_action::resume, 0}, at_min(20));
    auto b = replayed.handle(host, core::control_cmd{core::control_action::resume, 0}, at_min(20));
    REQUIRE_OK(a);
    REQUIRE_OK(b);
    CHECK(protocol::serialize_event(a->events.at(0)) == protocol::serialize_event(b->events.at(0)));
}

TEST_CASE("a store that cannot be opened throws store_error", "[store]") {
    temp_dir dir;
    CHECK_THROWS_AS(
        store::sqlite_store(dir.file("missing-dir") / "x" / "hashchat.db", store::durability::full),
        store::store_error);
    // No PostgreSQL listens there: the server says so and does not start.
    const std::string nowhere =
        "postgresql:///hashchat?host=" + dir.file("no-socket").string() + "&connect_timeout=2";
    CHECK_THROWS_AS(store::pg_store(nowhere), store::store_error);
}

TEST_CASE("a session's marks: its head and its phase events, without its log", "[store]") {
    store_fixture fx(GENERATE(from_range(test::store_kinds())));
    auto db_ptr = fx.open();
    auto& db = *db_ptr;
    const std::string id = "pubpd-2026-11-26";
    REQUIRE(db.create_session(id, protocol::config_to_json(test::sample_config()), "kh", 0));
    CHECK(db.marks(id).head == 0);
    CHECK(db.marks(id).phases.empty());
    const std::vector<core::event> log = {
        phase_at(1, 0, core::phase_kind::intro),
        post_at(2, 1, "ms_lee", "c-1"),
        phase_at(3, 5, core::phase_kind::round),
        post_at(4, 6, "mr_k", "c-1"),
        core::event{5, at_min(7), core::like_event{2, "mr_k", 1, true}},
    };
    store::write_batch b;
    for (const auto& e : log) b.events.push_back(row_of(id, e));
    db.commit(b);
    const auto m = db.marks(id);
    CHECK(m.head == 5);
    REQUIRE(m.phases.size() == 2);
    CHECK(m.phases[0].body == protocol::serialize_event(log[0]));
    CHECK(m.phases[1].body == protocol::serialize_event(log[2]));
    // What lies after a seq (the search index's catch-up at start).
    const auto after = db.events_after(id, 3);
    REQUIRE(after.size() == 2);
    CHECK(after[0].body == protocol::serialize_event(log[3]));
    CHECK(after[0].cid == "c-1");
    CHECK(db.events_after(id, 5).empty());
}
