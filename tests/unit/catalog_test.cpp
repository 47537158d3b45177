// The catalog makes sessions and series: the ids they take, held while their rows are committed
// through the committer (the real one, on a real SQLite file), and where a series' next sessions
// start. A session exists for the server once its rows are durable.
#include "server/catalog.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "server/crypto.hpp"
#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"
#include "store_fixture.hpp"
#include "test_support.hpp"

using namespace hashchat;
using test::temp_dir;

namespace {

namespace net = boost::asio;

// A catalog over a store in a temporary folder, with its committer and registry running.
struct made_world {
    temp_dir dir;
    server::test_clock time{test::instant_of("2026-10-12T09:00:00Z")};  // a Monday
    server::metrics stats;
    std::unique_ptr<store::store> owned;
    store::store& db;
    net::io_context ioc;
    net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
    std::thread io{[this] { ioc.run(); }};
    server::committer commits{db, stats, ioc.get_executor(), std::chrono::milliseconds(0)};
    std::shared_ptr<server::registry> sessions = std::make_shared<server::registry>(
        ioc, time, db, commits, stats, server::registry_options{});
    std::shared_ptr<server::catalog> made =
        std::make_shared<server::catalog>(time, db, commits, sessions, 1000);

    // On a SQLite file in a temporary folder, or on the store given.
    explicit made_world(std::unique_ptr<store::store> on = nullptr)
        : owned(on ? std::move(on)
                   : std::make_unique<store::sqlite_store>(dir.file("hashchat.db"),
                                                           store::durability::full)),
          db(*owned) {}
    made_world(const made_world&) = delete;
    made_world& operator=(const made_world&) = delete;

    ~made_world() {
        commits.stop();
        work.reset();
        ioc.stop();
        io.join();
        sessions->release();
    }

    template <class T>
    core::result<T> wait(std::future<core::result<T>> f) {
        REQUIRE(f.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
        return f.get();
    }
    core::result<server::created_session> create(const std::string& body) {
        auto p = std::make_shared<std::promise<core::result<server::created_session>>>();
        made->create(body, [p](core::result<server::created_session> r) { p->set_value(r); });
        return wait(p->get_future());
    }
    core::result<server::created_series> create_series(const std::string& body) {
        auto p = std::make_shared<std::promise<core::result<server::created_series>>>();
        made->create_series(body, [p](core::result<server::created_series> r) { p->set_value(r); });
        return wait(p->get_future());
    }
    std::future<core::result<std::vector<std::string>>> extend(const std::string& id,
                                                               const std::string& key, int count) {
        auto p = std::make_shared<std::promise<core::result<std::vector<std::string>>>>();
        made->extend_series(id, key, count,
                            [p](core::result<std::vector<std::string>> r) { p->set_value(r); });
        return p->get_future();
    }
};

const std::string ukedchat = R"({"hashtag":"#ukedchat","title":"UKEdChat",
    "timezone":"Europe/London","weekday":"thursday","time":"20:00","count":2,"round_minutes":10})";

}  // namespace

