#include "thread_stats.hpp"

#include <memory>
#include <mutex>

namespace hashchat::bench::load {

namespace {

std::mutex registry_mutex;
std::vector<std::unique_ptr<thread_stats>>& registry() {
    static std::vector<std::unique_ptr<thread_stats>> all;
    return all;
}

}  // namespace

thread_stats& local_stats() {
    thread_local thread_stats* mine = [] {
        const std::lock_guard lock(registry_mutex);
        registry().push_back(std::make_unique<thread_stats>());
        return registry().back().get();
    }();
    return *mine;
}

thread_stats merged_stats() {
    const std::lock_guard lock(registry_mutex);
    thread_stats total;
    for (const auto& s : registry()) {
        total.latency.merge(s->latency);
        total.ack_latency.merge(s->ack_latency);
        total.connect.merge(s->connect);
        total.deliveries_in_window += s->deliveries_in_window;
        total.acks_in_window += s->acks_in_window;
        total.posts_in_window += s->posts_in_window;
        total.deliveries += s->deliveries;
        total.frames += s->frames;
        total.reads += s->reads;
        total.bytes += s->bytes;
    }
    return total;
}

}  // namespace hashchat::bench::load
