#include "conductor.hpp"

#include <sys/resource.h>

#include <boost/asio/dispatch.hpp>
#include <cmath>

namespace hashchat::bench::load {

namespace asio = boost::asio;

namespace {

// While waiting for something (connects, the drain), look this often.
constexpr std::int64_t poll_ns = 2'000'000;
constexpr std::int64_t close_wait_ns = 3'000'000'000;

std::int64_t seconds_ns(double s) { return static_cast<std::int64_t>(std::llround(s * 1e9)); }

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto sec = [](const timeval& tv) {
        return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
    };
    return sec(u.ru_utime) + sec(u.ru_stime);
}

template <class F>
void on_client(client& c, F f) {
    asio::dispatch(c.executor(), [&c, f] { f(c); });
}

}  // namespace

conductor::conductor(asio::any_io_executor ex, const options& opts, run_state& run,
                     std::vector<std::unique_ptr<client>>& moderators,
                     std::vector<std::unique_ptr<client>>& clients, std::vector<client*> posters,
                     std::function<void()> on_done)
    : timer_(std::move(ex)),
      opts_(opts),
      run_(run),
      moderators_(moderators),
      clients_(clients),
      posters_(std::move(posters)),
      on_done_(std::move(on_done)) {}

void conductor::start() {
    cpu_at_start_ = cpu_seconds();
    const std::int64_t now = steady_ns();
    deadline_ = now + seconds_ns(opts_.connect_timeout);
    for (auto& m : moderators_) on_client(*m, [](client& c) { c.start(); });
    if (moderators_.empty()) {
        phase_ = phase::connecting;
        t_.connect_begin = now;
    }
    wake_at(now);
}

void conductor::wake_at(std::int64_t ns) {
    timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns)));
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) tick();
    });
}

void conductor::tick() {
    const std::int64_t now = steady_ns();
    switch (phase_) {
        case phase::moderators:
            return tick_moderators(now);
        case phase::connecting:
            return tick_connecting(now);
        case phase::posting:
            return tick_posting(now);
        case phase::draining:
            return tick_draining(now);
        case phase::closing:
            return tick_closing(now);
        case phase::done:
            return;
    }
}

void conductor::tick_moderators(std::int64_t now) {
    bool waiting = false;
    for (auto& m : moderators_) {
        const auto s = m->state();
        if (s == client_state::failed) t_.moderators_failed = true;
        if (s == client_state::idle || s == client_state::connecting) waiting = true;
    }
    if (t_.moderators_failed || (waiting && now >= deadline_)) {
        t_.moderators_failed = true;
        phase_ = phase::closing;
        deadline_ = now + close_wait_ns;
        for (auto& m : moderators_) on_client(*m, [](client& c) { c.abandon(); });
        return wake_at(now);
    }
    if (waiting) return wake_at(now + poll_ns);
    phase_ = phase::connecting;
    t_.connect_begin = now;
    deadline_ = now + seconds_ns(opts_.connect_timeout);
    wake_at(now);
}

void conductor::tick_connecting(std::int64_t now) {
    std::size_t in_flight = 0;
    for (std::size_t i = 0; i < launched_; ++i) {
        if (clients_[i]->state() == client_state::connecting) ++in_flight;
    }
    const auto limit = static_cast<std::size_t>(opts_.connect_concurrency);
    while (launched_ < clients_.size() && in_flight < limit) {
        on_client(*clients_[launched_++], [](client& c) { c.start(); });
        ++in_flight;
    }
    if (launched_ == clients_.size() && in_flight == 0) return begin_posting(now);
    if (now >= deadline_) {
        for (auto& c : clients_) on_client(*c, [](client& x) { x.abandon(); });
        return begin_posting(now);
    }
    wake_at(now + poll_ns / 2);
}

