#include "server/ws_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>

#include "protocol/client_messages.hpp"
#include "protocol/server_messages.hpp"
#include "server/hub.hpp"
#include "server/room.hpp"
#include "server/steady.hpp"

namespace hashchat::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;

namespace {

frame_ptr make_frame(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

}  // namespace

ws_session::ws_session(net::ip::tcp::socket&& socket, std::shared_ptr<hub> h, std::string peer,
                       std::string address)
    : ws_(std::move(socket)),
      hub_(std::move(h)),
      peer_(std::move(peer)),
      address_(std::move(address)),
      id_(hub_->next_connection_id()),
      out_(hub_->opts().queue_bytes),
      close_deadline_(ws_.get_executor()),
      post_bucket_(hub_->opts().post_rate),
      like_bucket_(hub_->opts().like_rate),
      other_bucket_(hub_->opts().other_rate) {}

ws_session::~ws_session() {
    hub_->release_connection(address_);
    hub_->stats().queued_bytes.fetch_sub(static_cast<std::int64_t>(out_.queued_bytes()));
}

void ws_session::run(http::request<http::string_body> req) {
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.idle_timeout = std::chrono::seconds(60);
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "hashchat"); }));
    ws_.read_message_max(hub_->opts().max_frame);
    ws_.auto_fragment(false);
    // do_write tries each write at once and must not block on a full socket.
    beast::error_code ec;
    ws_.next_layer().socket().non_blocking(true, ec);
    if (ec) return fail(ec, "socket");
    // Beast's own frames are queued for do_write; it runs next, not inside Beast's call.
    ws_.next_layer().on_control = [this] { schedule_write(); };
    ws_.async_accept(req, beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
}

void ws_session::on_accept(beast::error_code ec) {
    if (ec) return fail(ec, "accept");
    if (hub_->shutting_down()) return do_close(websocket::close_code::service_restart);
    accepted_ = true;
    hub_->stats().connections.fetch_add(1);
    hub_->add_connection(shared_from_this());
    do_read();
}

void ws_session::do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
}

void ws_session::on_read(beast::error_code ec, std::size_t) {
    if (ec) return fail(ec, "read");
    if (!ws_.got_text()) {
        buffer_.consume(buffer_.size());
        return do_close(websocket::close_code::unknown_data);
    }
    hub_->stats().messages_received.fetch_add(1, std::memory_order_relaxed);
    const std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    handle_message(text);
    do_write();  // an error or a pong it queued
    if (closing_) return;
    // A client that sends faster than its room takes commands on is not read from until the
    // room catches up: TCP pushes back on it, and the server's memory stays bounded.
    if (pending_commands_.load(std::memory_order_relaxed) >= max_pending_commands) {
        read_paused_ = true;
        return;
    }
    do_read();
}

