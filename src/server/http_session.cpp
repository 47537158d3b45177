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
    const std::string client = client_address(req);
    if (websocket::is_upgrade(req)) {
        auto refuse = [&](http::status status, std::string_view code, std::string_view message) {
            http_response res{status, req.version()};
            res.set(http::field::content_type, "application/json");
            res.body() = protocol::http_error_body(code, message);
            res.keep_alive(false);
            res.prepare_payload();
            write(std::move(res));
        };
        if (req.target() != "/ws") {
            return refuse(http::status::not_found, "not_found", "WebSocket connections go to /ws.");
        }
        if (!origin_allowed(req)) {
            return refuse(http::status::forbidden, "not_allowed",
                          "WebSocket connections from other sites are not allowed.");
        }
        if (!hub_->reserve_connection(client)) {
            return refuse(http::status::too_many_requests, "rate_limited",
                          "Too many connections from your network address.");
        }
        stream_.expires_never();
        std::make_shared<ws_session>(stream_.release_socket(), hub_, peer_, client)
            ->run(parser_->release());
        return;
    }
    handle_http(
        *hub_, parser_->get(), loopback_, client, [self = shared_from_this()](http_response res) {
            net::post(self->stream_.get_executor(),
                      [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
        });
}

std::string http_session::client_address(const http_request& req) const {
    if (!hub_->opts().trust_proxy) return address_;
    auto it = req.find("X-Forwarded-For");
    if (it == req.end()) return address_;
    // The proxy appends the address it saw: the last entry is the one it vouches for.
    std::string_view v(it->value().data(), it->value().size());
    if (auto comma = v.rfind(','); comma != std::string_view::npos) v.remove_prefix(comma + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    if (v.empty() || v.size() > 64) return address_;
    return std::string(v);
}

bool http_session::origin_allowed(const http_request& req) const {
    auto origin = req.find(http::field::origin);
    if (origin == req.end()) return true;  // not a browser: Origin protects browsers' users
    auto lower = [](std::string_view s) {
        std::string out(s);
        for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return out;
    };
    const std::string o = lower(std::string_view(origin->value().data(), origin->value().size()));
    for (const auto& allowed : hub_->opts().allowed_origins) {
        if (lower(allowed) == o) return true;
    }
    auto host = req.find(http::field::host);
    if (host == req.end()) return false;
    const auto scheme_end = o.find("://");
    if (scheme_end == std::string::npos) return false;
    return o.substr(scheme_end + 3) ==
           lower(std::string_view(host->value().data(), host->value().size()));
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
