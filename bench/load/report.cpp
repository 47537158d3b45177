#include "report.hpp"

#include <cmath>
#include <cstdio>

namespace hashchat::bench::load {

namespace {

double seconds(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }
double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }
double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

double window_seconds(const run_result& r) {
    return seconds(r.time.window_end - r.time.window_begin);
}

double per_second(std::uint64_t n, const run_result& r) {
    const double w = window_seconds(r);
    return w > 0 ? static_cast<double>(n) / w : 0.0;
}

double cpu_percent(const run_result& r) {
    const double w = window_seconds(r);
    return w > 0 ? 100.0 * r.time.cpu_window_seconds / w : 0.0;
}

nlohmann::json summary_ms(const histogram& h, bool detailed) {
    nlohmann::json j{{"samples", h.count()},
                     {"p50_ms", round3(ms(h.percentile(50)))},
                     {"p99_ms", round3(ms(h.percentile(99)))},
                     {"max_ms", round3(ms(h.max()))}};
    if (detailed) {
        j["p90_ms"] = round3(ms(h.percentile(90)));
        j["p99_9_ms"] = round3(ms(h.percentile(99.9)));
        j["mean_ms"] = round3(h.mean() / 1e6);
        j["min_ms"] = round3(ms(h.min()));
    }
    return j;
}

}  // namespace

judgement judge(const options& opts, const run_result& r) {
    judgement j;
    auto add = [&](std::string s) { j.problems.push_back(std::move(s)); };
    if (!r.setup_error.empty()) add("setup: " + r.setup_error);
    if (r.time.moderators_failed) add("a moderator could not start its session");
    if (r.clients_failed > 0) add(std::to_string(r.clients_failed) + " clients failed to connect");
    if (r.lost > 0) add(std::to_string(r.lost) + " messages lost");
    if (r.duplicated > 0) add(std::to_string(r.duplicated) + " messages duplicated");
    if (r.out_of_order > 0) add(std::to_string(r.out_of_order) + " messages out of order");
    if (r.disconnected > 0) add(std::to_string(r.disconnected) + " connections dropped");
    if (r.setup_error.empty() && !r.time.drained) add("not drained within --drain-timeout");
    if (opts.max_p99_ms) {
        const double p99 = ms(r.stats.latency.percentile(99));
        if (r.stats.latency.count() == 0) {
            add("no latency samples to compare with --max-p99-ms");
        } else if (p99 > *opts.max_p99_ms) {
            char buf[96];
            std::snprintf(buf, sizeof buf, "p99 %.3f ms exceeds --max-p99-ms %.3f", p99,
                          *opts.max_p99_ms);
            add(buf);
        }
    }
    return j;
}

void print_report(const options& opts, const run_result& r, const judgement& v) {
    const auto& s = r.stats;
    auto line = [](const char* name, const std::string& value) {
        std::printf("  %-26s %s\n", name, value.c_str());
    };
    auto fmt = [](const char* f, auto... args) {
        char buf[256];
        std::snprintf(buf, sizeof buf, f, args...);
        return std::string(buf);
    };
    auto lat = [&](const histogram& h) {
        return fmt("p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms (%llu samples)",
                   ms(h.percentile(50)), ms(h.percentile(90)), ms(h.percentile(99)),
                   ms(h.percentile(99.9)), ms(h.max()), static_cast<unsigned long long>(h.count()));
    };
    std::printf("hashchat-load: %s mode, %s\n", opts.mode == load_mode::raw ? "raw" : "hashchat",
                opts.url.c_str());
    line("clients",
         fmt("%d ready, %d failed (%d sessions, %d posters)", r.clients_ready, r.clients_failed,
             opts.mode == load_mode::raw ? 1 : opts.sessions, opts.posters));
    for (const auto& [why, n] : r.failures) line("  failure", fmt("%d x %s", n, why.c_str()));
    line("connect", fmt("p50 %.3f  p99 %.3f  max %.3f ms; all in %.2f s",
                        ms(s.connect.percentile(50)), ms(s.connect.percentile(99)),
                        ms(s.connect.max()), seconds(r.time.connect_end - r.time.connect_begin)));
    line("window", fmt("%.2f s after %.1f s warm-up", window_seconds(r), opts.warmup));
    line("posts/s", fmt("%.1f sent, %.1f acked (target %.1f)", per_second(s.posts_in_window, r),
                        per_second(s.acks_in_window, r), opts.rate));
    line("deliveries/s", fmt("%.0f", per_second(s.deliveries_in_window, r)));
    line("end-to-end latency", lat(s.latency));
    if (opts.mode == load_mode::hashchat) line("post -> ack", lat(s.ack_latency));
    line("scheduler lag",
         fmt("p99 %.3f  max %.3f ms", ms(r.time.lag.percentile(99)), ms(r.time.lag.max())));
    line("posts",
         fmt("%lld sent, %lld acked, %lld refused", static_cast<long long>(r.posts_sent),
             static_cast<long long>(r.posts_acked), static_cast<long long>(r.posts_refused)));
    line("lost / dup / out of order",
         fmt("%lld / %lld / %lld", static_cast<long long>(r.lost),
             static_cast<long long>(r.duplicated), static_cast<long long>(r.out_of_order)));
    for (const auto& [code, n] : r.errors) {
        line("  error", fmt("%s x %lld", code.c_str(), static_cast<long long>(n)));
    }
    for (const auto& [code, n] : r.closes) {
        line("  close by server", fmt("%d x %lld", code, static_cast<long long>(n)));
    }
    if (r.disconnected > 0) line("dropped", fmt("%lld", static_cast<long long>(r.disconnected)));
    if (r.unknown_messages > 0) {
        line("unparsed messages", fmt("%lld", static_cast<long long>(r.unknown_messages)));
    }
    line("drain", fmt("%s in %.3f s", r.time.drained ? "complete" : "INCOMPLETE",
                      seconds(r.time.drain_end - r.time.window_end)));
    line("generator CPU",
         fmt("%.2f s in the window = %.1f%% of one core (%d thread%s)", r.time.cpu_window_seconds,
             cpu_percent(r), opts.threads, opts.threads == 1 ? "" : "s"));
    line("reads", fmt("%llu (%.1f messages per read, %.1f MB received)",
                      static_cast<unsigned long long>(s.reads),
                      s.reads ? static_cast<double>(s.frames) / static_cast<double>(s.reads) : 0.0,
                      static_cast<double>(s.bytes) / 1e6));
    if (v.problems.empty()) {
        std::printf("PASS\n");
    } else {
        for (const auto& p : v.problems) std::printf("FAIL: %s\n", p.c_str());
    }
    std::fflush(stdout);
}

