// Several nodes on one PostgreSQL database (--node-id): this node's part. One thread of its own
// does everything that waits on PostgreSQL besides the committer: it LISTENs (store/pg_listen.hpp)
// and, when woken, reads what other nodes appended to the sessions whose rooms follow them
// (room::replicate), the commands handed over to the sessions this node writes
// (room::handed_over) and the replies to the commands it handed over (room::writer_replied);
// it renews this node's leases, and takes over the sessions of rooms it follows whose writer's
// lease expired (room::promote). After its LISTEN connection comes back it re-reads where every
// loaded room's session stands: a notification is only a wake-up.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/time.hpp"

namespace hashchat::store {
struct handoff_row;
class pg_leases;
class pg_node;
class pg_listen;
}  // namespace hashchat::store

namespace hashchat::server {

class registry;
class test_clock;
struct metrics;

struct cluster_options {
    std::string url;                               // the PostgreSQL database
    std::string node;                              // --node-id (an instance suffix is added)
    std::chrono::milliseconds lease{4'000};        // --lease-ms
    std::chrono::milliseconds renew_every{1'000};  // --lease-renew-ms
};

class cluster {
  public:
    // Connects (throws store::store_error if PostgreSQL cannot be reached).
    explicit cluster(cluster_options opts);
    ~cluster();
    cluster(const cluster&) = delete;
    cluster& operator=(const cluster&) = delete;

    // This process's name in leases and handed-over commands: --node-id and a random suffix,
    // so that a restarted node is a new writer with a new epoch.
    const std::string& node() const { return node_; }
    std::chrono::milliseconds lease() const { return opts_.lease; }

    // Takes the session's lease (blocking: a builder thread, never an I/O thread); renewed from
    // then on until released. Its epoch, or none if another node holds it.
    std::optional<std::int64_t> acquire(const std::string& session);
    // Gives the lease back (its room was let go); done on the cluster thread.
    void release(const std::string& session, std::int64_t epoch);
    // Gives the session's lease back if this node holds it (its room could not be built).
    void give_up(const std::string& session);
    // A room was built: the cluster thread reads what it may have missed meanwhile.
    void catch_up(const std::string& session);
    // Presence across nodes: this node's members in the session now (any thread; published by
    // the cluster thread, coalesced). Each loaded room hears how many the other nodes alive
    // have (room::others_online), when one announces a change and at every renewal.
    void report_presence(const std::string& session, std::size_t online);
    // Takes back this node's commands handed over to the session that no writer took (on the
    // cluster thread); `done` gets them (none if the store cannot be reached).
    void withdraw(const std::string& session,
                  std::function<void(std::vector<store::handoff_row>)> done);

    // Under --test-clock, before start(): the nodes share one test clock, kept in PostgreSQL.
    // `time` is set to it (the first node to start sets it to its own); when another node
    // advances it, this node's clock moves on and its rooms run what fell due (registry::advance).
    void share_clock(test_clock& time);
    // Advances the shared clock (blocking: PostgreSQL; tests only); its new time.
    core::instant advance_clock(core::duration by);

    // Starts the thread, which dispatches to `rooms`; stop() ends it.
    void start(registry& rooms, metrics& stats);
    void stop();

  private:
    void run();
    // Wakes the cluster thread from its poll (work was posted, or stop).
    void wake();
    bool wait(std::chrono::steady_clock::time_point until);
    void on_notification(const std::string& channel, const std::string& payload);
    void sync(const std::string& session, bool handoffs);
    void take_replies();
    void renew();
    void take_over_orphans();
    void publish_presence();
    void refresh_presence(const std::vector<std::string>& sessions);

    cluster_options opts_;
    std::string node_;
    std::unique_ptr<store::pg_leases> leases_;
    std::unique_ptr<store::pg_node> reads_;  // the cluster thread's
    std::unique_ptr<store::pg_listen> listen_;
    registry* rooms_ = nullptr;
    test_clock* clock_ = nullptr;  // shared under --test-clock
    metrics* stats_ = nullptr;
    std::uint64_t renewals_ = 0;  // the cluster thread's
    void count_held();            // mutex_ held

    std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    int wake_fd_ = -1;                                  // an eventfd: work was posted (or stop)
    std::map<std::string, std::int64_t> held_;          // session -> epoch: renewed
    std::deque<std::function<void()>> tasks_;           // for the cluster thread
    std::map<std::string, std::int64_t> presence_out_;  // to publish: session -> members here
    std::set<std::string> presence_changed_;            // the cluster thread's: to read again
    // The cluster thread's, for one round of wake-ups: the sessions to read (true: handed-over
    // commands too), and whether replies to this node wait.
    std::map<std::string, bool> to_sync_;
    bool replies_waiting_ = false;
    std::thread thread_;
};

}  // namespace hashchat::server
