#include "server/http_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "protocol/server_messages.hpp"
#include "server/hub.hpp"
#include "server/ws_session.hpp"

namespace hashchat::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;

http_session::http_session(net::ip::tcp::socket&& socket, std::shared_ptr<hub> h)
    : stream_(std::move(socket)), hub_(std::move(h)) {
    beast::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) {
        address_ = ep.address().to_string();
        peer_ = address_ + ":" + std::to_string(ep.port());
        loopback_ = ep.address().is_loopback();
    }
}

void http_session::run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::do_read() {
    parser_.emplace();
    parser_->body_limit(256 * 1024);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted) {
        beast::error_code ignored;
        stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
        return;
    }
    if (ec == http::error::body_limit) {
        http_response res{http::status::payload_too_large, 11};
        res.set(http::field::content_type, "application/json");
        res.body() = protocol::http_error_body("bad_request", "The request body is too large.");
        res.keep_alive(false);
        res.prepare_payload();
        return write(std::move(res));
    }
    if (ec) {
        spdlog::debug("http {}: read: {}", peer_, ec.message());
        return;
    }
    auto& req = parser_->get();
    if (websocket::is_upgrade(req)) {
        if (req.target() != "/ws") {
            http_response res{http::status::not_found, req.version()};
            res.set(http::field::content_type, "application/json");
            res.body() = protocol::http_error_body("not_found", "WebSocket connections go to /ws.");
            res.keep_alive(false);
            res.prepare_payload();
            return write(std::move(res));
        }
        stream_.expires_never();
        std::make_shared<ws_session>(stream_.release_socket(), hub_, peer_, address_)
            ->run(parser_->release());
        return;
    }
    handle_http(*hub_, parser_->get(), loopback_, [self = shared_from_this()](http_response res) {
        net::post(self->stream_.get_executor(),
                  [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
    });
}

void http_session::write(http_response res) {
    response_ = std::make_shared<http_response>(std::move(res));
    const bool keep_alive = response_->keep_alive();
    http::async_write(
        stream_, *response_,
        beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    response_.reset();
    if (ec) return;
    if (!keep_alive) {
        beast::error_code ignored;
        stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
        return;
    }
    do_read();
}

}  // namespace hashchat::server
