// Group commit: one thread owns the writes to the store. What the I/O threads submit is staged
// until the end of their current turn (a handler posted behind the ones already queued), then
// released to the committer as one transaction: every post read from the sockets in one pass
// shares a commit. Whatever is released while the previous transaction is committing goes into
// the next one. Completions run in submission order.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "server/metrics.hpp"
#include "store/store.hpp"

namespace hashchat::server {

class committer {
  public:
    // `turns` is where the staged batches are released (the I/O threads' io_context).
    committer(store::store& s, metrics& m, boost::asio::any_io_executor turns);
    ~committer();
    committer(const committer&) = delete;
    committer& operator=(const committer&) = delete;

    // `done` runs on the committer's thread after the batch is durable; keep it short (post).
    void submit(store::write_batch batch, std::function<void()> done);

    // Waits until everything submitted so far is committed, then stops the thread.
    void stop();

  private:
    struct item {
        store::write_batch batch;
        std::function<void()> done;
    };

    void release();
    void run();

    store::store& store_;
    metrics& metrics_;
    boost::asio::any_io_executor turns_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<item> staged_;  // submitted in the current turn of the I/O threads
    bool release_posted_ = false;
    std::deque<item> queue_;  // released: the next transaction
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace hashchat::server
