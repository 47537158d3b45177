// A token bucket: `burst` requests at once, refilled at `per_second`. Pure: time comes in.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>

#include "core/session.hpp"
#include "core/time.hpp"

namespace hashchat::core {

struct bucket_rule {
    double burst = 10;
    double per_second = 1;
    bool unlimited() const { return per_second <= 0; }
};

class token_bucket {
  public:
    explicit token_bucket(bucket_rule rule = {}) : rule_(rule), tokens_(rule.burst) {}

    // Takes one token at `now`; if there is none, how long until there is one.
    std::optional<duration> take(instant now);

  private:
    bucket_rule rule_;
    double tokens_;
    std::optional<instant> last_;
};

// At most `limit` in any `window` (sliding): session creations per network address per hour.
// Pure: time comes in.
class window_limit {
  public:
    window_limit(std::size_t limit, duration window) : limit_(limit), window_(window) {}

    // Counts one at `now` if the window has room; else how long until it has.
    std::optional<duration> take(instant now);

  private:
    std::size_t limit_;
    duration window_;
    std::deque<instant> times_;
};

// A connection's messages draw on three buckets: what writes text others read (posts, edits,
// announcements), likes, and everything else (hello, ping, moderation, control...). `cmd` is
// null for a message that is not a command.
enum class message_bucket { post, like, other };
message_bucket bucket_of(const command* cmd);

}  // namespace hashchat::core
