#include "protocol/time_format.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <cstdio>
#include <sstream>

namespace hashchat::protocol {

namespace {

bool parse_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

struct fields {
    date::year_month_day ymd;
    std::chrono::milliseconds time_of_day{0};
    std::size_t end = 0;
};

// "YYYY-MM-DDTHH:MM[:SS[.fff]]"; `end` is where it stopped.
std::optional<fields> parse_fields(std::string_view s) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
    if (!parse_digits(s, 0, 4, y) || s.size() < 16 || s[4] != '-' || !parse_digits(s, 5, 2, mo) ||
        s[7] != '-' || !parse_digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') ||
        !parse_digits(s, 11, 2, h) || s[13] != ':' || !parse_digits(s, 14, 2, mi)) {
        return std::nullopt;
    }
    std::size_t pos = 16;
    if (pos < s.size() && s[pos] == ':') {
        if (!parse_digits(s, pos + 1, 2, sec)) return std::nullopt;
        pos += 3;
        if (pos < s.size() && s[pos] == '.') {
            std::size_t digits = 0;
            ++pos;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
                if (digits < 3) ms = ms * 10 + (s[pos] - '0');
                ++digits;
                ++pos;
            }
            if (digits == 0) return std::nullopt;
            for (; digits < 3; ++digits) ms *= 10;
        }
    }
    const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                                   date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
    fields f;
    f.ymd = ymd;
    f.time_of_day = std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(sec) +
                    std::chrono::milliseconds(ms);
    f.end = pos;
    return f;
}

}  // namespace

std::string format_instant(core::instant t) {
    const auto day = date::floor<date::days>(t);
    const date::year_month_day ymd{day};
    const date::hh_mm_ss<std::chrono::milliseconds> hms{t - day};
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long long>(hms.hours().count()),
                  static_cast<long long>(hms.minutes().count()),
                  static_cast<long long>(hms.seconds().count()),
                  static_cast<long long>(hms.subseconds().count()));
    return buf;
}

std::optional<core::instant> parse_instant(std::string_view s) {
    auto f = parse_fields(s);
    if (!f) return std::nullopt;
    const auto local = core::instant{date::sys_days{f->ymd}.time_since_epoch()} + f->time_of_day;
    std::string_view rest = s.substr(f->end);
    if (rest == "Z" || rest == "z") return local;
    int oh = 0, om = 0;
    if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && parse_digits(rest, 1, 2, oh) &&
        rest[3] == ':' && parse_digits(rest, 4, 2, om) && oh < 24 && om < 60) {
        const auto offset = std::chrono::hours(oh) + std::chrono::minutes(om);
        return rest[0] == '+' ? local - offset : local + offset;
    }
    return std::nullopt;
}

bool known_zone(std::string_view zone) {
    if (zone.empty() || zone.size() > 64) return false;
    try {
        (void)date::locate_zone(std::string(zone));
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

core::result<core::instant> local_to_instant(std::string_view local, std::string_view zone) {
    auto f = parse_fields(local);
    if (!f || f->end != local.size()) {
        return core::make_error(core::error_code::bad_request,
                                "\"start\" must be a local time like 2026-11-26T19:00.");
    }
    if (!known_zone(zone)) {
        return core::make_error(core::error_code::bad_request,
                                "Unknown time zone \"" + std::string(zone) +
                                    "\"; use an IANA name such as Europe/London.");
    }
    const auto* tz = date::locate_zone(std::string(zone));
    const date::local_time<std::chrono::milliseconds> lt{
        date::local_days{f->ymd}.time_since_epoch() + f->time_of_day};
    const auto info = tz->get_info(lt);
    if (info.result == date::local_info::nonexistent) {
        return core::make_error(
            core::error_code::bad_request,
            "That local time does not exist in " + std::string(zone) + " (the clocks skip it).");
    }
    return core::instant{lt.time_since_epoch() - info.first.offset};
}

namespace {

core::instant local_wall_to_instant(const date::time_zone* tz,
                                    date::local_time<std::chrono::milliseconds> lt) {
    const auto info = tz->get_info(lt);
    if (info.result == date::local_info::nonexistent) {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(info.second.begin);
    }
    return core::instant{lt.time_since_epoch() - info.first.offset};
}

}  // namespace

core::result<std::vector<core::instant>> slow_releases(
    core::instant start, std::string_view zone, const std::optional<std::string>& release_time,
    std::optional<int> every_hours, std::size_t count) {
    std::vector<core::instant> out;
    if (every_hours) {
        for (std::size_t i = 0; i < count; ++i) {
            out.push_back(start + std::chrono::hours(static_cast<long long>(*every_hours) *
                                                     static_cast<long long>(i)));
        }
        return out;
    }
    if (!known_zone(zone)) {
        return core::make_error(core::error_code::bad_request,
                                "Unknown time zone \"" + std::string(zone) + "\".");
    }
    const auto* tz = date::locate_zone(std::string(zone));
    const auto local_start = tz->to_local(start);
    auto day = date::floor<date::days>(local_start);
    std::chrono::milliseconds time_of_day = local_start - day;
    if (release_time) {
        int h = 0, m = 0;
        if (release_time->size() != 5 || (*release_time)[2] != ':' ||
            !parse_digits(*release_time, 0, 2, h) || !parse_digits(*release_time, 3, 2, m) ||
            h > 23 || m > 59) {
            return core::make_error(core::error_code::bad_request,
                                    "\"release_time\" must be a local time like 07:00.");
        }
        time_of_day = std::chrono::hours(h) + std::chrono::minutes(m);
    }
    if (local_wall_to_instant(tz, day + time_of_day) < start) day += date::days(1);
    for (std::size_t i = 0; i < count; ++i) {
        out.push_back(
            local_wall_to_instant(tz, day + date::days(static_cast<int>(i)) + time_of_day));
    }
    return out;
}

core::result<std::string> local_time_text(core::instant t, std::string_view zone) {
    if (!known_zone(zone)) {
        return core::make_error(core::error_code::bad_request,
                                "Unknown time zone \"" + std::string(zone) + "\".");
    }
    const date::zoned_time<std::chrono::seconds> zt{std::string(zone),
                                                    date::floor<std::chrono::seconds>(t)};
    return date::format("%Y-%m-%dT%H:%M:%S", zt.get_local_time());
}

core::result<std::string> local_date(core::instant t, std::string_view zone) {
    if (!known_zone(zone)) {
        return core::make_error(core::error_code::bad_request,
                                "Unknown time zone \"" + std::string(zone) + "\".");
    }
    const date::zoned_time<std::chrono::milliseconds> zt{std::string(zone), t};
    return date::format("%Y-%m-%d", zt.get_local_time());
}

}  // namespace hashchat::protocol
