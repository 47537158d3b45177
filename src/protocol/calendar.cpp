#include "protocol/calendar.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>

#include "core/timetable.hpp"

namespace hashchat::protocol {

namespace {

using std::chrono::milliseconds;

std::string utc_stamp(core::instant t) {
    return date::format("%Y%m%dT%H%M%SZ", date::floor<std::chrono::seconds>(t));
}

std::string local_stamp(date::local_time<milliseconds> t) {
    return date::format("%Y%m%dT%H%M%S", date::floor<std::chrono::seconds>(t));
}

std::string offset_text(std::chrono::seconds off) {
    const char sign = off < std::chrono::seconds{0} ? '-' : '+';
    const auto a = off < std::chrono::seconds{0} ? -off : off;
    const auto h = std::chrono::duration_cast<std::chrono::hours>(a);
    const auto m = std::chrono::duration_cast<std::chrono::minutes>(a - h);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%c%02d%02d", sign, static_cast<int>(h.count()),
                  static_cast<int>(m.count()));
    return buf;
}

// The zone's observances between `from` and `to`, each as a STANDARD or DAYLIGHT block.
std::string vtimezone(const date::time_zone* tz, core::instant from, core::instant to) {
    std::string out = "BEGIN:VTIMEZONE\r\n" + ical_fold("TZID:" + tz->name()) + "\r\n";
    auto info = tz->get_info(date::floor<std::chrono::seconds>(from));
    std::chrono::seconds previous = info.offset;
    bool first = true;
    while (true) {
        const bool daylight = info.save != std::chrono::minutes{0};
        const auto begin = first ? date::floor<std::chrono::seconds>(from) : info.begin;
        const date::local_seconds local_begin{begin.time_since_epoch() + previous};
        out += daylight ? "BEGIN:DAYLIGHT\r\n" : "BEGIN:STANDARD\r\n";
        out += "DTSTART:" + date::format("%Y%m%dT%H%M%S", local_begin) + "\r\n";
        out += "TZOFFSETFROM:" + offset_text(previous) + "\r\n";
        out += "TZOFFSETTO:" + offset_text(info.offset) + "\r\n";
        out += ical_fold("TZNAME:" + ical_escape(info.abbrev)) + "\r\n";
        out += daylight ? "END:DAYLIGHT\r\n" : "END:STANDARD\r\n";
        if (info.end >= date::floor<std::chrono::seconds>(to) ||
            info.end == date::sys_seconds::max()) {
            break;
        }
        previous = info.offset;
        info = tz->get_info(info.end);
        first = false;
    }
    return out + "END:VTIMEZONE\r\n";
}

core::duration live_length(const core::session_config& c) {
    core::duration total{0};
    for (const auto& seg : core::segments_of(c.timetable)) total += seg.length;
    return total;
}

}  // namespace

std::string ical_escape(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        if (ch == '\\' || ch == ';' || ch == ',') {
            out += '\\';
            out += ch;
        } else if (ch == '\r') {
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
            out += "\\n";
        } else if (ch == '\n') {
            out += "\\n";
        } else if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t') {
            // other controls have no place in a calendar
        } else {
            out += ch;
        }
    }
    return out;
}

std::string ical_fold(std::string_view line) {
    std::string out;
    std::size_t width = 0;
    for (std::size_t i = 0; i < line.size();) {
        std::size_t len = 1;
        const auto c = static_cast<unsigned char>(line[i]);
        if (c >= 0xF0)
            len = 4;
        else if (c >= 0xE0)
            len = 3;
        else if (c >= 0xC0)
            len = 2;
        if (width + len > 75) {
            out += "\r\n ";
            width = 1;
        }
        out.append(line.substr(i, len));
        width += len;
        i += len;
    }
    return out;
}

core::result<std::string> session_calendar(const core::session_config& c, std::string_view base_url,
                                           core::instant now) {
    if (!c.timetable.start) {
        return core::make_error(core::error_code::not_found,
                                "This chat has no scheduled start: the moderator starts it.");
    }
    return sessions_calendar({c}, c.hashtag + " " + c.title, base_url, now);
}

core::result<std::string> sessions_calendar(const std::vector<core::session_config>& configs,
                                            std::string_view name, std::string_view base_url,
                                            core::instant now) {
    struct item {
        std::string uid;
        std::string summary;
        std::string description;
        std::string join;
        core::instant start;
        core::instant end;
    };
    std::vector<item> items;
    std::string zone;
    for (const auto& c : configs) {
        if (!c.timetable.start) continue;
        zone = c.timezone;
        const std::string join = std::string(base_url) + "/s/" + c.id;
        std::string description = c.description.empty() ? "" : c.description + "\n\n";
        description += "Join: " + join + "\n(Times are in " + c.timezone + ".)";
        if (c.timetable.slow) {
            for (std::size_t i = 0; i < c.timetable.releases.size(); ++i) {
                const auto at = c.timetable.releases[i];
                items.push_back({c.id + "-q" + std::to_string(i + 1) + "@hashchat",
                                 c.hashtag + " Q" + std::to_string(i + 1) + ": " +
                                     c.timetable.questions[i].text,
                                 description, join, at, at + std::chrono::hours(1)});
            }
        } else {
            const auto start = *c.timetable.start;
            items.push_back({c.id + "@hashchat", c.hashtag + " " + c.title, description, join,
                             start, start + live_length(c)});
        }
    }
    if (items.empty()) {
        return core::make_error(core::error_code::not_found, "Nothing here has a scheduled start.");
    }
    const date::time_zone* tz = nullptr;
    try {
        tz = date::locate_zone(zone);
    } catch (const std::exception&) {
        return core::make_error(core::error_code::not_found, "Unknown time zone.");
    }
    std::sort(items.begin(), items.end(),
              [](const item& a, const item& b) { return a.start < b.start; });
    std::string out =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hashchat//hashchat 0.1//EN\r\n"
        "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n";
    out += ical_fold("X-WR-CALNAME:" + ical_escape(name)) + "\r\n";
    out += vtimezone(tz, items.front().start - std::chrono::hours(24 * 31),
                     items.back().end + std::chrono::hours(24 * 31));
    for (const auto& it : items) {
        out += "BEGIN:VEVENT\r\n";
        out += ical_fold("UID:" + it.uid) + "\r\n";
        out += "DTSTAMP:" + utc_stamp(now) + "\r\n";
        out += ical_fold("DTSTART;TZID=" + tz->name() + ":" + local_stamp(tz->to_local(it.start))) +
               "\r\n";
        out += ical_fold("DTEND;TZID=" + tz->name() + ":" + local_stamp(tz->to_local(it.end))) +
               "\r\n";
        out += ical_fold("SUMMARY:" + ical_escape(it.summary)) + "\r\n";
        out += ical_fold("DESCRIPTION:" + ical_escape(it.description)) + "\r\n";
        out += ical_fold("URL:" + it.join) + "\r\n";
        out += "END:VEVENT\r\n";
    }
    out += "END:VCALENDAR\r\n";
    return out;
}

}  // namespace hashchat::protocol
