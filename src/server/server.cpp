#include "server/server.hpp"

#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include "protocol/time_format.hpp"
#include "server/hub.hpp"
#include "server/listener.hpp"
#include "server/steady.hpp"

namespace hashchat::server {

namespace net = boost::asio;

int run(const options& opts) {
    std::error_code fs_ec;
    std::filesystem::create_directories(opts.data_dir, fs_ec);
    if (fs_ec) {
        spdlog::error("cannot create the data directory {}: {}", opts.data_dir.string(),
                      fs_ec.message());
        return 1;
    }
    std::unique_ptr<clock> time;
    if (opts.test_clock) {
        spdlog::warn(
            "TEST CLOCK at {}: time stands still until POST /api/test/clock; never use "
            "this in production",
            protocol::format_instant(*opts.test_clock));
        time = std::make_unique<test_clock>(*opts.test_clock);
    } else {
        time = std::make_unique<system_clock>();
    }
    if (opts.durability == store::durability::normal) {
        spdlog::warn("synchronous=NORMAL: a power failure may lose the last acknowledged posts");
    }

    store::store db(opts.data_dir / "hashchat.sqlite3", opts.durability, opts.sqlite_cache_mb);
    metrics stats;
    net::io_context ioc(opts.threads);
    committer commits(db, stats, ioc.get_executor(),
                      std::chrono::milliseconds(opts.index_delay_ms));
    auto h = std::make_shared<hub>(ioc, opts, *time, db, commits, stats);
    h->load();

    net::ip::tcp::endpoint endpoint;
    try {
        endpoint = {net::ip::make_address(opts.bind), opts.port};
    } catch (const std::exception&) {
        spdlog::error("--bind {} is not an IP address", opts.bind);
        return 2;
    }
    std::shared_ptr<listener> l;
    try {
        l = std::make_shared<listener>(ioc, endpoint, h);
    } catch (const boost::system::system_error& e) {
        spdlog::error("cannot listen on {}:{}: {}", opts.bind, opts.port, e.code().message());
        return 1;
    }
    const auto bound = l->local_endpoint();
    l->run();
    std::printf("hashchat: listening on http://%s:%u\n", bound.address().to_string().c_str(),
                static_cast<unsigned>(bound.port()));
    std::fflush(stdout);
    spdlog::info("listening on {}:{} with {} threads, data in {}", bound.address().to_string(),
                 bound.port(), opts.threads, opts.data_dir.string());

    // How busy the process's CPUs are, every 200 ms (smoothed), for the fan-out interval.
    net::steady_timer cpu_sampler(ioc);
    std::function<void()> sample_cpu;
    {
        cpu_set_t set;
        CPU_ZERO(&set);
        const int cpus =
            sched_getaffinity(0, sizeof set, &set) == 0 ? std::max(1, CPU_COUNT(&set)) : 1;
        auto cpu_us = [] {
            rusage u{};
            getrusage(RUSAGE_SELF, &u);
            return (std::int64_t{u.ru_utime.tv_sec} + u.ru_stime.tv_sec) * 1'000'000 +
                   u.ru_utime.tv_usec + u.ru_stime.tv_usec;
        };
        auto last_cpu = std::make_shared<std::int64_t>(cpu_us());
        auto last_at = std::make_shared<std::int64_t>(steady_now_us());
        sample_cpu = [&, cpus, cpu_us, last_cpu, last_at] {
            cpu_sampler.expires_after(std::chrono::milliseconds(200));
            cpu_sampler.async_wait([&, cpus, cpu_us, last_cpu,
                                    last_at](const boost::system::error_code& ec) {
                if (ec) return;
                const std::int64_t now_cpu = cpu_us();
                const std::int64_t now = steady_now_us();
                const std::int64_t wall = std::max<std::int64_t>(1, now - *last_at) * cpus;
                const std::int64_t sample =
                    std::min<std::int64_t>(1000, (now_cpu - *last_cpu) * 1000 / wall);
                const std::int64_t old = stats.cpu_busy_permille.load(std::memory_order_relaxed);
                stats.cpu_busy_permille.store(old + (sample - old) / 2, std::memory_order_relaxed);
                *last_cpu = now_cpu;
                *last_at = now;
                sample_cpu();
            });
        };
    }
    sample_cpu();

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    net::steady_timer grace(ioc);
    net::steady_timer hard_stop(ioc);
    std::function<void()> wait_for_close;
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("signal {}: shutting down", sig);
        l->stop();
        cpu_sampler.cancel();
        // Whatever was received is committed and acknowledged before the connections are told
        // to reconnect (1012). The process stops once every connection has closed, or after a
        // grace period for peers that do not answer.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        // However the drain goes, the process stops at the deadline (the committer still
        // commits what it was given before the process exits).
        hard_stop.expires_at(deadline + std::chrono::seconds(1));
        hard_stop.async_wait([&](const boost::system::error_code& ec) {
            if (!ec) ioc.stop();
        });
        h->shutdown([&, deadline] {
            wait_for_close = [&, deadline] {
                if (h->open_connections() == 0 || std::chrono::steady_clock::now() >= deadline) {
                    ioc.stop();
                    return;
                }
                grace.expires_after(std::chrono::milliseconds(20));
                grace.async_wait([&](const boost::system::error_code&) { wait_for_close(); });
            };
            net::post(ioc, [&] { wait_for_close(); });
        });
    });

    std::vector<std::thread> threads;
    for (int i = 1; i < opts.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : threads) t.join();
    commits.stop();
    h->release();
    spdlog::info("stopped");
    return 0;
}

}  // namespace hashchat::server
