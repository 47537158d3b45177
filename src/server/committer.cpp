#include "server/committer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

namespace hashchat::server {

committer::committer(store::store& s, metrics& m, boost::asio::any_io_executor turns,
                     std::chrono::milliseconds index_delay)
    : store_(s), metrics_(m), turns_(std::move(turns)), index_delay_(index_delay), thread_([this] {
          run();
      }) {}

committer::~committer() { stop(); }

void committer::submit(store::write_batch batch, std::function<void()> done, refused_fn refused) {
    bool post_release = false;
    {
        std::lock_guard lock(mutex_);
        staged_.push_back({std::move(batch), std::move(done), std::move(refused)});
        post_release = !std::exchange(release_posted_, true);
    }
    // Posted, so it runs after the handlers already waiting: the rest of this turn's reads
    // join the same transaction. Releasing at once made one commit per post under load
    // (1.3 events per transaction at 4,000 posts/s over 250 sessions), and each commit costs
    // a WAL write and an fsync.
    if (post_release) boost::asio::post(turns_, [this] { release(); });
}

void committer::release() {
    {
        std::lock_guard lock(mutex_);
        release_posted_ = false;
        for (auto& i : staged_) queue_.push_back(std::move(i));
        staged_.clear();
    }
    cv_.notify_one();
}

void committer::flush_index() {
    std::unique_lock lock(mutex_);
    if (stopped_) return;
    const std::uint64_t mine = ++flushes_wanted_;
    cv_.notify_one();
    flushed_cv_.wait(lock, [&] { return flushes_done_ >= mine || stopped_; });
}

void committer::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
        // The I/O threads have stopped: what they staged is released here.
        for (auto& i : staged_) queue_.push_back(std::move(i));
        staged_.clear();
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
}

namespace {

// The machine failed (disk full, I/O error): nothing in the batch may be acknowledged, and the
// in-memory state is ahead of the disk. Stop hard; a restart replays the log as it is on disk.
[[noreturn]] void die(const std::exception& e) {
    spdlog::critical("commit failed, stopping: {}", e.what());
    spdlog::shutdown();
    std::abort();
}

}  // namespace

void committer::commit_or_die(const store::write_batch& batch) {
    try {
        store_.commit(batch);
    } catch (const store::unavailable&) {
        throw;  // PostgreSQL: the caller tries again later
    } catch (const std::exception& e) {
        die(e);
    }
    if (!batch.empty()) metrics_.commits.fetch_add(1, std::memory_order_relaxed);
}

std::set<std::string> committer::commit_fenced(store::write_batch& merged) {
    std::set<std::string> lost;
    for (;;) {
        try {
            store_.commit(merged);
            break;
        } catch (const store::fenced& f) {
            const std::set<std::string> now(f.sessions().begin(), f.sessions().end());
            if (now.empty()) throw store::store_error("a fence failed without naming a session");
            spdlog::warn("{} session(s) taken over by another node; this node stops writing them",
                         now.size());
            lost.insert(now.begin(), now.end());
            auto out = [&](auto& rows, auto session_of) {
                std::erase_if(rows, [&](const auto& r) { return now.count(session_of(r)) > 0; });
            };
            out(merged.events, [](const auto& e) -> const std::string& { return e.session_id; });
            out(merged.members, [](const auto& m) -> const std::string& { return m.session_id; });
            out(merged.mods, [](const auto& m) -> const std::string& { return m.session_id; });
            out(merged.configs, [](const auto& c) -> const std::string& { return c.first; });
            out(merged.keys, [](const auto& k) -> const std::string& { return k.session_id; });
            out(merged.fences, [](const auto& f) -> const std::string& { return f.first; });
            out(merged.handoffs, [](const auto& h) -> const std::string& { return h.session_id; });
            out(merged.taken, [](const auto& t) -> const std::string& { return t.first; });
            out(merged.replies, [](const auto& r) -> const std::string& { return r.session_id; });
        }
    }
    return lost;
}

