#include "server/committer.hpp"

#include <spdlog/spdlog.h>

namespace hashchat::server {

committer::committer(store::store& s, metrics& m)
    : store_(s), metrics_(m), thread_([this] { run(); }) {}

committer::~committer() { stop(); }

void committer::submit(store::write_batch batch, std::function<void()> done) {
    {
        std::lock_guard lock(mutex_);
        queue_.push_back({std::move(batch), std::move(done)});
    }
    cv_.notify_one();
}

void committer::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void committer::run() {
    std::deque<item> work;
    while (true) {
        {
            std::unique_lock lock(mutex_);
            cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty() && stopping_) return;
            work.swap(queue_);
        }
        store::write_batch merged;
        for (auto& w : work) {
            for (auto& e : w.batch.events) merged.events.push_back(std::move(e));
            for (auto& m : w.batch.members) merged.members.push_back(std::move(m));
            for (auto& m : w.batch.mods) merged.mods.push_back(std::move(m));
            for (auto& c : w.batch.configs) merged.configs.push_back(std::move(c));
            for (auto& i : w.batch.index) merged.index.push_back(std::move(i));
        }
        try {
            store_.commit(merged);
        } catch (const std::exception& e) {
            // The machine failed (disk full, I/O error): nothing in this batch may be
            // acknowledged, and the in-memory state is ahead of the disk. Stop hard; a
            // restart replays the log as it is on disk.
            spdlog::critical("commit failed, stopping: {}", e.what());
            spdlog::shutdown();
            std::abort();
        }
        if (!merged.empty()) metrics_.commits.fetch_add(1, std::memory_order_relaxed);
        if (!merged.events.empty()) {
            metrics_.commit_batch_events.observe(static_cast<double>(merged.events.size()));
        }
        metrics_.events_appended.fetch_add(merged.events.size(), std::memory_order_relaxed);
        for (auto& w : work) {
            if (w.done) w.done();
        }
        work.clear();
    }
}

}  // namespace hashchat::server
