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
#include <optional>
#include <thread>
#include <vector>

#include "protocol/time_format.hpp"
#include "server/cluster.hpp"
#include "server/hub.hpp"
#include "server/listener.hpp"
#include "server/steady.hpp"
#include "store/pg_store.hpp"
#include "store/sqlite_store.hpp"

namespace hashchat::server {

namespace net = boost::asio;

namespace {

std::unique_ptr<clock> make_clock(const options& opts) {
    if (!opts.test_clock) return std::make_unique<system_clock>();
    spdlog::warn(
        "TEST CLOCK at {}: time stands still until POST /api/test/clock; never use this in "
        "production",
        protocol::format_instant(*opts.test_clock));
    return std::make_unique<test_clock>(*opts.test_clock);
}

// How busy the process's CPUs are, every 200 ms (smoothed into metrics::cpu_busy_permille), for
// the fan-out interval.
class cpu_sampler {
  public:
    cpu_sampler(net::io_context& ioc, metrics& stats) : timer_(ioc), stats_(stats) {
        cpu_set_t set;
        CPU_ZERO(&set);
        cpus_ = sched_getaffinity(0, sizeof set, &set) == 0 ? std::max(1, CPU_COUNT(&set)) : 1;
        last_cpu_ = cpu_us();
        last_at_ = steady_now_us();
    }

    void start() {
        timer_.expires_after(std::chrono::milliseconds(200));
        timer_.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            sample();
            start();
        });
    }
    void stop() { timer_.cancel(); }

  private:
    static std::int64_t cpu_us() {
        rusage u{};
        getrusage(RUSAGE_SELF, &u);
        return (std::int64_t{u.ru_utime.tv_sec} + u.ru_stime.tv_sec) * 1'000'000 +
               u.ru_utime.tv_usec + u.ru_stime.tv_usec;
    }
    void sample() {
        const std::int64_t now_cpu = cpu_us();
        const std::int64_t now = steady_now_us();
        const std::int64_t wall = std::max<std::int64_t>(1, now - last_at_) * cpus_;
        const std::int64_t busy = std::min<std::int64_t>(1000, (now_cpu - last_cpu_) * 1000 / wall);
        const std::int64_t old = stats_.cpu_busy_permille.load(std::memory_order_relaxed);
        stats_.cpu_busy_permille.store(old + (busy - old) / 2, std::memory_order_relaxed);
        last_cpu_ = now_cpu;
        last_at_ = now;
    }

    net::steady_timer timer_;
    metrics& stats_;
    int cpus_ = 1;
    std::int64_t last_cpu_ = 0;
    std::int64_t last_at_ = 0;
};

// SIGINT/SIGTERM: the listener stops; whatever was received is committed and acknowledged
// before the connections are told to reconnect (1012). The process stops once every connection
// has closed, or after a grace period for peers that do not answer (and at the latest a second
// after it: the committer still commits what it was given before the process exits).
class graceful_stop {
  public:
    graceful_stop(net::io_context& ioc, hub& h, listener& l, cpu_sampler& sampler)
        : ioc_(ioc),
          hub_(h),
          listener_(l),
          sampler_(sampler),
          signals_(ioc, SIGINT, SIGTERM),
          grace_(ioc),
          hard_stop_(ioc) {}

    void arm() {
        signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
            if (!ec) begin(sig);
        });
    }

  private:
    void begin(int sig) {
        spdlog::info("signal {}: shutting down", sig);
        listener_.stop();
        sampler_.stop();
        deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        hard_stop_.expires_at(deadline_ + std::chrono::seconds(1));
        hard_stop_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) ioc_.stop();
        });
        hub_.shutdown([this] { net::post(ioc_, [this] { wait_for_close(); }); });
    }
    void wait_for_close() {
        if (hub_.open_connections() == 0 || std::chrono::steady_clock::now() >= deadline_) {
            ioc_.stop();
            return;
        }
        grace_.expires_after(std::chrono::milliseconds(20));
        grace_.async_wait([this](const boost::system::error_code&) { wait_for_close(); });
    }

    net::io_context& ioc_;
    hub& hub_;
    listener& listener_;
    cpu_sampler& sampler_;
    net::signal_set signals_;
    net::steady_timer grace_;
    net::steady_timer hard_stop_;
    std::chrono::steady_clock::time_point deadline_;
};

