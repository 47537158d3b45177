#include "archive/local_clock.hpp"

#include <date/tz.h>

#include <array>

namespace hashchat::archive {

local_clock::local_clock(std::string_view zone) : zone_(zone) {
    try {
        tz_ = date::locate_zone(std::string(zone));
    } catch (const std::exception&) {
        tz_ = nullptr;
        zone_ = "UTC";
    }
}

std::int64_t local_clock::local_seconds(core::instant t) {
    const auto s = std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
    if (tz_ != nullptr && (s < valid_from_ || s >= valid_to_)) {
        const auto info = tz_->get_info(date::sys_seconds{std::chrono::seconds(s)});
        valid_from_ = info.begin.time_since_epoch().count();
        valid_to_ = info.end.time_since_epoch().count();
        offset_ = info.offset.count();
    }
    return s + offset_;
}

namespace {

std::string two(long v) {
    return std::string(1, static_cast<char>('0' + v / 10)) + static_cast<char>('0' + v % 10);
}

}  // namespace

std::string local_clock::time_of_day(core::instant t) {
    const auto s = local_seconds(t);
    const auto day_s = ((s % 86400) + 86400) % 86400;
    return two(day_s / 3600) + ":" + two(day_s % 3600 / 60);
}

std::string local_clock::date_time(core::instant t) {
    const auto s = local_seconds(t);
    const date::sys_days day{date::floor<date::days>(date::sys_seconds{std::chrono::seconds(s)})};
    const date::year_month_day ymd{day};
    return std::to_string(static_cast<int>(ymd.year())) + "-" +
           two(static_cast<unsigned>(ymd.month())) + "-" + two(static_cast<unsigned>(ymd.day())) +
           " " + time_of_day(t);
}

std::string local_clock::long_date(core::instant t) {
    static constexpr std::array<const char*, 7> days = {
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
    static constexpr std::array<const char*, 12> months = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};
    const auto s = local_seconds(t);
    const date::sys_days day{date::floor<date::days>(date::sys_seconds{std::chrono::seconds(s)})};
    const date::year_month_day ymd{day};
    const date::weekday wd{day};
    return std::string(days[wd.c_encoding()]) + " " +
           std::to_string(static_cast<unsigned>(ymd.day())) + " " +
           months[static_cast<unsigned>(ymd.month()) - 1] + " " +
           std::to_string(static_cast<int>(ymd.year()));
}

}  // namespace hashchat::archive
