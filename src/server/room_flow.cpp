// The room's flow control: push-back while fan-out is behind (commands wait, then
// rate_limited), and the drain at shutdown.
#include <boost/asio/post.hpp>

#include "server/room.hpp"
#include "server/steady.hpp"

namespace hashchat::server {

namespace net = boost::asio;

void room::drained() {
    net::post(strand_, [self = shared_from_this()] {
        if (!self->waiting_.empty()) self->process_waiting();
    });
}

void room::drain(std::uint16_t code, std::function<void()> done) {
    net::post(strand_, [self = shared_from_this(), code, done = std::move(done)] {
        self->draining_ = true;
        self->process_waiting();
        self->when_durable([self, code, done] {
            for (auto& [id, m] : self->members_) m.conn->close(code);
            done();
        });
    });
}

bool room::overloaded() const {
    // What is on its way to every member plus the longest queue of a member that reads: past
    // half the bound, fan-out is behind and participants' commands wait.
    return pending_bytes_ + fanout_backlog_ > deps_.queue_bytes / 2;
}

void room::rescan_members() {
    const auto now = steady_now_ms();
    std::size_t longest = 0;
    for (const auto& [id, m] : members_) {
        if (!m.live) continue;
        const std::size_t q = m.conn->queued_bytes();
        // A long queue that has not moved belongs to a reader that stopped: it is dropped at
        // its bound instead of holding everyone back.
        if (q > 0 && now - m.conn->last_progress_ms() >= stalled_after_ms) continue;
        longest = std::max(longest, q);
    }
    fanout_backlog_ = longest;
}

void room::process_waiting() {
    rescan_members();
    while (!waiting_.empty() && (draining_ || !overloaded())) {
        auto w = std::move(waiting_.front());
        waiting_.pop_front();
        auto it = members_.find(w.conn->id());
        if (it == members_.end()) continue;  // left: it resends its posts after rejoining
        origin_ms_ = w.arrived_ms;
        execute(w.conn, it->second.who, w.cmd, w.rid, w.cid);
        origin_ms_ = 0;
    }
    if (!waiting_.empty()) {
        // Congestion ends when a queue drains (drained()) or when its reader turns out to have
        // stopped; look again shortly in case it is the latter.
        recheck_.expires_after(std::chrono::milliseconds(500));
        recheck_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (!ec) self->process_waiting();
        });
    }
}

}  // namespace hashchat::server
