// Group commit: one thread owns the writes to the store. Whatever was submitted while the
// previous transaction was committing goes into the next one, so a burst of posts from many
// connections and sessions shares a transaction. Completions run in submission order.
#pragma once

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
    committer(store::store& s, metrics& m);
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

    void run();

    store::store& store_;
    metrics& metrics_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<item> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace hashchat::server