nlohmann::json report_json(const options& opts, const run_result& r, const judgement& v) {
    const auto& s = r.stats;
    nlohmann::json errors = nlohmann::json::object();
    for (const auto& [code, n] : r.errors) errors[code] = n;
    nlohmann::json closes = nlohmann::json::object();
    for (const auto& [code, n] : r.closes) closes[std::to_string(code)] = n;
    nlohmann::json failures = nlohmann::json::object();
    for (const auto& [why, n] : r.failures) failures[why] = n;
    nlohmann::json j{
        {"options",
         {{"mode", opts.mode == load_mode::raw ? "raw" : "hashchat"},
          {"url", opts.url},
          {"clients", opts.clients},
          {"sessions", opts.sessions},
          {"posters", opts.posters},
          {"rate", opts.rate},
          {"warmup_s", opts.warmup},
          {"duration_s", opts.duration},
          {"threads", opts.threads},
          {"post_bytes", opts.post_bytes}}},
        {"passed", v.problems.empty()},
        {"problems", v.problems},
        {"clients",
         {{"ready", r.clients_ready}, {"failed", r.clients_failed}, {"failures", failures}}},
        {"connect", summary_ms(s.connect, false)},
        {"connect_all_s", round3(seconds(r.time.connect_end - r.time.connect_begin))},
        {"window_s", round3(window_seconds(r))},
        {"posts_sent_per_s", round3(per_second(s.posts_in_window, r))},
        {"posts_acked_per_s", round3(per_second(s.acks_in_window, r))},
        {"deliveries_per_s", round3(per_second(s.deliveries_in_window, r))},
        {"latency", summary_ms(s.latency, true)},
        {"ack_latency", summary_ms(s.ack_latency, true)},
        {"scheduler_lag", summary_ms(r.time.lag, false)},
        {"posts", {{"sent", r.posts_sent}, {"acked", r.posts_acked}, {"refused", r.posts_refused}}},
        {"lost", r.lost},
        {"duplicated", r.duplicated},
        {"out_of_order", r.out_of_order},
        {"unparsed_messages", r.unknown_messages},
        {"dropped_connections", r.disconnected},
        {"errors", errors},
        {"server_closes", closes},
        {"drained", r.time.drained},
        {"drain_s", round3(seconds(r.time.drain_end - r.time.window_end))},
        {"cpu",
         {{"window_s", round3(r.time.cpu_window_seconds)},
          {"percent_of_one_core", round3(cpu_percent(r))},
          {"run_s", round3(r.time.cpu_total_seconds)}}},
        {"io", {{"reads", s.reads}, {"messages", s.frames}, {"bytes", s.bytes}}},
    };
    return j;
}

}  // namespace hashchat::bench::load