void conductor::begin_posting(std::int64_t now) {
    t_.connect_end = now;
    phase_ = phase::posting;
    posting_begin_ = now;
    run_.window_begin.store(now + seconds_ns(opts_.warmup));
    run_.window_end.store(now + seconds_ns(opts_.warmup) + seconds_ns(opts_.duration));
    tick_posting(now);
}

std::int64_t conductor::due(std::int64_t k) const {
    // From the post's number, not from the last wake-up: late wake-ups never add up to drift.
    return posting_begin_ +
           static_cast<std::int64_t>(std::llround(static_cast<double>(k) * 1e9 / opts_.rate));
}

void conductor::tick_posting(std::int64_t now) {
    const std::int64_t begin = run_.window_begin.load();
    const std::int64_t end = run_.window_end.load();
    if (!window_open_ && now >= begin) {
        window_open_ = true;
        t_.window_begin = now;
        cpu_at_window_ = cpu_seconds();
    }
    if (opts_.rate > 0 && !posters_.empty()) {
        const auto p = static_cast<std::int64_t>(posters_.size());
        for (std::int64_t d = due(next_post_); d <= now && d < end; d = due(++next_post_)) {
            t_.lag.record(static_cast<std::uint64_t>(now - d));
            client& c = *posters_[static_cast<std::size_t>(next_post_ % p)];
            const std::int64_t n = next_post_ / p + 1;
            on_client(c, [n](client& x) { x.send_post(n); });
        }
    }
    if (now >= end) {
        t_.window_end = now;
        t_.posts_scheduled = next_post_;
        t_.cpu_window_seconds = cpu_seconds() - cpu_at_window_;
        phase_ = phase::draining;
        deadline_ = now + seconds_ns(opts_.drain_timeout);
        return tick_draining(now);
    }
    std::int64_t next = end;
    if (!window_open_) next = std::min(next, begin);
    if (opts_.rate > 0 && !posters_.empty()) next = std::min(next, due(next_post_));
    wake_at(next);
}

bool conductor::drained() const {
    std::int64_t sent = 0;
    for (const client* p : posters_) {
        sent += p->posts_sent();
        if (run_.mode == load_mode::hashchat && p->posts_resolved() < p->posts_sent() &&
            p->state() == client_state::ready) {
            return false;
        }
    }
    for (const auto& c : clients_) {
        if (c->state() != client_state::ready) continue;
        if (run_.mode == load_mode::hashchat) {
            const auto& s = run_.sessions[static_cast<std::size_t>(c->session())];
            if (c->progress() < s.max_acked_seq.load(std::memory_order_relaxed)) return false;
        } else {
            const std::int64_t own =
                run_.raw_no_echo && c->index() < static_cast<int>(posters_.size()) ? c->posts_sent()
                                                                                   : 0;
            if (c->progress() < sent - own) return false;
        }
    }
    return true;
}

void conductor::tick_draining(std::int64_t now) {
    const bool done = drained();
    if (!done && now < deadline_) return wake_at(now + poll_ns);
    t_.drained = done;
    t_.drain_end = now;
    t_.cpu_total_seconds = cpu_seconds() - cpu_at_start_;
    phase_ = phase::closing;
    deadline_ = now + close_wait_ns;
    for (auto& c : clients_) on_client(*c, [](client& x) { x.close(); });
    for (auto& m : moderators_) on_client(*m, [](client& x) { x.close(); });
    wake_at(now + poll_ns);
}

void conductor::tick_closing(std::int64_t now) {
    auto open = [](const client& c) {
        const auto s = c.state();
        return s == client_state::ready || s == client_state::closing ||
               s == client_state::connecting;
    };
    bool waiting = false;
    for (const auto& c : clients_) waiting = waiting || open(*c);
    for (const auto& m : moderators_) waiting = waiting || open(*m);
    if (waiting && now < deadline_) return wake_at(now + poll_ns);
    phase_ = phase::done;
    on_done_();
}

}  // namespace hashchat::bench::load
