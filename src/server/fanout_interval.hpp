// How long a busy session waits between broadcasts (coalescing in time; see room::fan_out).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace hashchat::server {

// Microseconds before the next broadcast may start: --fanout-interval-ms (`base_ms`, 10 by
// default) plus up to 10 ms more, the larger of
// - 1 ms for each event beyond the first in the last broadcast: a session posting now and then
//   waits the base interval; one with a crowd posting at once spaces its writes further, so each
//   carries more events;
// - 0 while the server's CPUs are less than 70% busy (`busy_permille`), rising to 10 ms at 95%:
//   on a saturated core fewer, larger writes are what relieves it.
// 0 when `base_ms` is 0 (every commit goes out at once).
//
// Measured at 1,000 members (docs/performance.md): at 100 posts/s (one or two events a batch)
// the short interval is needed for p99 <= 25 ms, since a broadcast itself takes about 10 ms to
// write to them all; at 1,000 posts/s a fixed 12 ms kept the I/O thread saturated (p99 56 ms)
// where 20 ms did not (31 ms); and on a slower host 12 ms saturated the core already at
// 100 posts/s (83,000 writes a second, p99 43 ms, where 20 ms gave 33-36 ms). Since the
// connections write directly (ws_session::do_write) a write costs less, and a base of 10 ms
// gave p99 20-23 ms at 100 posts/s where 12 ms gave 24-25 ms.
constexpr std::int64_t fanout_interval_us(int base_ms, std::size_t last_batch_events,
                                          std::int64_t busy_permille = 0) {
    if (base_ms <= 0) return 0;
    const std::size_t events = std::min<std::size_t>(last_batch_events, 11);
    const std::int64_t crowd = static_cast<std::int64_t>(events > 0 ? events - 1 : 0) * 1000;
    const std::int64_t over = std::clamp<std::int64_t>(busy_permille - 700, 0, 250);
    const std::int64_t busy = over * 10000 / 250;
    return std::int64_t{base_ms} * 1000 + std::max(crowd, busy);
}

}  // namespace hashchat::server
