// Several nodes on one PostgreSQL database: a session's lease (one writer at a time, an epoch
// that grows at each take-over) and the fence that keeps a writer whose lease was taken over
// from appending anything, in the store and through the committer.
#include <poll.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "server/committer.hpp"
#include "store/pg_leases.hpp"
#include "store/pg_listen.hpp"
#include "store/pg_node.hpp"
#include "store_fixture.hpp"

using namespace hashchat;
using namespace std::chrono_literals;

namespace {

store::event_row event(const std::string& session, core::seq_t seq) {
    store::event_row e;
    e.session_id = session;
    e.seq = seq;
    e.at_ms = 1000 * static_cast<std::int64_t>(seq);
    e.kind = "post";
    e.cid = "c" + std::to_string(seq);
    e.body = std::make_shared<const std::string>(R"({"seq":)" + std::to_string(seq) + "}");
    return e;
}

store::post_index_op post(const std::string& session, core::seq_t seq, const std::string& text) {
    store::post_index_op o;
    o.session_id = session;
    o.seq = seq;
    o.author = "ann";
    o.name = "Ann";
    o.text = text;
    return o;
}

std::vector<core::seq_t> found(store::store& db, const std::string& word) {
    store::search_request r;
    r.terms.push_back({word, false, false, false, false});
    std::vector<core::seq_t> out;
    for (const auto& h : db.search(r).hits) out.push_back(h.seq);
    return out;
}

}  // namespace

TEST_CASE("a session's lease has one holder at a time, and each take-over a new epoch",
          "[cluster]") {
    if (!test::postgresql_available()) return;
    test::store_fixture fx("postgresql");
    const auto db = fx.open();  // makes the schema
    store::pg_leases a(fx.where(), "node-a");
    store::pg_leases b(fx.where(), "node-b");

    const auto first = a.acquire("s1", 60s);
    REQUIRE(first);
    CHECK(*first == 1);
    CHECK(a.holder("s1") == "node-a");
    CHECK_FALSE(b.acquire("s1", 60s));     // node-a holds a live lease
    CHECK(a.acquire("s1", 60s) == first);  // its own: renewed, same epoch
    CHECK(a.renew({{"s1", *first}}, 60s).empty());
    CHECK(b.renew({{"s1", *first}}, 60s) == std::vector<std::string>{"s1"});  // not b's

    // Given back: another node takes it at once, with the next epoch.
    a.release("s1", *first);
    CHECK_FALSE(a.holder("s1"));
    const auto second = b.acquire("s1", 60s);
    REQUIRE(second);
    CHECK(*second == 2);
    CHECK(a.renew({{"s1", *first}}, 60s) == std::vector<std::string>{"s1"});  // a lost it

    // Expired (a frozen or dead writer): taken over without being given back.
    const auto short_lived = a.acquire("s2", 0ms);
    REQUIRE(short_lived);
    const auto taken = b.acquire("s2", 60s);
    REQUIRE(taken);
    CHECK(*taken == *short_lived + 1);
    CHECK(b.holder("s2") == "node-b");
    // An expired lease that nobody took is renewed: nobody wrote in between.
    const auto lapsed = a.acquire("s3", 0ms);
    REQUIRE(lapsed);
    CHECK(a.renew({{"s3", *lapsed}}, 60s).empty());
    CHECK(a.holder("s3") == "node-a");
}

TEST_CASE("a writer whose lease was taken over appends nothing", "[cluster]") {
    if (!test::postgresql_available()) return;
    test::store_fixture fx("postgresql");
    const auto db = fx.open();
    REQUIRE(db->create_session("s1", "{}", "k", 0));
    REQUIRE(db->create_session("s2", "{}", "k", 0));
    store::pg_leases a(fx.where(), "node-a");
    store::pg_leases b(fx.where(), "node-b");
    const auto old_epoch = a.acquire("s1", 0ms);  // expires at once: as a frozen writer's
    REQUIRE(old_epoch);
    const auto s2_epoch = a.acquire("s2", 60s);
    REQUIRE(s2_epoch);
    const auto new_epoch = b.acquire("s1", 60s);
    REQUIRE(new_epoch);

    store::write_batch stale;
    stale.fences = {{"s2", *s2_epoch}, {"s1", *old_epoch}};
    stale.events = {event("s1", 1), event("s2", 1)};
    try {
        db->commit(stale);
        FAIL("the stale writer's batch was committed");
    } catch (const store::fenced& f) {
        CHECK(f.sessions() == std::vector<std::string>{"s1"});
    }
    CHECK(db->events("s1").empty());
    CHECK(db->events("s2").empty());  // one transaction: nothing of it

    store::write_batch current;
    current.fences = {{"s1", *new_epoch}};
    current.events = {event("s1", 1)};
    db->commit(current);
    CHECK(db->events("s1").size() == 1);
}

