// The committer merges what the I/O threads submit in one turn into one transaction, field by
// field. Every field of a write_batch must survive the merge: a batch with one row of each kind,
// submitted with another in the same turn, is one transaction, and the file read afresh has them
// all (a field left out of the merge was once silently dropped: moderator keys).
#include "server/committer.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "store/pg_leases.hpp"
#include "store/pg_node.hpp"
#include "store_fixture.hpp"
#include "test_support.hpp"

using namespace hashchat;
using test::store_fixture;

namespace {

namespace net = boost::asio;

store::event_row event(const std::string& session, core::seq_t seq, const std::string& cid,
                       const std::string& body) {
    store::event_row e;
    e.session_id = session;
    e.seq = seq;
    e.at_ms = 1000 * static_cast<std::int64_t>(seq);
    e.kind = "post";
    e.cid = cid;
    e.body = std::make_shared<const std::string>(body);
    return e;
}

}  // namespace

TEST_CASE("every field of batches submitted in one turn is committed in one transaction",
          "[committer]") {
    store_fixture fx(GENERATE(from_range(test::store_kinds())));
    server::metrics stats;
    {
        auto db_ptr = fx.open();
        auto& db = *db_ptr;
        net::io_context ioc;
        auto work = net::make_work_guard(ioc);
        std::thread io([&] { ioc.run(); });
        {
            // The search index waits (an hour, or the stop), so the log's transaction is the
            // only one counted.
            server::committer commits(db, stats, ioc.get_executor(), std::chrono::hours(1));
            const auto before = stats.commits.load();

            store::write_batch first;
            first.new_series.push_back({"weekly", R"({"id":"weekly"})", "series-hash", 1});
            first.new_sessions.push_back({"s1", R"({"id":"s1","v":1})", "owner-hash", 1});
            first.events.push_back(event("s1", 1, "c1", R"({"seq":1})"));
            first.members.push_back({"s1", core::member{"ann", "Ann", "token-hash"}});

            store::write_batch second;
            second.events.push_back(event("s1", 2, "c2", R"({"seq":2})"));
            second.mods.push_back({"s1", 1, 2000, "mute", R"({"kind":"mute"})"});
            second.configs.emplace_back("s1", R"({"id":"s1","v":2})");
            core::moderator_key k2;
            k2.id = "k2";
            k2.hash = "sam-hash";
            k2.label = "Sam";
            second.keys.push_back({"s1", k2, false});
            if (fx.postgresql()) {
                // Several nodes: the batch is written under s1's lease (and would be refused
                // without it; tests/unit/pg_cluster_test.cpp).
                store::pg_leases leases(fx.where(), "node-a");
                const auto epoch = leases.acquire("s1", std::chrono::minutes(1));
                REQUIRE(epoch);
                second.fences.emplace_back("s1", *epoch);
                // The cluster's rows: a command handed over (by a follower), one taken (by the
                // writer, which was handed over before) and a reply to a command.
                store::write_batch earlier;
                earlier.handoffs.push_back({0, "s1", "node-b", 7, R"({"type":"like"})"});
                db.commit(earlier);
                const auto waiting = store::pg_node(fx.where()).handoffs("s1", 0);
                REQUIRE(waiting.size() == 1);
                first.handoffs.push_back({0, "s1", "node-c", 9, R"({"type":"post"})"});
                second.taken.emplace_back("s1", waiting[0].id);
                second.replies.push_back({"node-b", "s1", 7, 2, R"({"type":"ok"})"});
            }

            std::promise<void> both;
            auto remaining = std::make_shared<std::atomic<int>>(2);
            auto done = [&both, remaining] {
                if (remaining->fetch_sub(1) == 1) both.set_value();
            };
            // One turn of the I/O thread: both are staged, then released together.
            net::post(ioc, [&] {
                commits.submit(std::move(first), done);
                commits.submit(std::move(second), done);
            });
            REQUIRE(both.get_future().wait_for(std::chrono::seconds(20)) ==
                    std::future_status::ready);
            CHECK(stats.commits.load() - before == 1);
            CHECK(stats.events_appended.load() == 2);
            commits.stop();
        }
        work.reset();
        io.join();
    }

    auto reopened_ptr = fx.open();
    auto& reopened = *reopened_ptr;
    const auto series = reopened.series();
    REQUIRE(series.size() == 1);
    CHECK(series[0].id == "weekly");
    CHECK(series[0].key_hash == "series-hash");
    const auto sessions = reopened.sessions();
    REQUIRE(sessions.size() == 1);
    CHECK(sessions[0].config_json == R"({"id":"s1","v":2})");
    CHECK(sessions[0].key_hashes == std::vector<std::string>{"owner-hash", "sam-hash"});
    const auto events = reopened.events("s1");
    REQUIRE(events.size() == 2);
    CHECK(events[0].body == R"({"seq":1})");
    CHECK(events[1].body == R"({"seq":2})");
    CHECK(events[1].cid == "c2");
    const auto members = reopened.members("s1");
    REQUIRE(members.size() == 1);
    CHECK(members[0].handle == "ann");
    CHECK(members[0].token_hash == "token-hash");
    CHECK(reopened.mod_entries("s1") == std::vector<std::string>{R"({"kind":"mute"})"});
    if (fx.postgresql()) {
        store::pg_node node(fx.where());
        const auto handoffs = node.handoffs("s1", 0);
        REQUIRE(handoffs.size() == 1);  // the one taken is gone
        CHECK(handoffs[0].node == "node-c");
        CHECK(handoffs[0].conn == 9);
        CHECK(handoffs[0].body == R"({"type":"post"})");
        const auto replies = node.take_replies("node-b");
        REQUIRE(replies.size() == 1);
        CHECK(replies[0].session_id == "s1");
        CHECK(replies[0].conn == 7);
        CHECK(replies[0].after_seq == 2);
        CHECK(replies[0].body == R"({"type":"ok"})");
        CHECK(node.take_replies("node-b").empty());  // taken once
    }
}
