// A log-bucket histogram of durations in nanoseconds: fixed memory (about 60 KB) however many
// samples, relative error under 1% (128 sub-buckets per power of two), mergeable across threads.
#pragma once

#include <array>
#include <cstdint>

namespace hashchat::bench::load {

class histogram {
  public:
    static constexpr int sub_bits = 7;
    static constexpr std::uint64_t sub_count = 1u << sub_bits;
    static constexpr std::size_t bucket_count = (64 - sub_bits + 1) * sub_count;

    void record(std::uint64_t ns) {
        ++buckets_[index_of(ns)];
        ++count_;
        sum_ += ns;
        if (ns > max_) max_ = ns;
        if (ns < min_) min_ = ns;
    }
    void merge(const histogram& other);

    std::uint64_t count() const { return count_; }
    std::uint64_t max() const { return count_ ? max_ : 0; }
    std::uint64_t min() const { return count_ ? min_ : 0; }
    double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }
    // The value at or below which `p` percent (0-100) of the samples lie; never above max().
    std::uint64_t percentile(double p) const;

    static std::size_t index_of(std::uint64_t v) {
        if (v < sub_count) return static_cast<std::size_t>(v);
        const int top = 63 - __builtin_clzll(v);  // >= sub_bits
        const int shift = top - sub_bits;
        return static_cast<std::size_t>((shift + 1) * sub_count + ((v >> shift) - sub_count));
    }
    // The largest value that falls in bucket `i`.
    static std::uint64_t upper_of(std::size_t i);

  private:
    std::array<std::uint64_t, bucket_count> buckets_{};
    std::uint64_t count_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t max_ = 0;
    std::uint64_t min_ = UINT64_MAX;
};

}  // namespace hashchat::bench::load