void committer::run() {
    std::deque<item> work;
    while (true) {
        std::uint64_t flushes = 0;
        bool stopping = false;
        {
            std::unique_lock lock(mutex_);
            const auto woken = [&] {
                return stopping_ || !queue_.empty() || flushes_wanted_ > flushes_done_;
            };
            if (unindexed_upto_.empty()) {
                cv_.wait(lock, woken);
            } else {
                cv_.wait_until(lock, unindexed_since_ + index_delay_, woken);
            }
            work.swap(queue_);
            flushes = flushes_wanted_;
            stopping = stopping_;
        }
        // The log: new series and sessions, events, members, moderators' log, configurations
        // and keys, one transaction. A field not merged here is silently lost: when
        // write_batch gains one, merge it, then update this count (tests/unit/committer_test.cpp
        // commits one row of each).
        static_assert(sizeof(store::write_batch) == 13 * sizeof(std::vector<int>),
                      "store::write_batch changed: merge its new field below");
        store::write_batch merged;
        std::vector<store::post_index_op> index;  // written later (below)
        for (auto& w : work) {
            for (auto& n : w.batch.new_series) merged.new_series.push_back(std::move(n));
            for (auto& n : w.batch.new_sessions) merged.new_sessions.push_back(std::move(n));
            for (auto& k : w.batch.keys) merged.keys.push_back(std::move(k));
            for (auto& e : w.batch.events) merged.events.push_back(std::move(e));
            for (auto& m : w.batch.members) merged.members.push_back(std::move(m));
            for (auto& m : w.batch.mods) merged.mods.push_back(std::move(m));
            for (auto& c : w.batch.configs) merged.configs.push_back(std::move(c));
            for (auto& h : w.batch.handoffs) merged.handoffs.push_back(std::move(h));
            for (auto& t : w.batch.taken) merged.taken.push_back(std::move(t));
            for (auto& r : w.batch.replies) merged.replies.push_back(std::move(r));
            // Copied, not moved: a refused batch is known by its fences (below).
            for (const auto& f : w.batch.fences) {
                if (std::find(merged.fences.begin(), merged.fences.end(), f) ==
                    merged.fences.end()) {
                    merged.fences.push_back(f);
                }
            }
            for (auto& i : w.batch.index) index.push_back(std::move(i));
        }
        std::set<std::string> lost;
        try {
            lost = commit_fenced(merged);
            if (store_lost_) spdlog::info("the store can be reached again");
            store_lost_ = false;
        } catch (const store::unavailable& e) {
            // Nothing of it may be acknowledged; its rooms let go of what they hold beyond the
            // store. The index operations go with it (a room built again indexes what the
            // store has: registry::build).
            if (!store_lost_) spdlog::error("the store cannot be reached: {}", e.what());
            store_lost_ = true;
            metrics_.store_unavailable.fetch_add(1, std::memory_order_relaxed);
            for (auto& w : work) {
                std::vector<std::string> sessions;
                for (const auto& [id, epoch] : w.batch.fences) sessions.push_back(id);
                if (w.refused) w.refused(sessions, refusal::store_unavailable);
            }
            work.clear();
            continue;
        } catch (const std::exception& e) {
            die(e);
        }
        // The index follows what was committed: nothing of a session fenced off.
        if (unindexed_upto_.empty() && !merged.events.empty()) {
            unindexed_since_ = std::chrono::steady_clock::now();
        }
        for (const auto& e : merged.events) {
            auto& upto = unindexed_upto_[e.session_id];
            upto = std::max(upto, e.seq);
        }
        for (auto& i : index) {
            if (lost.count(i.session_id) == 0) unindexed_.index.push_back(std::move(i));
        }
        if (!merged.empty()) metrics_.commits.fetch_add(1, std::memory_order_relaxed);
        if (!merged.events.empty()) {
            metrics_.commit_batch_events.observe(static_cast<double>(merged.events.size()));
        }
        metrics_.events_appended.fetch_add(merged.events.size(), std::memory_order_relaxed);
        for (auto& w : work) {
            std::vector<std::string> refused;
            for (const auto& [id, epoch] : w.batch.fences) {
                if (lost.count(id) > 0) refused.push_back(id);
            }
            if (refused.empty()) {
                if (w.done) w.done();
            } else if (w.refused) {
                w.refused(refused, refusal::taken_over);
            }
        }
        const bool worked = !work.empty();
        work.clear();
        // The search index, once enough has gathered, or it has waited long enough, or a
        // reader is waiting for it, or the server stops.
        const auto now = std::chrono::steady_clock::now();
        if (!unindexed_upto_.empty() && now >= index_retry_at_ &&
            (unindexed_.index.size() >= index_batch || now - unindexed_since_ >= index_delay_ ||
             flushes > flushes_done_ || stopping)) {
            auto batch = unindexed_;
            for (auto& [id, seq] : unindexed_upto_) batch.indexed.emplace_back(id, seq);
            try {
                commit_or_die(batch);
                unindexed_ = {};
                unindexed_upto_.clear();
            } catch (const store::unavailable&) {
                // Kept, and tried again in a second (not in a tight loop while the store is
                // down); a reader waiting for the index is let go meanwhile.
                index_retry_at_ = now + std::chrono::seconds(1);
                unindexed_since_ = index_retry_at_ - index_delay_;
            }
        }
        {
            std::lock_guard lock(mutex_);
            if (flushes > flushes_done_) {
                flushes_done_ = flushes;
                flushed_cv_.notify_all();
            }
            if (stopping && !worked && queue_.empty()) {
                stopped_ = true;
                flushed_cv_.notify_all();
                return;
            }
        }
    }
}

}  // namespace hashchat::server
