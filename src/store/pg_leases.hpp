// Which node writes which session, when several share one PostgreSQL database: a lease per
// session, on PostgreSQL's clock (clock_timestamp(), never a node's), with an epoch that grows at
// every take-over. The writer puts its epoch in each batch it commits (write_batch::fences), so
// a writer whose lease was taken over (it froze, its network failed) appends nothing after.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hashchat::store {

namespace pg {
class connection;
}

class pg_leases {
  public:
    // Its own connection: renewals do not wait behind the committer's transactions.
    pg_leases(const std::string& url, std::string node);
    ~pg_leases();

    const std::string& node() const { return node_; }

    // Takes the session's lease for `ttl` if no other node holds a live one (or this node
    // holds it already: renewed, same epoch). Its epoch, or none.
    std::optional<std::int64_t> acquire(const std::string& session, std::chrono::milliseconds ttl);
    // Renews these leases (session, epoch) of this node; answers those it no longer holds. A
    // lease that expired but that no other node took is renewed: nobody wrote in between.
    std::vector<std::string> renew(const std::vector<std::pair<std::string, std::int64_t>>& held,
                                   std::chrono::milliseconds ttl);
    // Gives the lease back (the room went idle): another node may take it at once.
    void release(const std::string& session, std::int64_t epoch);
    // Who holds a live lease on the session (for tests and /metrics).
    std::optional<std::string> holder(const std::string& session);

    // Under --test-clock, the nodes' one test clock (the test_clock row), in ms since 1970: set
    // to `start` by the first node, then read by the others; advanced by any node by `by` (its
    // new time, announced on clock_channel). Leases never use it.
    std::int64_t share_clock(std::int64_t start);
    std::int64_t advance_clock(std::int64_t by);

  private:
    std::string node_;
    std::mutex mutex_;
    std::unique_ptr<pg::connection> c_;
};

}  // namespace hashchat::store
