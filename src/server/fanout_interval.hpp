// How long a busy session waits between broadcasts (coalescing in time; see room::fan_out).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace hashchat::server {

// Microseconds before the next broadcast may start: --fanout-interval-ms (`base_ms`, 12 by
// default) plus 1 ms for each event beyond the first in the last broadcast, up to 8 ms more; 0
// when `base_ms` is 0 (every commit goes out at once). A session posting now and then waits the
// base interval; one with a crowd posting at once spaces its writes further, so each carries
// more events.
//
// Measured at 1,000 members (docs/performance.md): at 100 posts/s (one or two events a batch)
// the short interval is needed for p99 <= 25 ms, since a broadcast itself takes about 10 ms to
// write to them all; at 1,000 posts/s a fixed 12 ms kept the I/O thread saturated (p99 56 ms)
// where 20 ms did not (31 ms). An interval following the measured broadcast time was tried and
// was noisier: the number of writes, not their size, decides that time.
constexpr std::int64_t fanout_interval_us(int base_ms, std::size_t last_batch_events) {
    if (base_ms <= 0) return 0;
    const std::size_t extra = std::min<std::size_t>(last_batch_events, 9);
    return (std::int64_t{base_ms} + static_cast<std::int64_t>(extra > 0 ? extra - 1 : 0)) * 1000;
}

}  // namespace hashchat::server