TEST_CASE("the committer takes a fenced-off session out and commits the others' batches",
          "[cluster][committer]") {
    if (!test::postgresql_available()) return;
    test::store_fixture fx("postgresql");
    const auto db = fx.open();
    REQUIRE(db->create_session("s1", "{}", "k", 0));
    REQUIRE(db->create_session("s2", "{}", "k", 0));
    store::pg_leases a(fx.where(), "node-a");
    store::pg_leases b(fx.where(), "node-b");
    const auto s1_old = a.acquire("s1", 0ms);
    const auto s2_epoch = a.acquire("s2", 60s);
    REQUIRE(s1_old);
    REQUIRE(s2_epoch);
    REQUIRE(b.acquire("s1", 60s));  // taken over

    server::metrics stats;
    boost::asio::io_context ioc;
    auto work = boost::asio::make_work_guard(ioc);
    std::thread io([&] { ioc.run(); });
    {
        server::committer commits(*db, stats, ioc.get_executor(), 0ms);
        store::write_batch fenced_off;
        fenced_off.fences = {{"s1", *s1_old}};
        fenced_off.events = {event("s1", 1)};
        fenced_off.index = {post("s1", 1, "ghost")};
        store::write_batch fine;
        fine.fences = {{"s2", *s2_epoch}};
        fine.events = {event("s2", 1)};
        fine.index = {post("s2", 1, "kept")};

        std::promise<std::vector<std::string>> refused;
        std::promise<void> committed;
        bool wrongly_acknowledged = false;
        boost::asio::post(ioc, [&] {
            commits.submit(
                std::move(fenced_off), [&] { wrongly_acknowledged = true; },
                [&](const std::vector<std::string>& lost, server::committer::refusal why) {
                    CHECK(why == server::committer::refusal::taken_over);
                    refused.set_value(lost);
                });
            commits.submit(
                std::move(fine), [&] { committed.set_value(); },
                [](const std::vector<std::string>&, server::committer::refusal) {
                    FAIL("s2 was refused");
                });
        });
        auto lost = refused.get_future();
        REQUIRE(lost.wait_for(20s) == std::future_status::ready);
        CHECK(lost.get() == std::vector<std::string>{"s1"});
        REQUIRE(committed.get_future().wait_for(20s) == std::future_status::ready);
        commits.flush_index();
        CHECK_FALSE(wrongly_acknowledged);
        commits.stop();
    }
    work.reset();
    io.join();
    CHECK(db->events("s1").empty());
    CHECK(db->events("s2").size() == 1);
    CHECK(found(*db, "kept") == std::vector<core::seq_t>{1});
    CHECK(found(*db, "ghost").empty());  // nor the index of what was refused
    CHECK(db->index_watermarks().count("s1") == 0);
}

TEST_CASE(
    "a store that cannot be reached refuses the transaction; the committer goes on and "
    "connects again once it can",
    "[cluster][committer]") {
    if (!test::postgresql_available()) return;
    test::store_fixture fx("postgresql");
    const auto db = fx.open();
    REQUIRE(db->create_session("s1", "{}", "k", 0));

    server::metrics stats;
    boost::asio::io_context ioc;
    auto work = boost::asio::make_work_guard(ioc);
    std::thread io([&] { ioc.run(); });
    {
        server::committer commits(*db, stats, ioc.get_executor(), 0ms);
        // What happens to one batch: committed, or refused (and why).
        const auto outcome = [&](store::write_batch b) {
            auto p = std::make_shared<std::promise<std::string>>();
            boost::asio::post(ioc, [&commits, p, b = std::move(b)]() mutable {
                commits.submit(
                    std::move(b), [p] { p->set_value("committed"); },
                    [p](const std::vector<std::string>&, server::committer::refusal why) {
                        p->set_value(why == server::committer::refusal::store_unavailable
                                         ? "store unavailable"
                                         : "taken over");
                    });
            });
            auto f = p->get_future();
            REQUIRE(f.wait_for(20s) == std::future_status::ready);
            return f.get();
        };
        const auto batch = [](core::seq_t seq, const std::string& word) {
            store::write_batch b;
            b.events = {event("s1", seq)};
            b.index = {post("s1", seq, word)};
            return b;
        };
        CHECK(outcome(batch(1, "before")) == "committed");

        // PostgreSQL goes away (its connections cut, and no new ones for now).
        fx.outage(true);
        CHECK(outcome(batch(2, "lost")) == "store unavailable");
        CHECK(outcome(batch(2, "lost")) == "store unavailable");  // still down: no crash
        CHECK(stats.store_unavailable.load() == 2);

        // Back: the next transaction connects again and commits.
        fx.outage(false);
        CHECK(outcome(batch(2, "after")) == "committed");
        commits.flush_index();
        commits.stop();
    }
    work.reset();
    io.join();
    CHECK(db->events("s1").size() == 2);
    CHECK(found(*db, "before") == std::vector<core::seq_t>{1});
    CHECK(found(*db, "after") == std::vector<core::seq_t>{2});
    CHECK(found(*db, "lost").empty());
}

