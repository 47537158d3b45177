// Shared helpers of the unit tests: instants at whole minutes, a sample session and assertions on
// core::result that print the error when they fail.
#pragma once

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "core/session.hpp"
#include "core/time.hpp"
#include "core/timetable.hpp"
#include "protocol/time_format.hpp"

namespace hashchat::test {

// 2026-11-26T19:00:00.000Z, the start of the sample chat.
inline core::instant t0() {
    using namespace std::chrono;
    return core::instant{sys_days{year{2026} / November / 26}} + hours(19);
}

// t0 plus a number of minutes (and milliseconds).
inline core::instant at_min(long long minutes, long long ms = 0) {
    return t0() + std::chrono::minutes(minutes) + std::chrono::milliseconds(ms);
}

// An instant written as on the wire; the test stops if it does not parse.
inline core::instant instant_of(const char* iso) {
    auto t = protocol::parse_instant(iso);
    INFO("parse_instant(\"" << iso << "\")");
    REQUIRE(t.has_value());
    return *t;
}

template <typename T>
std::string describe(const core::result<T>& r) {
    if (r.ok()) return "ok";
    std::ostringstream os;
    os << r.err();
    return os.str();
}

// "ok" or the error code's name, so that a comparison prints both sides.
template <typename T>
std::string code_of(const core::result<T>& r) {
    return r.ok() ? std::string("ok") : std::string(core::to_string(r.err().code));
}

inline std::string name_of(core::error_code c) { return std::string(core::to_string(c)); }

// A live chat at t0: intro 5, `questions` questions of 8 minutes, wrap-up 5.
inline core::session_config sample_config(int questions = 3) {
    core::session_config c;
    c.id = "pubpd-2026-11-26";
    c.hashtag = "#PubPD";
    c.title = "PubPD Toronto";
    c.timezone = "America/Toronto";
    c.timetable.start = t0();
    c.timetable.intro_minutes = 5;
    c.timetable.round_minutes = 8;
    c.timetable.talk_minutes = 0;
    c.timetable.wrapup_minutes = 5;
    for (int i = 1; i <= questions; ++i) {
        c.timetable.questions.push_back(
            {"Question " + std::to_string(i), std::nullopt, std::nullopt});
    }
    c.created_at = t0() - std::chrono::hours(72);
    return c;
}

// A fresh directory under the system's temporary directory, removed with everything in it.
class temp_dir {
  public:
    temp_dir() {
        static std::atomic<int> counter{0};
        const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
        path_ = std::filesystem::temp_directory_path() /
                ("hashchat-test-" + std::to_string(::getpid()) + "-" + std::to_string(stamp) + "-" +
                 std::to_string(counter++));
        std::filesystem::create_directories(path_);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    std::filesystem::path file(const std::string& name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

}  // namespace hashchat::test

// Failing checks print instants as on the wire and durations in milliseconds.
namespace Catch {
template <>
struct StringMaker<hashchat::core::instant> {
    static std::string convert(hashchat::core::instant t) {
        return hashchat::protocol::format_instant(t);
    }
};
template <>
struct StringMaker<hashchat::core::duration> {
    static std::string convert(hashchat::core::duration d) {
        return std::to_string(d.count()) + " ms";
    }
};
template <>
struct StringMaker<hashchat::core::phase_state> {
    static std::string convert(const hashchat::core::phase_state& s) {
        std::ostringstream os;
        os << "{" << s.phase << " segment=" << s.segment;
        if (s.started_at) os << " started_at=" << hashchat::protocol::format_instant(*s.started_at);
        if (s.ends_at) os << " ends_at=" << hashchat::protocol::format_instant(*s.ends_at);
        if (s.phase == hashchat::core::phase_kind::paused) {
            os << " remaining=" << s.remaining.count() << "ms resume=" << s.resume_phase;
        }
        return os.str() + "}";
    }
};
}  // namespace Catch

// Each evaluates its argument once (it is often a command that changes the session).
#define REQUIRE_OK(expr)                                                 \
    do {                                                                 \
        const auto& require_ok_r_ = (expr);                              \
        INFO(#expr " -> " << ::hashchat::test::describe(require_ok_r_)); \
        REQUIRE(require_ok_r_.ok());                                     \
    } while (false)

#define CHECK_OK(expr)                                                 \
    do {                                                               \
        const auto& check_ok_r_ = (expr);                              \
        INFO(#expr " -> " << ::hashchat::test::describe(check_ok_r_)); \
        CHECK(check_ok_r_.ok());                                       \
    } while (false)

// Checks that a result failed with the given core::error_code.
#define CHECK_ERR(expr, code)                                                              \
    do {                                                                                   \
        const auto& check_err_r_ = (expr);                                                 \
        INFO(#expr " -> " << ::hashchat::test::describe(check_err_r_));                    \
        CHECK(::hashchat::test::code_of(check_err_r_) == ::hashchat::test::name_of(code)); \
    } while (false)