// The address of --bind and --port, or none (logged).
std::optional<net::ip::tcp::endpoint> endpoint_of(const options& opts) {
    try {
        return net::ip::tcp::endpoint{net::ip::make_address(opts.bind), opts.port};
    } catch (const std::exception&) {
        spdlog::error("--bind {} is not an IP address", opts.bind);
        return std::nullopt;
    }
}

// The listener, or null (logged) if the address cannot be taken.
std::shared_ptr<listener> listen(net::io_context& ioc, const net::ip::tcp::endpoint& endpoint,
                                 const std::shared_ptr<hub>& h) {
    try {
        return std::make_shared<listener>(ioc, endpoint, h);
    } catch (const boost::system::system_error& e) {
        spdlog::error("cannot listen on {}:{}: {}", endpoint.address().to_string(), endpoint.port(),
                      e.code().message());
        return nullptr;
    }
}

}  // namespace

int run(const options& opts) {
    std::error_code fs_ec;
    std::filesystem::create_directories(opts.data_dir, fs_ec);
    if (fs_ec) {
        spdlog::error("cannot create the data directory {}: {}", opts.data_dir.string(),
                      fs_ec.message());
        return 1;
    }
    const auto time = make_clock(opts);
    if (opts.durability == store::durability::normal) {
        spdlog::warn("synchronous=NORMAL: a power failure may lose the last acknowledged posts");
    }

    std::unique_ptr<store::store> stored;
    std::unique_ptr<cluster> nodes;
    try {
        if (opts.database.empty()) {
            stored = std::make_unique<store::sqlite_store>(opts.data_dir / "hashchat.sqlite3",
                                                           opts.durability, opts.sqlite_cache_mb);
        } else {
            stored = std::make_unique<store::pg_store>(opts.database, !opts.node_id.empty());
        }
        if (!opts.node_id.empty()) {
            nodes = std::make_unique<cluster>(cluster_options{
                opts.database, opts.node_id, std::chrono::milliseconds(opts.lease_ms),
                std::chrono::milliseconds(opts.lease_renew_ms)});
            if (auto* shared = dynamic_cast<test_clock*>(time.get())) nodes->share_clock(*shared);
        }
    } catch (const store::store_error& e) {
        spdlog::error("cannot open the store: {}", e.what());
        return 1;
    }
    store::store& db = *stored;
    metrics stats;
    net::io_context ioc(opts.threads);
    committer commits(db, stats, ioc.get_executor(),
                      std::chrono::milliseconds(opts.index_delay_ms));
    auto h = std::make_shared<hub>(ioc, opts, *time, db, commits, stats, nodes.get());
    h->load();
    if (nodes) {
        nodes->start(h->rooms(), stats);
        spdlog::info("node {} of a cluster (lease {} ms)", nodes->node(), opts.lease_ms);
    }

    const auto endpoint = endpoint_of(opts);
    if (!endpoint) return 2;
    auto l = listen(ioc, *endpoint, h);
    if (!l) return 1;
    const auto bound = l->local_endpoint();
    l->run();
    std::printf("hashchat: listening on http://%s:%u\n", bound.address().to_string().c_str(),
                static_cast<unsigned>(bound.port()));
    std::fflush(stdout);
    spdlog::info("listening on {}:{} with {} threads, data in {}", bound.address().to_string(),
                 bound.port(), opts.threads,
                 opts.database.empty() ? opts.data_dir.string() : std::string("PostgreSQL"));

    cpu_sampler sampler(ioc, stats);
    sampler.start();
    graceful_stop stopper(ioc, *h, *l, sampler);
    stopper.arm();

    std::vector<std::thread> threads;
    for (int i = 1; i < opts.threads; ++i) threads.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : threads) t.join();
    commits.stop();
    if (nodes) nodes->stop();
    h->release();
    spdlog::info("stopped");
    return 0;
}

}  // namespace hashchat::server
