#include "server/hub.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

#include "server/cluster.hpp"

namespace hashchat::server {

namespace net = boost::asio;

hub::hub(net::io_context& ioc, options opts, clock& time, store::store& db, committer& commits,
         metrics& stats, cluster* nodes)
    : ioc_(ioc),
      opts_(std::move(opts)),
      time_(time),
      db_(db),
      commits_(commits),
      stats_(stats),
      nodes_(nodes),
      limits_(opts_.max_connections_per_address, opts_.max_sessions_per_hour) {
    registry_ = std::make_shared<registry>(
        ioc_, time_, db_, commits_, stats_,
        registry_options{room_limits{opts_.queue_bytes, opts_.queue_bytes / 4, opts_.max_waiting,
                                     opts_.fanout_interval_ms},
                         nodes, opts_.max_text, std::chrono::seconds(opts_.room_idle_seconds)});
    catalog_ = std::make_shared<catalog>(time_, db_, commits_, registry_, opts_.max_text);
}

void hub::load() {
    catalog_->load(db_.series());
    registry_->load();
}

void hub::advance_clock(core::duration d, std::function<void(core::instant)> done) {
    auto* tc = dynamic_cast<test_clock*>(&time_);
    auto now = time_.now();
    if (tc && nodes_) {
        // Several nodes share the test clock: moved in PostgreSQL, then here (the others hear).
        now = nodes_->advance_clock(d);
        tc->move_to(now);
    } else if (tc) {
        now = tc->advance(d);
    }
    registry_->advance([done = std::move(done), now] { done(now); });
}

void hub::release() {
    archive_workers_.stop();
    archive_workers_.join();
    connections_.clear();
    registry_->release();
}

void hub::shutdown(std::function<void()> done) {
    shutting_down_ = true;
    registry_->drain(boost::beast::websocket::close_code::service_restart,
                     [self = shared_from_this(), done = std::move(done)] {
                         self->close_all(boost::beast::websocket::close_code::service_restart);
                         done();
                     });
}

void hub::close_all(std::uint16_t code) {
    shutting_down_ = true;
    connections_.close_all(code);
}

}  // namespace hashchat::server
