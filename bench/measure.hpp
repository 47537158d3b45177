// Timing and summaries for the benchmarks: a stopwatch, and percentiles of a sample.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <vector>

namespace hashchat::bench {

class stopwatch {
  public:
    stopwatch() : start_(std::chrono::steady_clock::now()) {}
    double ms() const {
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_)
            .count();
    }

  private:
    std::chrono::steady_clock::time_point start_;
};

// Nearest-rank percentile (p in 0..100) of a sample.
inline double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto rank =
        static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

inline double round2(double v) { return std::round(v * 100.0) / 100.0; }

struct summary {
    std::size_t n = 0;
    double best = 0, p50 = 0, p95 = 0, p99 = 0, max = 0;

    static summary of(const std::vector<double>& v) {
        summary s;
        s.n = v.size();
        if (v.empty()) return s;
        s.best = *std::min_element(v.begin(), v.end());
        s.p50 = percentile(v, 50);
        s.p95 = percentile(v, 95);
        s.p99 = percentile(v, 99);
        s.max = *std::max_element(v.begin(), v.end());
        return s;
    }
    nlohmann::json json() const {
        return {{"n", n},
                {"best_ms", round2(best)},
                {"p50_ms", round2(p50)},
                {"p95_ms", round2(p95)},
                {"p99_ms", round2(p99)},
                {"max_ms", round2(max)}};
    }
};

}  // namespace hashchat::bench
