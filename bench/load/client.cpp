#include "client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <cstring>

#include "post_text.hpp"
#include "thread_stats.hpp"

namespace hashchat::bench::load {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Each client's read buffer starts small and doubles while reads fill it, up to this: under
// load one read system call takes many frames, while idle clients keep little memory.
constexpr std::size_t first_read_buffer = 16 << 10;
constexpr std::size_t max_read_buffer = 256 << 10;
// Larger than any message the server sends (an `events` batch is at most about 256 KiB).
constexpr std::uint64_t max_message_bytes = 8 << 20;
constexpr std::size_t max_upgrade_response = 16 << 10;

std::int64_t to_int(std::string_view s) {
    std::int64_t v = -1;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

}  // namespace

client::client(asio::any_io_executor ex, run_state& run, int index, int session, client_role role)
    : executor_(std::move(ex)),
      socket_(executor_),
      run_(run),
      index_(index),
      session_(session),
      role_(role),
      mask_state_(static_cast<std::uint32_t>(index) * 2654435761u + 1u) {}

void client::start() {
    state_.store(client_state::connecting, std::memory_order_release);
    started_ns_ = steady_ns();
    socket_.async_connect(run_.addresses[run_.node_of(index_)],
                          [this](const error_code& ec) { on_connect(ec); });
}

void client::on_connect(const error_code& ec) {
    if (ec) return fail("connect: " + ec.message());
    error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    const auto& where = run_.wheres[run_.node_of(index_)];
    std::string request = "GET " + where.target +
                          " HTTP/1.1\r\n"
                          "Host: " +
                          where.host + ":" + where.port +
                          "\r\n"
                          "Upgrade: websocket\r\n"
                          "Connection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n"
                          "User-Agent: hashchat-load\r\n\r\n";
    pending_.insert(pending_.end(), request.begin(), request.end());
    flush();
    rbuf_.resize(first_read_buffer);
    read();
}

void client::read() {
    const std::size_t space = rbuf_.size() - rlen_;
    socket_.async_read_some(
        asio::buffer(rbuf_.data() + rlen_, space),
        [this, space](const error_code& ec, std::size_t n) { on_read(ec, n, space); });
}

void client::on_read(const error_code& ec, std::size_t n, std::size_t space) {
    if (ec) return end(true);
    auto& stats = local_stats();
    ++stats.reads;
    stats.bytes += n;
    rlen_ += n;
    const std::size_t used = consume(rbuf_.data(), rlen_, steady_ns());
    if (state() == client_state::closed || state() == client_state::failed) return;
    rlen_ -= used;
    if (rlen_ > 0 && used > 0) std::memmove(rbuf_.data(), rbuf_.data() + used, rlen_);
    // A full read means more was waiting: a larger buffer takes more frames per system call.
    // A frame larger than the buffer needs room whatever the size.
    if ((n == space && rbuf_.size() < max_read_buffer) || rlen_ == rbuf_.size()) {
        rbuf_.resize(rbuf_.size() * 2);
    }
    read();
}

std::size_t client::consume(char* data, std::size_t len, std::int64_t now) {
    std::size_t off = 0;
    if (!upgraded_) {
        off = consume_upgrade(std::string_view(data, len));
        if (!upgraded_) return off;
    }
    while (off < len) {
        frame f;
        std::size_t used = 0;
        const auto st =
            decode_frame(std::string_view(data + off, len - off), f, used, max_message_bytes);
        if (st == decode_status::need_more) break;
        if (st == decode_status::error) {
            fail("a malformed WebSocket frame");
            return len;
        }
        ++local_stats().frames;
        on_frame(f, now);
        off += used;
        if (state() == client_state::closed || state() == client_state::failed) return len;
    }
    return off;
}

std::size_t client::consume_upgrade(std::string_view data) {
    const auto end = data.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        if (data.size() > max_upgrade_response) fail("an endless upgrade response");
        return 0;
    }
    const auto status = data.substr(0, data.find("\r\n"));
    if (status.substr(0, 12) != "HTTP/1.1 101") {
        fail("upgrade refused: " + std::string(status));
        return data.size();
    }
    upgraded_ = true;
    if (run_.mode == load_mode::raw) {
        became_ready(steady_ns());
    } else {
        const auto& s = run_.sessions[static_cast<std::size_t>(session_)];
        std::string hello = R"({"type":"hello","session":")" + s.id + "\",";
        if (role_ == client_role::moderator) {
            hello += R"("handle":"host","name":"Load host","key":")" + s.moderator_key + "\"}";
        } else {
            std::string handle = "u";  // appended: a false -Wrestrict of gcc 12 at -O3
            handle += std::to_string(index_);
            hello += R"("handle":")" + handle + R"(","name":")" + handle + "\"}";
        }
        send_text(hello);
    }
    return end + 4;
}