TEST_CASE("a new session takes its base id, then base-2, and exists once it is stored",
          "[catalog]") {
    made_world w;
    const std::string body =
        R"({"hashtag":"#PubPD","title":"PubPD","timezone":"Europe/London","start":"2026-10-15T19:00","questions":["Q1?"]})";
    auto first = w.create(body);
    REQUIRE_OK(first);
    CHECK(first->id == "pubpd-2026-10-15");
    auto second = w.create(body);
    REQUIRE_OK(second);
    CHECK(second->id == "pubpd-2026-10-15-2");
    CHECK(second->moderator_key != first->moderator_key);

    // Answered once durable: the server knows both, and the file, read afresh, has them with
    // their owner keys' hashes.
    REQUIRE(w.sessions->find(first->id));
    REQUIRE(w.sessions->find(second->id));
    w.commits.stop();
    store::sqlite_store reopened(w.dir.file("hashchat.db"), store::durability::normal);
    std::map<std::string, std::vector<std::string>> stored;
    for (const auto& r : reopened.sessions()) stored[r.id] = r.key_hashes;
    CHECK(stored == std::map<std::string, std::vector<std::string>>{
                        {first->id, {server::sha256_hex(first->moderator_key)}},
                        {second->id, {server::sha256_hex(second->moderator_key)}}});

    // A request that does not parse holds nothing.
    auto bad = w.create(R"({"hashtag":"#PubPD"})");
    REQUIRE_FALSE(bad);
    CHECK(bad.err().code == core::error_code::bad_request);
}

TEST_CASE("a series shares the sessions' ids, and its extensions follow one another", "[catalog]") {
    made_world w;
    // A session already holds the series' first date.
    REQUIRE_OK(w.create(R"({"hashtag":"#ukedchat","title":"Taken",
        "timezone":"Europe/London","start":"2026-10-15T19:00","questions":["Q1?"]})"));
    auto s = w.create_series(ukedchat);
    REQUIRE_OK(s);
    CHECK(s->id == "ukedchat");
    CHECK(s->sessions == std::vector<std::string>{"ukedchat-2026-10-15-2", "ukedchat-2026-10-22"});
    REQUIRE(w.made->find_series("ukedchat"));
    CHECK(w.made->sessions_of_series("ukedchat").size() == 2);
    auto again = w.create_series(ukedchat);
    REQUIRE_OK(again);
    CHECK(again->id == "ukedchat-2");

    // A wrong key or an unknown series changes nothing.
    auto wrong = w.wait(w.extend("ukedchat", again->moderator_key, 1));
    REQUIRE_FALSE(wrong);
    CHECK(wrong.err().code == core::error_code::bad_key);
    auto unknown = w.wait(w.extend("nope", s->moderator_key, 1));
    REQUIRE_FALSE(unknown);
    CHECK(unknown.err().code == core::error_code::not_found);

    // Two extensions asked at once: the second starts after the first's sessions, whether or not
    // they are stored yet.
    auto a = w.extend("ukedchat", s->moderator_key, 2);
    auto b = w.extend("ukedchat", s->moderator_key, 1);
    auto made_a = w.wait(std::move(a));
    auto made_b = w.wait(std::move(b));
    REQUIRE_OK(made_a);
    REQUIRE_OK(made_b);
    CHECK(*made_a == std::vector<std::string>{"ukedchat-2026-10-29", "ukedchat-2026-11-05"});
    CHECK(*made_b == std::vector<std::string>{"ukedchat-2026-11-12"});
    const auto of_series = w.made->sessions_of_series("ukedchat");
    REQUIRE(of_series.size() == 5);
    CHECK(of_series.back()->id() == "ukedchat-2026-11-12");

    // After a restart the series and its sessions are read back.
    w.commits.stop();
    store::sqlite_store reopened(w.dir.file("hashchat.db"), store::durability::normal);
    server::catalog after(w.time, reopened, w.commits, w.sessions, 1000);
    after.load(reopened.series());
    REQUIRE(after.find_series("ukedchat-2"));
    CHECK(after.find_series("ukedchat")->hashtag == "#ukedchat");
}

TEST_CASE(
    "nodes sharing a PostgreSQL store claim each id once: two sessions made at once on two "
    "nodes take base and base-2",
    "[catalog][cluster]") {
    if (!test::postgresql_available()) return;
    test::store_fixture fx("postgresql");
    made_world a(std::make_unique<store::pg_store>(fx.where(), true));
    made_world b(std::make_unique<store::pg_store>(fx.where(), true));
    const std::string body =
        R"({"hashtag":"#PubPD","title":"PubPD","timezone":"Europe/London","start":"2026-10-15T19:00","questions":["Q1?"]})";
    for (int round = 0; round < 5; ++round) {
        auto on_a = std::async(std::launch::async, [&] { return a.create(body); });
        auto on_b = std::async(std::launch::async, [&] { return b.create(body); });
        auto made_a = on_a.get();
        auto made_b = on_b.get();
        REQUIRE_OK(made_a);
        REQUIRE_OK(made_b);
        CHECK(made_a->id != made_b->id);
    }
    std::set<std::string> stored;
    for (const auto& s : a.db.sessions()) stored.insert(s.id);
    CHECK(stored.size() == 10);
    CHECK(stored.count("pubpd-2026-10-15") == 1);
    CHECK(stored.count("pubpd-2026-10-15-10") == 1);

    // Series ids too; a series made on one node is found on the other.
    auto on_a = a.create_series(ukedchat);
    auto on_b = b.create_series(ukedchat);
    REQUIRE_OK(on_a);
    REQUIRE_OK(on_b);
    CHECK(on_a->id == "ukedchat");
    CHECK(on_b->id == "ukedchat-2");
    CHECK(on_b->sessions ==
          std::vector<std::string>{"ukedchat-2026-10-15-2", "ukedchat-2026-10-22-2"});
    const auto found = b.made->find_series("ukedchat");
    REQUIRE(found);
    CHECK(found->hashtag == "#ukedchat");
    CHECK_FALSE(b.made->find_series("ukedchat-3"));
}
