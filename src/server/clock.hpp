// Where the shell gets `now`: the system clock, or a test clock that stands still until a test
// moves it (so integration tests drive timetables without waiting).
#pragma once

#include <atomic>
#include <chrono>

#include "core/time.hpp"

namespace hashchat::server {

class clock {
  public:
    virtual ~clock() = default;
    virtual core::instant now() const = 0;
    virtual bool is_test() const { return false; }
};

class system_clock final : public clock {
  public:
    core::instant now() const override {
        return std::chrono::time_point_cast<core::duration>(std::chrono::system_clock::now());
    }
};

class test_clock final : public clock {
  public:
    explicit test_clock(core::instant start) : ms_(start.time_since_epoch().count()) {}
    core::instant now() const override { return core::instant{core::duration{ms_.load()}}; }
    bool is_test() const override { return true; }
    core::instant advance(core::duration d) {
        return core::instant{core::duration{ms_.fetch_add(d.count()) + d.count()}};
    }
    // Several nodes share one test clock (server/cluster.hpp): set to its time when the node
    // starts, then moved on (never back) when another node advances it.
    void set(core::instant t) { ms_.store(t.time_since_epoch().count()); }
    // False if the clock is there already.
    bool move_to(core::instant t) {
        const long long want = t.time_since_epoch().count();
        long long have = ms_.load();
        while (have < want) {
            if (ms_.compare_exchange_weak(have, want)) return true;
        }
        return false;
    }

  private:
    std::atomic<long long> ms_;
};

}  // namespace hashchat::server
