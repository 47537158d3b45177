#include "core/session_rules.hpp"

#include <algorithm>
#include <cctype>

#include "core/text.hpp"

namespace hashchat::core {

namespace {

std::optional<error> check_range(const char* field, int value, int lo, int hi) {
    if (value < lo || value > hi) {
        return make_error(error_code::bad_request, std::string("\"") + field + "\" must be " +
                                                       std::to_string(lo) + " to " +
                                                       std::to_string(hi) + " minutes.");
    }
    return std::nullopt;
}

std::optional<error> check_text(const char* field, const std::string& s, std::size_t lo,
                                std::size_t hi) {
    const auto len = utf8_length(s);
    if (!len) {
        return make_error(error_code::bad_request,
                          std::string("\"") + field + "\" is not valid UTF-8.");
    }
    if (*len < lo || *len > hi || (lo > 0 && is_blank(s))) {
        return make_error(error_code::bad_request, std::string("\"") + field + "\" must be " +
                                                       std::to_string(lo) + " to " +
                                                       std::to_string(hi) + " characters.");
    }
    return std::nullopt;
}

}  // namespace

bool valid_hashtag(std::string_view hashtag) {
    if (!hashtag.empty() && hashtag.front() == '#') hashtag.remove_prefix(1);
    if (hashtag.empty() || hashtag.size() > 40) return false;
    return std::all_of(hashtag.begin(), hashtag.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    });
}

std::string slug_of(std::string_view hashtag) {
    std::string out;
    for (char c : hashtag) {
        if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else if (!out.empty() && out.back() != '-') {
            out += '-';
        }
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out.empty() ? "chat" : out;
}

std::optional<error> validate(const session_config& c) {
    if (!valid_hashtag(c.hashtag)) {
        return make_error(error_code::bad_request,
                          "\"hashtag\" must be 1 to 40 letters, digits or underscores, "
                          "optionally after #.");
    }
    if (auto e = check_text("title", c.title, 1, 200)) return e;
    if (auto e = check_text("description", c.description, 0, 2000)) return e;
    if (c.mode != "live" && c.mode != "slow") {
        return make_error(error_code::bad_request, "\"mode\" must be \"live\" or \"slow\".");
    }
    if (c.mode == "slow") {
        const auto& tt = c.timetable;
        if (!tt.slow || tt.releases.size() != tt.questions.size() ||
            !std::is_sorted(tt.releases.begin(), tt.releases.end())) {
            return make_error(error_code::bad_request,
                              "A slow chat releases each question at an instant of its rule.");
        }
        if (tt.close_after < std::chrono::hours(1) || tt.close_after > std::chrono::hours(720)) {
            return make_error(error_code::bad_request, "\"close_after_hours\" must be 1 to 720.");
        }
    }
    const auto& tt = c.timetable;
    if (auto e = check_range("intro_minutes", tt.intro_minutes, 0, 60)) return e;
    if (auto e = check_range("round_minutes", tt.round_minutes, 1, 240)) return e;
    if (auto e = check_range("talk_minutes", tt.talk_minutes, 0, 240)) return e;
    if (auto e = check_range("wrapup_minutes", tt.wrapup_minutes, 0, 120)) return e;
    // A session of a series may be made before its questions are written (PATCH adds them).
    if ((tt.questions.empty() && !c.series) || tt.questions.size() > 100) {
        return make_error(error_code::bad_request, "A chat needs 1 to 100 questions.");
    }
    for (const auto& q : tt.questions) {
        if (auto e = check_text("questions[].text", q.text, 1, 1000)) return e;
        if (q.round_minutes) {
            if (auto e = check_range("questions[].round_minutes", *q.round_minutes, 1, 240)) {
                return e;
            }
        }
        if (q.talk_minutes) {
            if (auto e = check_range("questions[].talk_minutes", *q.talk_minutes, 0, 240)) {
                return e;
            }
        }
    }
    if (c.options.slowdown_seconds < 0 || c.options.slowdown_seconds > 3600) {
        return make_error(error_code::bad_request,
                          "\"slowdown_seconds\" must be 0 (off) to 3600 seconds.");
    }
    return std::nullopt;
}

}  // namespace hashchat::core