void client::on_frame(const frame& f, std::int64_t now) {
    switch (f.op) {
        case opcode::text:
        case opcode::binary:
            if (f.fin) {
                on_message(f.payload, now);
            } else {
                fragment_.assign(f.payload.begin(), f.payload.end());
            }
            break;
        case opcode::continuation:
            fragment_.insert(fragment_.end(), f.payload.begin(), f.payload.end());
            if (f.fin) {
                on_message(std::string_view(fragment_.data(), fragment_.size()), now);
                fragment_.clear();
            }
            break;
        case opcode::ping:
            append_frame(pending_, opcode::pong, f.payload, next_mask());
            flush();
            break;
        case opcode::pong:
            break;
        case opcode::close:
            if (!close_sent_) {
                // The server closes: answer, then wait for it to end the TCP connection.
                out_.close_code = close_code_of(f.payload);
                close_sent_ = true;
                append_close(pending_, close_code_of(f.payload), next_mask());
                flush();
            } else {
                end(false);
            }
            break;
    }
}

void client::on_message(std::string_view text, std::int64_t now) {
    if (run_.mode == load_mode::raw) return on_post(text, now);
    on_hashchat_message(text, now);
}

void client::on_hashchat_message(std::string_view text, std::int64_t now) {
    message_fields m;
    if (!scan_message(text, m)) {
        ++out_.unknown_messages;
        return;
    }
    if (m.type == "events") {
        if (!for_each_event(m.events, [&](const message_fields& e) { on_event(e, now); })) {
            ++out_.unknown_messages;
        }
    } else if (m.type == "event") {
        on_event(m, now);
    } else if (m.type == "ack") {
        on_ack(m, now);
    } else if (m.type == "error") {
        on_error_message(m);
    } else if (m.type == "welcome") {
        on_welcome();
    } else if (m.type == "ok" && role_ == client_role::moderator) {
        became_ready(now);  // the chat has started
        close();
    }
}

void client::on_welcome() {
    if (role_ == client_role::moderator) {
        send_text(R"({"type":"control","action":"start","rid":"start"})");
    } else {
        became_ready(steady_ns());
    }
}

void client::on_event(const message_fields& e, std::int64_t now) {
    if (role_ == client_role::moderator) return;
    const auto v = seqs_.see(e.seq, out_.seqs);
    progress_.store(seqs_.last(), std::memory_order_relaxed);
    if (v == verdict::duplicate || v == verdict::out_of_order) return;
    if (e.kind == "post") on_post(e.text, now);
}

void client::on_post(std::string_view text, std::int64_t now) {
    post_stamp s;
    if (!parse_post(text, s) || s.client < 0) {
        ++out_.unknown_messages;
        return;
    }
    const auto sender = static_cast<std::size_t>(s.client);
    const auto before = senders_.last(sender);
    const auto v = senders_.see(sender, s.n, out_.senders);
    if (run_.mode == load_mode::raw) {
        progress_.fetch_add(senders_.last(sender) - before, std::memory_order_relaxed);
        if (v == verdict::duplicate || v == verdict::out_of_order) return;
    }
    auto& stats = local_stats();
    ++stats.deliveries;
    if (run_.in_window(now)) ++stats.deliveries_in_window;
    if (run_.in_window(s.sent_ns)) {
        stats.latency.record(
            static_cast<std::uint64_t>(std::max<std::int64_t>(0, now - s.sent_ns)));
    }
}

