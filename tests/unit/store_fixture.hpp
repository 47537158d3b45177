// Runs a store test on each store: SQLite in a temporary folder, and PostgreSQL in a database of
// its own in the test cluster. HASHCHAT_TEST_PG is the URL of a database in that cluster whose
// user may create databases; scripts/test makes a throwaway cluster and sets it. Without it the
// tests run on SQLite only and say so once.
//
//     test::store_fixture fx(GENERATE(from_range(test::store_kinds())));
//     auto db = fx.open();        // open() again: the same data, as after a restart
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "test_support.hpp"

namespace hashchat::test {

std::vector<std::string> store_kinds();  // "sqlite", then "postgresql" when there is a cluster
// For tests of PostgreSQL alone (several nodes): true if there is a cluster, else a warning.
bool postgresql_available();

class store_fixture {
  public:
    explicit store_fixture(std::string kind);
    ~store_fixture();
    store_fixture(const store_fixture&) = delete;
    store_fixture& operator=(const store_fixture&) = delete;

    std::unique_ptr<store::store> open() const;
    const std::string& kind() const { return kind_; }
    bool postgresql() const { return kind_ == "postgresql"; }
    // The SQLite file (sqlite) or the connection URL (postgresql).
    std::string where() const;
    // PostgreSQL: the database cannot be reached (its connections cut, new ones refused) until
    // outage(false).
    void outage(bool on) const;

  private:
    std::string kind_;
    temp_dir dir_;
    std::string database_;  // postgresql: this fixture's database
};

}  // namespace hashchat::test
