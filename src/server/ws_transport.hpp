// The next layer under a connection's WebSocket stream. Reads go straight to the socket. The
// frames Beast writes by itself (the handshake's response, pings, pongs, the close frame) are
// copied into `control` and reported written at once; the connection's writer sends them between
// its own messages, which it frames itself and writes straight to the socket, several in one
// system call (ws_session::do_write). So a frame of Beast's never lands inside a message the
// writer has half sent, and a teardown waits until what is queued has gone.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace hashchat::server {

class ws_transport {
  public:
    using executor_type = boost::beast::tcp_stream::executor_type;

    explicit ws_transport(boost::asio::ip::tcp::socket&& socket) : stream_(std::move(socket)) {}

    executor_type get_executor() noexcept { return stream_.get_executor(); }
    boost::beast::tcp_stream& next_layer() noexcept { return stream_; }
    const boost::beast::tcp_stream& next_layer() const noexcept { return stream_; }
    boost::asio::ip::tcp::socket& socket() noexcept { return stream_.socket(); }

    template <class MutableBuffers, class Handler>
    auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
        return stream_.async_read_some(buffers, std::forward<Handler>(handler));
    }

    // Beast's own writes: copied, queued, and complete (posted) with every byte taken.
    template <class ConstBuffers, class Handler>
    auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
        return boost::asio::async_initiate<Handler, void(boost::beast::error_code, std::size_t)>(
            [this](auto h, const ConstBuffers& b) {
                std::string bytes(boost::asio::buffer_size(b), '\0');
                boost::asio::buffer_copy(boost::asio::buffer(bytes), b);
                const std::size_t n = bytes.size();
                control.push_back(std::move(bytes));
                // The writer first: a refused handshake's answer goes out before Beast reports
                // the failure that ends the connection.
                if (on_control) on_control();
                boost::asio::post(
                    stream_.get_executor(),
                    boost::beast::bind_front_handler(std::move(h), boost::beast::error_code{}, n));
            },
            handler, buffers);
    }

    // A teardown waits for the writer: it runs once `control` and the connection's messages
    // have been written (run_teardown).
    template <class Start>
    void defer_teardown(Start start) {
        teardown_ = std::make_unique<deferred<Start>>(std::move(start));
        if (on_control) on_control();
    }
    bool teardown_pending() const { return teardown_ != nullptr; }
    void run_teardown() {
        auto t = std::move(teardown_);
        t->run();
    }

    std::vector<std::string> control;  // Beast's frames, for the writer to send next (a vector
                                       // allocates nothing until used)
    std::function<void()> on_control;  // tells the writer there is something for it

  private:
    struct deferred_base {
        virtual ~deferred_base() = default;
        virtual void run() = 0;
    };
    template <class F>
    struct deferred final : deferred_base {
        explicit deferred(F fn) : f(std::move(fn)) {}
        void run() override { f(); }
        F f;
    };

    boost::beast::tcp_stream stream_;
    std::unique_ptr<deferred_base> teardown_;  // Beast's teardown, started by run_teardown
};

// Found by Beast through argument-dependent lookup.
template <class Handler>
void async_teardown(boost::beast::role_type role, ws_transport& t, Handler&& handler) {
    t.defer_teardown(
        [role, &t, h = std::decay_t<Handler>(std::forward<Handler>(handler))]() mutable {
            boost::beast::websocket::async_teardown(role, t.socket(), std::move(h));
        });
}

inline void teardown(boost::beast::role_type role, ws_transport& t, boost::beast::error_code& ec) {
    boost::beast::websocket::teardown(role, t.socket(), ec);
}

}  // namespace hashchat::server
