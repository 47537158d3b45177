#include "server/listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "server/http_session.hpp"
#include "server/hub.hpp"

namespace hashchat::server {

namespace net = boost::asio;

listener::listener(net::io_context& ioc, const net::ip::tcp::endpoint& endpoint,
                   std::shared_ptr<hub> h)
    : ioc_(ioc),
      acceptor_(net::make_strand(ioc)),
      retry_(acceptor_.get_executor()),
      hub_(std::move(h)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
}

net::ip::tcp::endpoint listener::local_endpoint() const { return acceptor_.local_endpoint(); }

void listener::run() { do_accept(); }

void listener::stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ignored;
        self->acceptor_.close(ignored);
    });
}

void listener::do_accept() {
    acceptor_.async_accept(net::make_strand(ioc_), boost::beast::bind_front_handler(
                                                       &listener::on_accept, shared_from_this()));
}

void listener::on_accept(boost::system::error_code ec, net::ip::tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (ec) {
        // Out of file descriptors (or another failure of the machine): accepting again at once
        // would spin; wait a little so that connections can end and free their descriptors.
        spdlog::warn("accept: {}; pausing 100 ms", ec.message());
        retry_.expires_after(std::chrono::milliseconds(100));
        retry_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
            if (!wait_ec && self->acceptor_.is_open()) self->do_accept();
        });
        return;
    } else {
        boost::system::error_code ignored;
        socket.set_option(net::ip::tcp::no_delay(true), ignored);
        if (const auto n = hub_->opts().socket_send_buffer; n > 0) {
            socket.set_option(net::socket_base::send_buffer_size(static_cast<int>(n)), ignored);
        }
        std::make_shared<http_session>(std::move(socket), hub_)->run();
    }
    if (acceptor_.is_open()) do_accept();
}

}  // namespace hashchat::server
