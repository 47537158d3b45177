// Instants on the wire (ISO 8601 UTC) and local wall times in IANA zones.
#include "protocol/time_format.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"

using namespace hashchat;
using core::error_code;
using test::at_min;
using test::instant_of;

TEST_CASE("format_instant and parse_instant", "[protocol]") {
    CHECK(protocol::format_instant(core::instant{}) == "1970-01-01T00:00:00.000Z");
    CHECK(protocol::format_instant(test::t0()) == "2026-11-26T19:00:00.000Z");
    CHECK(protocol::format_instant(at_min(0, 1)) == "2026-11-26T19:00:00.001Z");
    CHECK(protocol::format_instant(at_min(299, 59'999)) == "2026-11-26T23:59:59.999Z");

    for (const auto t : {core::instant{}, test::t0(), at_min(0, 123), at_min(-60 * 24 * 400, 7),
                         at_min(60 * 24 * 366 * 10, 999)}) {
        const auto s = protocol::format_instant(t);
        CAPTURE(s);
        CHECK(protocol::parse_instant(s) == t);
    }

    CHECK(protocol::parse_instant("2026-11-26T19:00Z") == test::t0());
    CHECK(protocol::parse_instant("2026-11-26T19:00:00Z") == test::t0());
    CHECK(protocol::parse_instant("2026-11-26T19:00:00.5Z") == at_min(0, 500));
    CHECK(protocol::parse_instant("2026-11-26T19:00:00.123456Z") == at_min(0, 123));
    CHECK(protocol::parse_instant("2026-11-26T20:00:00+01:00") == test::t0());
    CHECK(protocol::parse_instant("2026-11-27T00:30:00+05:30") == test::t0());
    CHECK(protocol::parse_instant("2026-11-26T14:00:00.000-05:00") == test::t0());
    CHECK(protocol::parse_instant("2028-02-29T00:00:00Z").has_value());

    for (const char* bad :
         {"", "yesterday", "2026-11-26", "2026-11-26T19:00", "2026-11-26T19:00:00",
          "2026-11-26T19:00:00.Z", "2026-02-30T00:00Z", "2027-02-29T00:00Z", "2026-13-01T00:00Z",
          "2026-11-26T24:00Z", "2026-11-26T19:60Z", "2026-11-26T19:00:60Z",
          "2026-11-26T19:00:00+0100", "2026-11-26T19:00:00+01", "2026-11-26T19:00:00ZZ",
          "26-11-26T19:00Z", "2026/11/26T19:00Z"}) {
        CAPTURE(bad);
        CHECK_FALSE(protocol::parse_instant(bad).has_value());
    }
}

TEST_CASE("local_to_instant reads a wall time in an IANA zone", "[protocol]") {
    struct example {
        const char* local;
        const char* zone;
        const char* utc;
    };
    const std::vector<example> examples = {
        {"2026-11-26T19:00", "Europe/London", "2026-11-26T19:00:00.000Z"},  // GMT
        {"2026-07-01T19:00", "Europe/London", "2026-07-01T18:00:00.000Z"},  // BST
        {"2026-11-26T19:00", "America/Toronto", "2026-11-27T00:00:00.000Z"},
        {"2026-07-01T19:00:30", "America/Toronto", "2026-07-01T23:00:30.000Z"},
        {"2026-11-26T19:00", "Asia/Kolkata", "2026-11-26T13:30:00.000Z"},
        {"2026-07-01T19:00", "Asia/Kolkata", "2026-07-01T13:30:00.000Z"},
        {"2026-11-26T19:00", "UTC", "2026-11-26T19:00:00.000Z"},
        // After the spring change and before the autumn one.
        {"2026-03-29T02:00", "Europe/London", "2026-03-29T01:00:00.000Z"},
        {"2026-03-29T00:59", "Europe/London", "2026-03-29T00:59:00.000Z"},
        // An ambiguous time in the autumn takes the earlier instant (still BST).
        {"2026-10-25T01:30", "Europe/London", "2026-10-25T00:30:00.000Z"},
        {"2026-11-01T01:30", "America/Toronto", "2026-11-01T05:30:00.000Z"},
    };
    for (const auto& e : examples) {
        INFO(e.local << " in " << e.zone);
        const auto r = protocol::local_to_instant(e.local, e.zone);
        REQUIRE_OK(r);
        CHECK(protocol::format_instant(*r) == e.utc);
    }

    SECTION("a time skipped by daylight saving does not exist") {
        CHECK_ERR(protocol::local_to_instant("2026-03-29T01:30", "Europe/London"),
                  error_code::bad_request);
        CHECK_ERR(protocol::local_to_instant("2026-03-08T02:30", "America/Toronto"),
                  error_code::bad_request);
    }
    SECTION("unknown zones and malformed times") {
        CHECK_ERR(protocol::local_to_instant("2026-11-26T19:00", "Mars/Olympus_Mons"),
                  error_code::bad_request);
        CHECK_ERR(protocol::local_to_instant("2026-11-26T19:00", ""), error_code::bad_request);
        CHECK_ERR(protocol::local_to_instant("2026-11-26T19:00", "europe/london"),
                  error_code::bad_request);
        CHECK_ERR(protocol::local_to_instant("2026-11-26", "Europe/London"),
                  error_code::bad_request);
        CHECK_ERR(protocol::local_to_instant("2026-11-26T19:00Z", "Europe/London"),
                  error_code::bad_request);
        CHECK_ERR(protocol::local_to_instant("2026-11-31T19:00", "Europe/London"),
                  error_code::bad_request);
    }
    SECTION("known_zone and local_date") {
        CHECK(protocol::known_zone("Europe/London"));
        CHECK(protocol::known_zone("Asia/Kolkata"));
        CHECK_FALSE(protocol::known_zone("Nowhere/Special"));
        CHECK_FALSE(protocol::known_zone(std::string(100, 'a')));
        const auto d = protocol::local_date(instant_of("2026-11-27T00:00:00Z"), "America/Toronto");
        REQUIRE_OK(d);
        CHECK(*d == "2026-11-26");
        const auto k = protocol::local_date(instant_of("2026-11-26T19:00:00Z"), "Asia/Kolkata");
        REQUIRE_OK(k);
        CHECK(*k == "2026-11-27");
        CHECK_ERR(protocol::local_date(test::t0(), "Nowhere/Special"), error_code::bad_request);
    }
}