void client::on_ack(const message_fields& m, std::int64_t now) {
    // cid = "<n>.<send ns>"
    const auto dot = m.cid.find('.');
    const std::int64_t sent = dot == std::string_view::npos ? -1 : to_int(m.cid.substr(dot + 1));
    ++out_.posts_acked;
    out_.acked_seqs.push_back(m.seq);
    auto& max_acked = run_.sessions[static_cast<std::size_t>(session_)].max_acked_seq;
    auto seen = max_acked.load(std::memory_order_relaxed);
    while (m.seq > seen && !max_acked.compare_exchange_weak(seen, m.seq)) {
    }
    auto& stats = local_stats();
    if (run_.in_window(now)) ++stats.acks_in_window;
    if (sent >= 0 && run_.in_window(sent)) {
        stats.ack_latency.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, now - sent)));
    }
    posts_resolved_.fetch_add(1, std::memory_order_relaxed);
}

void client::on_error_message(const message_fields& m) {
    ++out_.errors[std::string(m.code)];
    if (state() == client_state::connecting) return fail("join refused: " + std::string(m.code));
    if (!m.cid.empty()) {
        ++out_.posts_refused;
        posts_resolved_.fetch_add(1, std::memory_order_relaxed);
    }
}

void client::send_post(std::int64_t n) {
    if (state() != client_state::ready) return;
    const std::int64_t now = steady_ns();
    // {"type":"post","cid":"<n>.<ns>","text":"t=<ns> c=<client> n=<n> xxx"}; the text needs
    // no escaping.
    char buf[1100];
    char* p = buf;
    auto put = [&p](std::string_view s) {
        std::memcpy(p, s.data(), s.size());
        p += s.size();
    };
    const post_stamp stamp{now, index_, n};
    if (run_.mode == load_mode::raw) {
        p += format_post(p, stamp, run_.post_pad);
    } else {
        put(R"({"type":"post","cid":")");
        p = std::to_chars(p, p + 20, n).ptr;
        put(".");
        p = std::to_chars(p, p + 20, now).ptr;
        put(R"(","text":")");
        p += format_post(p, stamp, run_.post_pad);
        put("\"}");
    }
    send_text(std::string_view(buf, static_cast<std::size_t>(p - buf)));
    posts_sent_.fetch_add(1, std::memory_order_relaxed);
    if (run_.in_window(now)) ++local_stats().posts_in_window;
}

void client::send_text(std::string_view payload) {
    append_frame(pending_, opcode::text, payload, next_mask());
    flush();
}

void client::flush() {
    if (writing_ || pending_.empty() || !socket_.is_open()) return;
    writing_ = true;
    writing_buf_.swap(pending_);
    pending_.clear();
    asio::async_write(socket_, asio::buffer(writing_buf_),
                      [this](const error_code& ec, std::size_t) {
                          writing_ = false;
                          writing_buf_.clear();
                          if (ec) return end(true);
                          flush();
                      });
}

void client::close() {
    const auto s = state();
    if (s != client_state::ready && s != client_state::connecting) return;
    if (!close_sent_) {
        close_sent_ = true;
        append_close(pending_, 1000, next_mask());
        flush();
    }
    if (s == client_state::ready) state_.store(client_state::closing, std::memory_order_release);
}

void client::abandon() {
    const auto s = state();
    if (s == client_state::connecting || s == client_state::idle) {
        fail("not ready within the connect timeout");
    }
}

void client::became_ready(std::int64_t now) {
    if (state() != client_state::connecting) return;
    local_stats().connect.record(static_cast<std::uint64_t>(now - started_ns_));
    state_.store(client_state::ready, std::memory_order_release);
}

void client::fail(std::string why) {
    if (state() == client_state::connecting || state() == client_state::idle) {
        out_.failure = std::move(why);
        state_.store(client_state::failed, std::memory_order_release);
    } else {
        if (out_.failure.empty()) out_.failure = std::move(why);
        out_.disconnected = true;
        state_.store(client_state::closed, std::memory_order_release);
    }
    error_code ignored;
    socket_.close(ignored);
}

void client::end(bool by_peer) {
    const auto s = state();
    if (s == client_state::closed || s == client_state::failed) return;
    if (s == client_state::connecting) return fail("the connection ended while joining");
    if (by_peer && s != client_state::closing && out_.close_code == 0) out_.disconnected = true;
    error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    state_.store(client_state::closed, std::memory_order_release);
}

std::uint32_t client::next_mask() {
    // xorshift32: masks need not be secret here, only not all zero.
    mask_state_ ^= mask_state_ << 13;
    mask_state_ ^= mask_state_ >> 17;
    mask_state_ ^= mask_state_ << 5;
    return mask_state_;
}

}  // namespace hashchat::bench::load
