#include "server/fanout_interval.hpp"

#include <catch2/catch.hpp>

using hashchat::server::fanout_interval_us;

TEST_CASE("a session's broadcast interval grows with the size of its last broadcast", "[fanout]") {
    CHECK(fanout_interval_us(12, 0) == 12'000);  // nothing sent yet
    CHECK(fanout_interval_us(12, 1) == 12'000);
    CHECK(fanout_interval_us(12, 2) == 13'000);
    CHECK(fanout_interval_us(12, 5) == 16'000);
    CHECK(fanout_interval_us(12, 9) == 20'000);
    CHECK(fanout_interval_us(12, 10) == 20'000);  // at most 8 ms more
    CHECK(fanout_interval_us(12, 5'000) == 20'000);
    CHECK(fanout_interval_us(3, 4) == 6'000);
}

TEST_CASE("a zero base interval broadcasts every commit at once", "[fanout]") {
    CHECK(fanout_interval_us(0, 1) == 0);
    CHECK(fanout_interval_us(0, 500) == 0);
}

TEST_CASE("a session waits longer while the server's CPUs are busy, up to the same bound",
          "[fanout]") {
    CHECK(fanout_interval_us(12, 1, 500) == 12'000);  // half busy: the base
    CHECK(fanout_interval_us(12, 1, 700) == 12'000);  // from 70%...
    CHECK(fanout_interval_us(12, 1, 825) == 16'000);  // ...rising...
    CHECK(fanout_interval_us(12, 1, 950) == 20'000);  // ...to 8 ms more at 95%
    CHECK(fanout_interval_us(12, 1, 1'000) == 20'000);
    CHECK(fanout_interval_us(12, 7, 750) == 18'000);  // the larger of the two reasons
    CHECK(fanout_interval_us(12, 2, 825) == 16'000);
    CHECK(fanout_interval_us(0, 5, 1'000) == 0);
}
