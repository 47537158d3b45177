#include "core/rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace hashchat::core {

std::optional<duration> token_bucket::take(instant now) {
    if (rule_.unlimited()) return std::nullopt;
    if (last_ && now > *last_) {
        const double seconds = std::chrono::duration<double>(now - *last_).count();
        tokens_ = std::min(rule_.burst, tokens_ + seconds * rule_.per_second);
    }
    if (!last_ || now > *last_) last_ = now;
    if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        return std::nullopt;
    }
    const double wait_s = (1.0 - tokens_) / rule_.per_second;
    return duration{static_cast<long long>(std::ceil(wait_s * 1000.0))};
}

std::optional<duration> window_limit::take(instant now) {
    while (!times_.empty() && times_.front() + window_ <= now) times_.pop_front();
    if (times_.size() >= limit_) return times_.front() + window_ - now;
    times_.push_back(now);
    return std::nullopt;
}

message_bucket bucket_of(const command* cmd) {
    if (!cmd) return message_bucket::other;
    if (std::holds_alternative<post_cmd>(*cmd) || std::holds_alternative<edit_cmd>(*cmd) ||
        std::holds_alternative<announce_cmd>(*cmd)) {
        return message_bucket::post;
    }
    if (std::holds_alternative<like_cmd>(*cmd)) return message_bucket::like;
    return message_bucket::other;
}

}  // namespace hashchat::core