void ws_session::handle_message(const std::string& text) {
    auto msg = protocol::parse_client_message(text);
    auto self = shared_from_this();
    if (closing_) return;  // closing: what arrives now is not taken on
    // Each message costs a token of its kind; past the bucket it is refused and does nothing.
    // Buckets refill on the server's clock (a test clock stands still until a test moves it).
    core::token_bucket* bucket = &other_bucket_;
    switch (core::bucket_of(std::get_if<core::command>(&msg.body))) {
        case core::message_bucket::post:
            bucket = &post_bucket_;
            break;
        case core::message_bucket::like:
            bucket = &like_bucket_;
            break;
        case core::message_bucket::other:
            break;
    }
    if (auto wait = bucket->take(hub_->time().now())) {
        hub_->stats().rate_limited.fetch_add(1, std::memory_order_relaxed);
        auto e = core::make_error(core::error_code::rate_limited,
                                  "Too many messages; wait a moment before sending more.");
        e.retry_after_ms = wait->count();
        return enqueue(make_frame(protocol::error_message(e, msg.rid, msg.cid)), false);
    }
    if (const auto* e = msg.error()) {
        hub_->stats().errors_sent.fetch_add(1, std::memory_order_relaxed);
        return enqueue(make_frame(protocol::error_message(*e, msg.rid, msg.cid)), false);
    }
    if (std::holds_alternative<protocol::ping_msg>(msg.body)) {
        return enqueue(make_frame(protocol::pong_message(msg.rid)), false);
    }
    if (auto* hello = std::get_if<protocol::hello_msg>(&msg.body)) {
        if (joined_) {
            return enqueue(make_frame(protocol::error_message(
                               core::make_error(core::error_code::bad_request,
                                                "You already joined; open a new connection to "
                                                "join another session."),
                               msg.rid, std::nullopt)),
                           false);
        }
        // The session's room, built if need be (off this thread); then on this strand.
        const std::string session = hello->session;
        return hub_->with_room(session, [self, hello = std::move(*hello),
                                         rid = msg.rid](const std::shared_ptr<room>& r) mutable {
            net::post(self->ws_.get_executor(), [self, r, hello = std::move(hello),
                                                 rid = std::move(rid)]() mutable {
                if (!r && self->hub_->find(hello.session)) {
                    // A session this node knows whose room could not be built: the store
                    // cannot be reached. Try again later (1013), with backoff.
                    self->enqueue(make_frame(protocol::error_message(
                                      core::store_unavailable_error(), rid, std::nullopt)),
                                  false);
                    self->close(1013);
                    return self->do_write();
                }
                if (!r) {
                    self->enqueue(make_frame(protocol::error_message(
                                      core::make_error(core::error_code::not_found,
                                                       "There is no session with that id."),
                                      rid, std::nullopt)),
                                  false);
                    return self->do_write();
                }
                if (self->closing_) return;
                if (self->room_ && self->room_ != r) self->room_->leave(self->id_);
                self->room_ = r;
                r->join(self, std::move(hello), rid);
            });
        });
    }
    auto& cmd = std::get<core::command>(msg.body);
    if (!room_) {
        return enqueue(make_frame(protocol::error_message(
                           core::make_error(core::error_code::not_joined,
                                            "Send hello and wait for welcome before this."),
                           msg.rid, msg.cid)),
                       false);
    }
    pending_commands_.fetch_add(1, std::memory_order_relaxed);
    room_->command(self, std::move(cmd), msg.rid, msg.cid,
                   hub_->clustered() ? text : std::string());
}

void ws_session::command_done() {
    // The first step down from the bound resumes reading (on the connection's strand).
    if (pending_commands_.fetch_sub(1, std::memory_order_relaxed) == max_pending_commands) {
        net::post(ws_.get_executor(), [self = shared_from_this()] {
            if (self->read_paused_ && !self->closing_) {
                self->read_paused_ = false;
                self->do_read();
            }
        });
    }
}

void ws_session::send(frame_ptr frame) {
    net::post(ws_.get_executor(), [self = shared_from_this(), f = std::move(frame)]() mutable {
        self->enqueue(std::move(f), false);
        self->do_write();
    });
}

void ws_session::send_events(event_batch batch, std::vector<frame_ptr> replies) {
    net::post(ws_.get_executor(),
              [self = shared_from_this(), b = std::move(batch), r = std::move(replies)]() mutable {
                  if (!self->closing_ && self->accepted_) {
                      const auto before = self->out_.queued_bytes();
                      self->enqueued(self->out_.push(std::move(b), steady_now_ms()), before);
                  }
                  b.taken.reset();  // taken: the room may send its next batch
                  for (auto& f : r) self->enqueue(std::move(f), false);
                  self->do_write();  // the events and the acks after them: one write
              });
}

void ws_session::send_backlog(std::vector<frame_ptr> frames, core::seq_t next, bool live) {
    net::post(ws_.get_executor(), [self = shared_from_this(), frames = std::move(frames), next,
                                   live]() mutable {
        if (self->closing_ || !self->accepted_) return;
        const auto before = self->out_.queued_bytes();
        self->enqueued(self->out_.backlog(std::move(frames), next, live, steady_now_ms()), before);
        self->do_write();
        self->maybe_fetch();
    });
}

