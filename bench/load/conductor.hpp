// The timeline of a run, driven by one timer: start the sessions (moderators), connect the
// clients a bounded number at a time, post at a fixed total rate without drift, drain, close.
// It runs on the clients' io_context and reaches each client through that client's executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "client.hpp"
#include "histogram.hpp"
#include "options.hpp"
#include "run_state.hpp"

namespace hashchat::bench::load {

struct timeline {
    std::int64_t connect_begin = 0, connect_end = 0;  // steady ns
    std::int64_t window_begin = 0, window_end = 0;    // as taken, not as planned
    std::int64_t drain_end = 0;
    bool moderators_failed = false;
    bool drained = false;
    double cpu_window_seconds = 0;  // user + sys of this process over the window
    double cpu_total_seconds = 0;   // from the first connect to the end of the drain
    std::int64_t posts_scheduled = 0;
    histogram lag;  // how late each post went out after its due instant
};

class conductor {
  public:
    conductor(boost::asio::any_io_executor ex, const options& opts, run_state& run,
              std::vector<std::unique_ptr<client>>& moderators,
              std::vector<std::unique_ptr<client>>& clients, std::vector<client*> posters,
              std::function<void()> on_done);

    void start();  // on executor()
    const boost::asio::any_io_executor& executor() { return timer_.get_executor(); }
    const timeline& result() const { return t_; }

  private:
    enum class phase { moderators, connecting, posting, draining, closing, done };

    void tick();
    void wake_at(std::int64_t ns);
    void tick_moderators(std::int64_t now);
    void tick_connecting(std::int64_t now);
    void begin_posting(std::int64_t now);
    void tick_posting(std::int64_t now);
    void tick_draining(std::int64_t now);
    void tick_closing(std::int64_t now);
    bool drained() const;
    std::int64_t due(std::int64_t k) const;

    boost::asio::steady_timer timer_;
    const options& opts_;
    run_state& run_;
    std::vector<std::unique_ptr<client>>& moderators_;
    std::vector<std::unique_ptr<client>>& clients_;
    std::vector<client*> posters_;
    std::function<void()> on_done_;
    phase phase_ = phase::moderators;
    std::int64_t deadline_ = 0;
    std::size_t launched_ = 0;
    std::int64_t posting_begin_ = 0;
    std::int64_t next_post_ = 0;
    bool window_open_ = false;
    double cpu_at_start_ = 0, cpu_at_window_ = 0;
    timeline t_;
};

}  // namespace hashchat::bench::load