TEST_CASE("log notices name sessions and heads, in payloads PostgreSQL accepts", "[cluster]") {
    const std::vector<store::log_notice> few = {{"pubpd-2026-11-26", 42, 0}, {"s2", 0, 7}};
    const auto payloads = store::log_payloads(few);
    REQUIRE(payloads.size() == 1);
    CHECK(payloads[0] == "pubpd-2026-11-26 42 0\ns2 0 7");
    CHECK(store::parse_log_payload(payloads[0]) == few);
    // Many sessions in one commit: several payloads, each under 8,000 bytes, nothing lost.
    std::vector<store::log_notice> many;
    for (int i = 0; i < 1000; ++i) {
        many.push_back({"a-rather-long-session-id-" + std::to_string(i), 1000000u + i, 9});
    }
    std::vector<store::log_notice> back;
    for (const auto& p : store::log_payloads(many)) {
        CHECK(p.size() < 8000);
        for (auto& n : store::parse_log_payload(p)) back.push_back(std::move(n));
    }
    CHECK(back == many);
    // What does not parse is left out.
    CHECK(store::parse_log_payload("s1 x 0\n 3 4\ns2 5\ns3 6 7 8\ns4 1 2").size() == 1);
}

TEST_CASE("a commit on one node wakes the others with where its logs end", "[cluster]") {
    if (!test::postgresql_available()) return;
    test::store_fixture fx("postgresql");
    const auto db = fx.open();
    REQUIRE(db->create_session("s1", "{}", "k", 0));
    store::pg_listen other(fx.where(), {store::log_channel});
    CHECK(other.take().empty());

    store::write_batch b;
    b.events = {event("s1", 1), event("s1", 2)};
    b.mods.push_back({"s1", 1, 1000, "mute", "{}"});
    db->commit(b);

    std::vector<store::notification> got;
    for (int waits = 0; got.empty() && waits < 100; ++waits) {
        pollfd p{other.socket(), POLLIN, 0};
        ::poll(&p, 1, 100);  // a bounded wait for the notification, not for time to pass
        got = other.take();
    }
    REQUIRE(got.size() == 1);
    CHECK(got[0].channel == store::log_channel);
    CHECK(store::parse_log_payload(got[0].payload) == std::vector<store::log_notice>{{"s1", 2, 1}});
    // A batch with nothing of a log in it (an index write) wakes nobody.
    store::write_batch index_only;
    index_only.index = {post("s1", 1, "words")};
    db->commit(index_only);
    store::write_batch later;
    later.events = {event("s1", 3)};
    db->commit(later);
    got.clear();
    for (int waits = 0; got.empty() && waits < 100; ++waits) {
        pollfd p{other.socket(), POLLIN, 0};
        ::poll(&p, 1, 100);
        got = other.take();
    }
    REQUIRE(got.size() == 1);
    CHECK(store::parse_log_payload(got[0].payload) == std::vector<store::log_notice>{{"s1", 3, 0}});
}

TEST_CASE("replies nobody took are forgotten after a while, the recent ones kept", "[cluster]") {
    if (!test::postgresql_available()) return;
    test::store_fixture fx("postgresql");
    const auto db = fx.open();
    store::pg_node node(fx.where());
    store::write_batch b;
    b.replies.push_back({"node-here", "s1", 3, 1, R"({"type":"ack"})"});
    db->commit(b);
    node.forget_replies(std::chrono::hours(1));  // younger than that: kept
    CHECK(node.take_replies("node-here").size() == 1);
    b.replies[0].node = "node-gone";
    db->commit(b);
    node.forget_replies(std::chrono::milliseconds(-1));  // older than "a moment from now"
    CHECK(node.take_replies("node-gone").empty());
}