void ws_session::joined(std::shared_ptr<room> r) {
    net::post(ws_.get_executor(), [self = shared_from_this(), r = std::move(r)]() mutable {
        self->joined_ = true;
        self->out_.set_joined();
        self->room_ = std::move(r);
    });
}

void ws_session::close(std::uint16_t code) {
    net::post(ws_.get_executor(), [self = shared_from_this(), code] { self->do_close(code); });
}

void ws_session::maybe_fetch() {
    if (closing_ || !room_) return;
    if (auto from = out_.next_fetch()) room_->fetch(shared_from_this(), *from, out_.budget());
}

void ws_session::enqueue(frame_ptr frame, bool event) {
    if (closing_ || !accepted_) return;
    const auto before = out_.queued_bytes();
    enqueued(out_.push(std::move(frame), event, steady_now_ms()), before);
}

void ws_session::enqueued(bool within_bound, std::size_t before) {
    hub_->stats().queued_bytes.fetch_add(static_cast<std::int64_t>(out_.queued_bytes() - before),
                                         std::memory_order_relaxed);
    if (!within_bound) {
        spdlog::warn("connection {} from {}: send queue passed {} bytes, dropping it", id_, peer_,
                     hub_->opts().queue_bytes);
        hub_->stats().connections_dropped.fetch_add(1, std::memory_order_relaxed);
        return do_close(4001);
    }
    shared_queued_bytes_.store(out_.queued_bytes(), std::memory_order_relaxed);
    last_progress_ms_.store(out_.last_progress_ms(), std::memory_order_relaxed);
}

void ws_session::schedule_write() {
    // For Beast's frames: the write goes after Beast's call has returned.
    if (writing_ || write_scheduled_) return;
    write_scheduled_ = true;
    net::post(ws_.get_executor(), [self = shared_from_this()] {
        self->write_scheduled_ = false;
        self->do_write();
    });
}

namespace {

// Drops the first `n` bytes of a buffer list.
void consume(std::vector<net::const_buffer>& buffers, std::size_t n) {
    std::size_t whole = 0;
    while (whole < buffers.size() && n >= buffers[whole].size()) n -= buffers[whole++].size();
    buffers.erase(buffers.begin(), buffers.begin() + static_cast<std::ptrdiff_t>(whole));
    if (n > 0) buffers.front() += n;
}

}  // namespace

void ws_session::do_write() {
    if (writing_) return;
    // Over: nothing more of its own, but Beast's frames still go (the HTTP answer to a refused
    // handshake; a close frame).
    if (failed_) {
        const auto dropped = out_.drop();
        hub_->stats().queued_bytes.fetch_sub(static_cast<std::int64_t>(dropped),
                                             std::memory_order_relaxed);
    }
    auto& socket = ws_.next_layer().socket();
    while (gather()) {
        // The socket usually has room: then this is the write's only system call, and no
        // completion handler runs. What does not fit goes out when the socket has room, and
        // nothing else is written before it.
        for (;;) {
            beast::error_code ec;
            const std::size_t n = socket.write_some(buffers_, ec);
            if (ec == net::error::would_block || ec == net::error::try_again) break;
            if (ec) {
                fail(ec, "write");
                return finish_if_idle();  // a teardown Beast waits for still runs
            }
            consume(buffers_, n);
            if (buffers_.empty()) break;
        }
        if (!buffers_.empty()) {
            writing_ = true;
            net::async_write(socket, buffers_,
                             beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
            return;
        }
        written();
    }
    finish_if_idle();
}

bool ws_session::gather() {
    control_in_flight_.clear();
    buffers_.clear();
    // Beast's own frames first (the handshake's response, a pong, the close frame).
    auto& control = ws_.next_layer().control;
    for (auto& c : control) {
        if (!c.empty() && static_cast<unsigned char>(c[0]) == 0x88) close_frame_sent_ = true;
        control_in_flight_.push_back(std::move(c));
    }
    control.clear();
    for (const auto& c : control_in_flight_) buffers_.emplace_back(net::buffer(c));
    // Then the connection's messages: after a close frame, none.
    if (!failed_ && !close_frame_sent_ && !close_sent_) {
        for (const auto piece : out_.gather()) buffers_.emplace_back(piece.data(), piece.size());
        if (out_.gathered_messages() > 0) {
            hub_->stats().write_batches.fetch_add(1, std::memory_order_relaxed);
            if (out_.gathered_events() > 0) {
                hub_->stats().write_batch_events.observe(
                    static_cast<double>(out_.gathered_events()));
            }
        }
    }
    return !buffers_.empty();
}

void ws_session::on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec) {
        fail(ec, "write");
        return finish_if_idle();
    }
    written();
    do_write();
}

