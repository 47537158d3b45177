// Group commit: one thread owns the writes to the store.
//
// The log first: what the I/O threads submit is staged until the end of their current turn (a
// handler posted behind the ones already queued), then released to the committer as one
// transaction, so every post read from the sockets in one pass shares a commit. Whatever is
// released while the previous transaction is committing goes into the next one. Completions
// (acks, broadcasts) run in submission order as soon as the log's transaction is durable.
//
// The search index after it: the index operations of committed batches wait, and are written
// in their own, larger transactions (at least every --index-delay-ms, or `index_batch`
// operations, or when a reader asks for them with flush_index()). FTS5 makes one segment per
// transaction and merges them, so small transactions cost it most, and a reply need not wait
// for it. What the index covers is recorded with it (store::write_batch::indexed); after a
// crash the server indexes the rest of the log when it starts.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "server/metrics.hpp"
#include "store/store.hpp"

namespace hashchat::server {

class committer {
  public:
    static constexpr std::size_t index_batch = 4000;

    // `turns` is where the staged batches are released (the I/O threads' io_context);
    // `index_delay` how long index operations may wait (--index-delay-ms).
    committer(store::store& s, metrics& m, boost::asio::any_io_executor turns,
              std::chrono::milliseconds index_delay);
    ~committer();
    committer(const committer&) = delete;
    committer& operator=(const committer&) = delete;

    // `done` runs on the committer's thread after the batch's log is durable; keep it short
    // (post). Its search index operations are written later (see above). Several nodes: if a
    // session the batch is fenced by (write_batch::fences) was taken over by another node,
    // nothing of it is written and `refused` runs instead, with those sessions and
    // refusal::taken_over; the other sessions' batches of the same transaction are committed
    // without them. If the store cannot be reached (PostgreSQL; store::unavailable), every
    // batch of the transaction is refused (refusal::store_unavailable, with the sessions it
    // was fenced by); whether it was committed is unknown. The committer goes on: the next
    // transaction tries to connect again.
    enum class refusal { taken_over, store_unavailable };
    using refused_fn = std::function<void(const std::vector<std::string>&, refusal)>;
    void submit(store::write_batch batch, std::function<void()> done, refused_fn refused = {});

    // Blocks until the search index holds everything committed before the call: readers of the
    // index (search, archive counts) call it first, so they see every acknowledged post. Never
    // call it on an I/O thread.
    void flush_index();

    // Waits until everything submitted so far is committed (and indexed), then stops the
    // thread.
    void stop();

  private:
    struct item {
        store::write_batch batch;
        std::function<void()> done;
        refused_fn refused;
    };

    void release();
    void run();
    void commit_or_die(const store::write_batch& batch);
    // Commits the log's batch; a session fenced off is taken out of it and the rest committed
    // again. The sessions taken out.
    std::set<std::string> commit_fenced(store::write_batch& merged);

    store::store& store_;
    metrics& metrics_;
    boost::asio::any_io_executor turns_;
    std::chrono::milliseconds index_delay_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<item> staged_;  // submitted in the current turn of the I/O threads
    bool release_posted_ = false;
    std::deque<item> queue_;  // released: the next transaction
    bool stopping_ = false;
    bool stopped_ = false;
    // Index flushes asked for and done (flush_index waits for its number).
    std::uint64_t flushes_wanted_ = 0;
    std::uint64_t flushes_done_ = 0;
    std::condition_variable flushed_cv_;
    // The committer thread's own: index operations committed to the log, not yet indexed.
    store::write_batch unindexed_;
    std::map<std::string, core::seq_t> unindexed_upto_;
    std::chrono::steady_clock::time_point unindexed_since_;
    // The store could not be reached: the index is tried again no sooner than this.
    std::chrono::steady_clock::time_point index_retry_at_;
    bool store_lost_ = false;  // for the log: said once per outage
    std::thread thread_;
};

}  // namespace hashchat::server
