#include "run.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <memory>
#include <thread>

#include "client.hpp"
#include "conductor.hpp"
#include "session_setup.hpp"

namespace hashchat::bench::load {

namespace asio = boost::asio;

namespace {

// How many of a session's acknowledged seqs (sorted) lie past a client's last in-order seq.
std::int64_t acked_after(const std::vector<std::int64_t>& sorted_acked, std::int64_t last) {
    return static_cast<std::int64_t>(
        sorted_acked.end() - std::upper_bound(sorted_acked.begin(), sorted_acked.end(), last));
}

void gather(const options& opts, const run_state& run,
            const std::vector<std::unique_ptr<client>>& clients, run_result& r) {
    const auto posters = static_cast<std::size_t>(opts.posters);
    std::vector<std::vector<std::int64_t>> acked(run.sessions.size());
    std::vector<std::int64_t> sent(posters, 0);
    for (std::size_t i = 0; i < posters; ++i) {
        const auto& c = *clients[i];
        sent[i] = c.posts_sent();
        r.posts_sent += c.posts_sent();
        r.posts_acked += c.result().posts_acked;
        r.posts_refused += c.result().posts_refused;
        if (opts.mode == load_mode::hashchat) {
            auto& a = acked[static_cast<std::size_t>(c.session())];
            a.insert(a.end(), c.result().acked_seqs.begin(), c.result().acked_seqs.end());
        }
    }
    for (auto& a : acked) std::sort(a.begin(), a.end());
    for (const auto& cp : clients) {
        const auto& c = *cp;
        const auto& o = c.result();
        if (c.state() == client_state::failed || c.state() == client_state::idle ||
            c.state() == client_state::connecting) {
            ++r.clients_failed;
            ++r.failures[o.failure.empty() ? "unknown" : o.failure];
            continue;
        }
        ++r.clients_ready;
        r.unknown_messages += o.unknown_messages;
        for (const auto& [code, n] : o.errors) r.errors[code] += n;
        if (o.close_code != 0) ++r.closes[o.close_code];
        if (o.disconnected) ++r.disconnected;
        r.duplicated += static_cast<std::int64_t>(o.seqs.duplicated + o.senders.duplicated);
        r.out_of_order += static_cast<std::int64_t>(o.seqs.out_of_order + o.senders.out_of_order);
        if (opts.mode == load_mode::hashchat) {
            // Every seq skipped, and every acknowledged post past the last seq it saw.
            r.lost += static_cast<std::int64_t>(o.seqs.gaps) +
                      acked_after(acked[static_cast<std::size_t>(c.session())], c.progress());
        } else {
            r.lost += static_cast<std::int64_t>(o.senders.gaps);
            for (std::size_t s = 0; s < posters; ++s) {
                if (opts.raw_no_echo && s == static_cast<std::size_t>(c.index())) continue;
                r.lost += std::max<std::int64_t>(0, sent[s] - c.senders().last(s));
            }
        }
    }
}

}  // namespace

run_result run_load(const options& opts) {
    run_result r;
    run_state run;
    run.mode = opts.mode;
    run.wheres = parse_ws_urls(opts.url);
    run.post_pad = static_cast<std::size_t>(opts.post_bytes);
    run.raw_no_echo = opts.raw_no_echo;
    for (const auto& where : run.wheres) {
        asio::io_context resolver_io;
        asio::ip::tcp::resolver resolver(resolver_io);
        boost::system::error_code ec;
        const auto found = resolver.resolve(where.host, where.port, ec);
        if (ec || found.empty()) {
            r.setup_error = "cannot resolve " + where.host + ": " + ec.message();
            return r;
        }
        run.addresses.push_back(found.begin()->endpoint());
    }
    const int sessions = opts.mode == load_mode::hashchat ? opts.sessions : 1;
    run.sessions = std::vector<session_state>(static_cast<std::size_t>(sessions));
    if (opts.mode == load_mode::hashchat) {
        auto created = create_sessions(opts, run.wheres.front(), run.addresses.front());
        if (!created.error.empty()) {
            r.setup_error = created.error;
            return r;
        }
        for (std::size_t i = 0; i < created.sessions.size(); ++i) {
            run.sessions[i].id = created.sessions[i].id;
            run.sessions[i].moderator_key = created.sessions[i].moderator_key;
        }
    }

    // With one thread every handler runs on it; with more, each client gets a strand.
    asio::io_context io(opts.threads);
    auto executor_for_client = [&]() -> asio::any_io_executor {
        if (opts.threads == 1) return io.get_executor();
        return asio::make_strand(io);
    };
    std::vector<std::unique_ptr<client>> moderators;
    if (opts.mode == load_mode::hashchat) {
        for (int s = 0; s < sessions; ++s) {
            moderators.push_back(std::make_unique<client>(executor_for_client(), run, -1 - s, s,
                                                          client_role::moderator));
        }
    }
    std::vector<std::unique_ptr<client>> clients;
    std::vector<client*> posters;
    for (int i = 0; i < opts.clients; ++i) {
        clients.push_back(std::make_unique<client>(executor_for_client(), run, i, i % sessions,
                                                   client_role::participant));
        if (i < opts.posters) posters.push_back(clients.back().get());
    }
    conductor c(executor_for_client(), opts, run, moderators, clients, posters,
                [&io] { io.stop(); });
    asio::post(c.executor(), [&c] { c.start(); });
    std::vector<std::thread> extra;
    for (int t = 1; t < opts.threads; ++t) extra.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : extra) t.join();

    r.time = c.result();
    r.stats = merged_stats();
    gather(opts, run, clients, r);
    return r;
}

}  // namespace hashchat::bench::load
