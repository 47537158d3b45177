#include "histogram.hpp"

#include <algorithm>
#include <cmath>

namespace hashchat::bench::load {

void histogram::merge(const histogram& other) {
    for (std::size_t i = 0; i < bucket_count; ++i) buckets_[i] += other.buckets_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
}

std::uint64_t histogram::upper_of(std::size_t i) {
    if (i < sub_count) return i;
    const std::size_t shift = i / sub_count - 1;
    const std::uint64_t base = (sub_count + i % sub_count) << shift;
    return base + ((std::uint64_t{1} << shift) - 1);
}

std::uint64_t histogram::percentile(double p) const {
    if (count_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(
        std::max(1.0, std::ceil(p / 100.0 * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += buckets_[i];
        if (seen >= rank) return std::min(upper_of(i), max_);
    }
    return max_;
}

}  // namespace hashchat::bench::load
