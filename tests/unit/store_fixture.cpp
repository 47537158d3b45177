#include "store_fixture.hpp"

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>

#include "store/pg_connection.hpp"
#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"

namespace hashchat::test {

namespace {

const char* cluster_url() {
    const char* url = std::getenv("HASHCHAT_TEST_PG");
    return url && *url ? url : nullptr;
}

// The cluster's URL with another database: postgresql:///DB?host=... has it between the third
// slash (or the authority) and the '?'.
std::string with_database(const std::string& url, const std::string& db) {
    const auto query = url.find('?');
    const auto path = url.rfind('/', query);
    return url.substr(0, path + 1) + db + (query == std::string::npos ? "" : url.substr(query));
}

}  // namespace

std::vector<std::string> store_kinds() {
    if (cluster_url()) return {"sqlite", "postgresql"};
    static const bool warned = [] {
        WARN("HASHCHAT_TEST_PG is not set: the store tests run on SQLite only");
        return true;
    }();
    (void)warned;
    return {"sqlite"};
}

bool postgresql_available() {
    if (cluster_url()) return true;
    WARN("HASHCHAT_TEST_PG is not set: this PostgreSQL test does not run (scripts/test sets it)");
    return false;
}

store_fixture::store_fixture(std::string kind) : kind_(std::move(kind)) {
    if (!postgresql()) return;
    REQUIRE(cluster_url() != nullptr);
    static std::atomic<int> counter{0};
    database_ = "hc_unit_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    store::pg::connection admin(cluster_url());
    admin.exec(("CREATE DATABASE " + database_).c_str());
}

store_fixture::~store_fixture() {
    if (database_.empty()) return;
    try {
        store::pg::connection admin(cluster_url());
        admin.exec(("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)").c_str());
    } catch (...) {
    }
}

void store_fixture::outage(bool on) const {
    REQUIRE(postgresql());
    store::pg::connection admin(cluster_url());
    admin.exec(
        ("ALTER DATABASE " + database_ + " ALLOW_CONNECTIONS " + (on ? "false" : "true")).c_str());
    if (on) {
        admin.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid "
            "<> pg_backend_pid()",
            store::pg::params().add(database_));
    }
}

std::string store_fixture::where() const {
    return postgresql() ? with_database(cluster_url(), database_)
                        : dir_.file("hashchat.db").string();
}

std::unique_ptr<store::store> store_fixture::open() const {
    if (postgresql()) return std::make_unique<store::pg_store>(where());
    return std::make_unique<store::sqlite_store>(where(), store::durability::full);
}

}  // namespace hashchat::test
