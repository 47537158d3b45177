#include "server/outbox.hpp"

namespace hashchat::server {

bool outbox::push(frame_ptr frame, bool event, std::int64_t now_ms) {
    queued q;
    q.bytes = frame->size();
    q.frame = std::move(frame);
    q.event = event;
    return enqueue(std::move(q), now_ms);
}

bool outbox::push(event_batch batch, std::int64_t now_ms) {
    queued q;
    q.bytes = batch.bytes;
    q.batch = std::move(batch.frames);
    q.message = std::move(batch.message);
    q.event = true;
    q.origin_ms = batch.origin_ms;
    return enqueue(std::move(q), now_ms);
}

bool outbox::backlog(std::vector<frame_ptr> frames, core::seq_t next, bool live,
                     std::int64_t now_ms) {
    fetch_pending_ = false;
    catching_up_ = !live;
    backlog_next_ = next;
    for (auto& f : frames) {
        if (!push(std::move(f), true, now_ms)) return false;
    }
    return true;
}

bool outbox::enqueue(queued q, std::int64_t now_ms) {
    if (q.bytes == 0) return true;
    if (queue_.empty() && in_flight_bytes_ == 0) last_progress_ms_ = now_ms;
    queued_bytes_ += q.bytes;
    queue_.push_back(std::move(q));
    if (queued_bytes_ > bound_) return false;
    if (joined_ && queued_bytes_ > bound_ / 2) congested_ = true;
    return true;
}

std::optional<core::seq_t> outbox::next_fetch() {
    // The next backlog chunk only once the queue has drained, so a far-behind client is fed at
    // the pace it reads and never fills its queue.
    if (!catching_up_ || fetch_pending_ || queued_bytes_ > budget()) return std::nullopt;
    fetch_pending_ = true;
    return backlog_next_;
}

std::size_t outbox::drop() {
    std::size_t dropped = 0;
    for (const auto& q : queue_) dropped += q.bytes;
    queue_.clear();
    queued_bytes_ -= dropped;
    return dropped;
}

namespace {

// Writes a server frame's header (FIN, text, unmasked, the payload length) at `out`; returns
// its size (2, 4 or 10 bytes).
std::size_t text_frame_header(std::size_t length, char* out) {
    out[0] = static_cast<char>(0x81);
    if (length < 126) {
        out[1] = static_cast<char>(length);
        return 2;
    }
    if (length <= 0xffff) {
        out[1] = 126;
        out[2] = static_cast<char>(length >> 8);
        out[3] = static_cast<char>(length);
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; ++i) {
        out[2 + i] = static_cast<char>(static_cast<std::uint64_t>(length) >> (56 - 8 * i));
    }
    return 10;
}

}  // namespace

const std::vector<std::string_view>& outbox::gather() {
    in_flight_.clear();
    in_flight_origins_.clear();
    pieces_.clear();
    in_flight_bytes_ = 0;
    in_flight_events_ = 0;
    std::size_t messages = 0;
    std::size_t header_at = 0;
    while (!queue_.empty() && messages < max_messages && in_flight_bytes_ < max_batch_bytes) {
        const std::size_t header_piece = pieces_.size();
        pieces_.emplace_back();  // the header, once the length is known
        std::size_t length = 0;
        auto& q = queue_.front();
        if (!q.event) {
            pieces_.emplace_back(*q.frame);
            length = q.bytes;
            in_flight_bytes_ += q.bytes;
            in_flight_.push_back(std::move(q.frame));
            queue_.pop_front();
        } else if (q.message && q.next == 0 && (queue_.size() == 1 || !queue_[1].event) &&
                   q.batch->size() <= max_batch_events && q.bytes <= max_batch_bytes) {
            // The usual case: a whole live batch and no other events waiting. It goes as the
            // message the room built once for every member: one buffer, nothing copied.
            pieces_.emplace_back(*q.message);
            length = q.message->size();
            in_flight_bytes_ += q.bytes;
            in_flight_events_ += q.batch->size();
            if (q.origin_ms != 0) in_flight_origins_.emplace_back(q.origin_ms, q.batch->size());
            in_flight_.push_back(std::move(q.message));
            queue_.pop_front();
        } else {
            gather_events(length);
        }
        pieces_[header_piece] = std::string_view(
            headers_.data() + header_at, text_frame_header(length, headers_.data() + header_at));
        header_at += pieces_[header_piece].size();
        ++messages;
    }
    messages_ = messages;
    return pieces_;
}

void outbox::gather_events(std::size_t& length) {
    // Consecutive queued events go out as one `events` message: the same bytes every other
    // member gets (shared, not copied), between a shared prefix and suffix.
    std::size_t events = 0;
    std::size_t bytes = 0;
    const std::size_t first = pieces_.size();
    pieces_.push_back(events_open);
    while (!queue_.empty() && queue_.front().event && events < max_batch_events) {
        auto& e = queue_.front();
        const frame_ptr& f = e.batch ? (*e.batch)[e.next] : e.frame;
        if (events > 0 && bytes + f->size() > max_batch_bytes) break;
        if (events > 0) pieces_.emplace_back(",");
        pieces_.emplace_back(*f);
        bytes += f->size();
        e.bytes -= f->size();
        ++events;
        if (e.origin_ms != 0) {
            if (in_flight_origins_.empty() || in_flight_origins_.back().first != e.origin_ms) {
                in_flight_origins_.emplace_back(e.origin_ms, 0);
            }
            ++in_flight_origins_.back().second;
        }
        if (e.batch) {
            // The batch stays alive while the write points into it.
            if (in_flight_.empty() || in_flight_.back().get() != e.batch.get()) {
                in_flight_.push_back(e.batch);
            }
            if (++e.next < e.batch->size()) continue;
        } else {
            in_flight_.push_back(std::move(e.frame));
        }
        queue_.pop_front();
    }
    pieces_.push_back(events_close);
    if (events == 1) {
        // A single event is sent as itself.
        pieces_.pop_back();
        pieces_.erase(pieces_.begin() + static_cast<std::ptrdiff_t>(first));
        length = bytes;
    } else {
        length = bytes + (events - 1) + events_open.size() + events_close.size();
    }
    in_flight_bytes_ += bytes;
    in_flight_events_ += events;
}

outbox::after_write outbox::written(std::int64_t now_ms) {
    after_write out;
    queued_bytes_ -= in_flight_bytes_;
    in_flight_.clear();
    pieces_.clear();
    in_flight_bytes_ = 0;
    out.events = std::exchange(in_flight_events_, 0);
    written_origins_.swap(in_flight_origins_);
    in_flight_origins_.clear();
    last_progress_ms_ = now_ms;
    if (congested_ && queued_bytes_ <= bound_ / 8) {
        congested_ = false;
        out.drained = true;
    }
    out.fetch = next_fetch();
    return out;
}

}  // namespace hashchat::server
