// Local wall times in a session's zone, fast enough for every post of a long transcript (the
// zone's current offset is kept until the instant it changes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace date {
class time_zone;
}

namespace hashchat::archive {

class local_clock {
  public:
    explicit local_clock(std::string_view zone);  // an unknown zone is UTC
    // "2026-11-26 19:05" / "19:05"
    std::string date_time(core::instant t);
    std::string time_of_day(core::instant t);
    // "Thursday 26 November 2026"
    std::string long_date(core::instant t);
    const std::string& zone() const { return zone_; }

  private:
    std::int64_t local_seconds(core::instant t);

    std::string zone_;
    const date::time_zone* tz_ = nullptr;
    std::int64_t valid_from_ = 1;
    std::int64_t valid_to_ = 0;
    std::int64_t offset_ = 0;
};

}  // namespace hashchat::archive
