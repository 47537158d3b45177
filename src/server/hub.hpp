// What every connection shares, each idea in its own piece: the sessions and their rooms
// (registry), the making of sessions and series (catalog), the per-address limits
// (address_limits), the open connections (connection_set); and the store, the clock, the
// metrics, the options and the archive workers. It composes them for a graceful stop.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "protocol/series_json.hpp"
#include "server/address_limits.hpp"
#include "server/catalog.hpp"
#include "server/clock.hpp"
#include "server/committer.hpp"
#include "server/connection.hpp"
#include "server/connection_set.hpp"
#include "server/metrics.hpp"
#include "server/options.hpp"
#include "server/registry.hpp"
#include "server/room.hpp"
#include "server/session_entry.hpp"
#include "store/store.hpp"

namespace hashchat::server {

class hub : public std::enable_shared_from_this<hub> {
  public:
    // `nodes`: this node's part of a cluster (several nodes), or null.
    hub(boost::asio::io_context& ioc, options opts, clock& time, store::store& db,
        committer& commits, metrics& stats, cluster* nodes = nullptr);

    const options& opts() const { return opts_; }
    registry& rooms() { return *registry_; }
    // Several nodes: commands carry the client's message, to hand over.
    bool clustered() const { return !opts_.node_id.empty(); }
    const clock& time() const { return time_; }
    metrics& stats() { return stats_; }
    store::store& db() { return db_; }
    // Before reading the search index (search, post counts, authors): waits until it holds
    // every post committed so far. Archive worker threads only, never an I/O thread.
    void sync_index() { commits_.flush_index(); }
    // Archive work (transcripts, exports, search) runs here, off the I/O threads.
    boost::asio::thread_pool& archive_workers() { return archive_workers_; }

    // Reads the stored sessions (not their logs) and releases what fell due while the server
    // was down.
    void load();

    // Any session, loaded or not (for reads; they never build a room).
    std::shared_ptr<session_entry> find(const std::string& id) { return registry_->find(id); }
    void lookup(const std::string& id, std::function<void()> then) {
        registry_->lookup(id, std::move(then));
    }
    std::vector<std::shared_ptr<session_entry>> sessions() { return registry_->all(); }
    // The session's room, built if need be; null if there is no such session. `fn` runs on any
    // thread.
    void with_room(const std::string& id, registry::room_callback fn) {
        registry_->with_room(id, std::move(fn));
    }

    // The series, and the making of sessions and series.
    catalog& sessions_catalog() { return *catalog_; }

    // Test clock only: moves time and calls `done` once every room's changes are committed.
    void advance_clock(core::duration d, std::function<void(core::instant)> done);

    std::uint64_t next_connection_id() { return ++connection_ids_; }

    // Per network address: WebSocket connections (a place is taken before the upgrade and given
    // back when the connection ends) and sessions created in the last hour.
    bool reserve_connection(const std::string& address) {
        return limits_.reserve_connection(address);
    }
    void release_connection(const std::string& address) { limits_.release_connection(address); }
    // Nothing if `address` may create a session now (and counts it), else the wait.
    std::optional<core::duration> admit_creation(const std::string& address) {
        return limits_.admit_creation(address, time_.now());
    }
    void add_connection(const std::shared_ptr<connection>& c) { connections_.add(c); }
    void remove_connection(std::uint64_t id) { connections_.remove(id); }
    bool shutting_down() const { return shutting_down_; }
    // Closes every connection with `code` (1012: restarting).
    void close_all(std::uint16_t code);
    // Graceful stop: every room commits and acknowledges what it has received, then closes its
    // members with 1012; then every other connection is closed. `done` runs when all is sent
    // or closed.
    void shutdown(std::function<void()> done);
    std::size_t open_connections() { return connections_.size(); }
    // After the I/O threads have stopped: breaks the room <-> connection references.
    void release();

  private:
    boost::asio::io_context& ioc_;
    options opts_;
    clock& time_;
    store::store& db_;
    committer& commits_;
    metrics& stats_;
    cluster* nodes_;

    connection_set connections_;
    address_limits limits_;
    std::atomic<std::uint64_t> connection_ids_{0};
    std::atomic<bool> shutting_down_{false};
    boost::asio::thread_pool archive_workers_{2};
    std::shared_ptr<registry> registry_;
    std::shared_ptr<catalog> catalog_;
};

}  // namespace hashchat::server
