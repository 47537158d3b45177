#include "server/fanout_interval.hpp"

#include <catch2/catch.hpp>

using hashchat::server::fanout_interval_us;

TEST_CASE("a session's broadcast interval grows with the size of its last broadcast", "[fanout]") {
    CHECK(fanout_interval_us(10, 0) == 10'000);  // nothing sent yet
    CHECK(fanout_interval_us(10, 1) == 10'000);
    CHECK(fanout_interval_us(10, 2) == 11'000);
    CHECK(fanout_interval_us(10, 5) == 14'000);
    CHECK(fanout_interval_us(10, 11) == 20'000);
    CHECK(fanout_interval_us(10, 12) == 20'000);  // at most 10 ms more
    CHECK(fanout_interval_us(10, 5'000) == 20'000);
    CHECK(fanout_interval_us(3, 4) == 6'000);
}

TEST_CASE("a zero base interval broadcasts every commit at once", "[fanout]") {
    CHECK(fanout_interval_us(0, 1) == 0);
    CHECK(fanout_interval_us(0, 500) == 0);
}

TEST_CASE("a session waits longer while the server's CPUs are busy, up to the same bound",
          "[fanout]") {
    CHECK(fanout_interval_us(10, 1, 500) == 10'000);  // half busy: the base
    CHECK(fanout_interval_us(10, 1, 700) == 10'000);  // from 70%...
    CHECK(fanout_interval_us(10, 1, 825) == 15'000);  // ...rising...
    CHECK(fanout_interval_us(10, 1, 950) == 20'000);  // ...to 10 ms more at 95%
    CHECK(fanout_interval_us(10, 1, 1'000) == 20'000);
    CHECK(fanout_interval_us(10, 9, 750) == 18'000);  // the larger of the two reasons
    CHECK(fanout_interval_us(10, 2, 825) == 15'000);
    CHECK(fanout_interval_us(0, 5, 1'000) == 0);
}