void ws_session::written() {
    const auto before = out_.queued_bytes();
    const auto now = steady_now_ms();
    auto done = out_.written(now);
    control_in_flight_.clear();
    hub_->stats().queued_bytes.fetch_sub(static_cast<std::int64_t>(before - out_.queued_bytes()),
                                         std::memory_order_relaxed);
    for (const auto& [origin, count] : out_.written_origins()) {
        hub_->stats().delivery_seconds.observe(static_cast<double>(now - origin) / 1000.0, count);
    }
    last_progress_ms_.store(now, std::memory_order_relaxed);
    shared_queued_bytes_.store(out_.queued_bytes(), std::memory_order_relaxed);
    if (done.drained && room_) room_->drained();
    if (done.fetch && !closing_ && room_) {
        room_->fetch(shared_from_this(), *done.fetch, out_.budget());
    }
}

void ws_session::finish_if_idle() {
    if (writing_) return;
    // Beast's teardown (after a close frame) waits until everything before it is written.
    if (ws_.next_layer().teardown_pending()) return ws_.next_layer().run_teardown();
    if (!failed_ && closing_ && close_code_ != 0 && !close_sent_ && out_.empty()) start_close();
}

void ws_session::do_close(std::uint16_t code) {
    if (!accepted_) {
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
        return;
    }
    if (close_sent_) return;
    if (!closing_) {
        closing_ = true;
        // A peer that stopped reading may never take the writes nor the close frame: past the
        // deadline the socket is cut, and its memory goes with it.
        close_deadline_.expires_after(std::chrono::seconds(10));
        close_deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec) return;
            beast::error_code ignored;
            beast::get_lowest_layer(self->ws_).socket().shutdown(net::socket_base::shutdown_both,
                                                                 ignored);
            beast::get_lowest_layer(self->ws_).socket().close(ignored);
        });
    }
    if (code == 4001) {
        // It stopped reading: what has not been written is dropped, and only the write in
        // flight still holds bytes.
        const std::size_t dropped = out_.drop();
        shared_queued_bytes_.store(out_.queued_bytes(), std::memory_order_relaxed);
        hub_->stats().queued_bytes.fetch_sub(static_cast<std::int64_t>(dropped),
                                             std::memory_order_relaxed);
    }
    if (close_code_ == 0 || code == 4001) close_code_ = code;
    // Any other close goes out after what is queued (acks before a 1012 restart).
    if (!writing_) do_write();
}

void ws_session::start_close() {
    close_sent_ = true;  // no message after it; Beast's close frame goes through do_write
    ws_.async_close(websocket::close_reason(close_code_),
                    [self = shared_from_this()](beast::error_code ec) {
                        self->close_deadline_.cancel();
                        // Done, whether or not a read is still pending to notice it.
                        self->fail(ec ? ec : websocket::error::closed, "close");
                    });
}

void ws_session::fail(beast::error_code ec, const char* what) {
    if (room_ && !failed_) {
        room_->leave(id_);
    }
    if (accepted_) {
        accepted_ = false;
        hub_->stats().connections.fetch_sub(1);
        hub_->remove_connection(id_);
    }
    closing_ = true;
    failed_ = true;
    if (ec == net::error::operation_aborted || ec == websocket::error::closed ||
        ec == net::error::eof || ec == net::error::connection_reset ||
        ec == beast::error::timeout) {
        return;
    }
    spdlog::debug("connection {} from {}: {}: {}", id_, peer_, what, ec.message());
}

}  // namespace hashchat::server
