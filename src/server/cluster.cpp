#include "server/cluster.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "server/clock.hpp"
#include "server/crypto.hpp"
#include "server/metrics.hpp"
#include "server/registry.hpp"
#include "store/pg_leases.hpp"
#include "store/pg_listen.hpp"
#include "store/pg_node.hpp"

namespace hashchat::server {

using steady = std::chrono::steady_clock;

cluster::cluster(cluster_options opts)
    : opts_(std::move(opts)),
      node_(opts_.node + "-" + random_token(6)),
      leases_(std::make_unique<store::pg_leases>(opts_.url, node_)),
      reads_(std::make_unique<store::pg_node>(opts_.url)),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (wake_fd_ < 0) throw store::store_error("cluster: cannot make an eventfd");
}

cluster::~cluster() {
    stop();
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

std::optional<std::int64_t> cluster::acquire(const std::string& session) {
    std::optional<std::int64_t> epoch;
    try {
        epoch = leases_->acquire(session, opts_.lease);
    } catch (const store::store_error& e) {
        spdlog::warn("session {}: its lease cannot be taken: {}", session, e.what());
        return std::nullopt;
    }
    if (epoch) {
        std::lock_guard lock(mutex_);
        held_[session] = *epoch;
        count_held();
    }
    return epoch;
}

void cluster::release(const std::string& session, std::int64_t epoch) {
    std::lock_guard lock(mutex_);
    if (const auto it = held_.find(session); it != held_.end() && it->second == epoch) {
        held_.erase(it);
        count_held();
    }
    tasks_.push_back([this, session, epoch] { leases_->release(session, epoch); });
    wake();
}

void cluster::wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
}

void cluster::give_up(const std::string& session) {
    std::optional<std::int64_t> epoch;
    {
        std::lock_guard lock(mutex_);
        if (const auto it = held_.find(session); it != held_.end()) epoch = it->second;
    }
    if (epoch) release(session, *epoch);
}

void cluster::catch_up(const std::string& session) {
    std::lock_guard lock(mutex_);
    tasks_.push_back([this, session] { sync(session, true); });
    wake();
}

void cluster::share_clock(test_clock& time) {
    time.set(
        core::instant{core::duration{leases_->share_clock(time.now().time_since_epoch().count())}});
    clock_ = &time;
}

core::instant cluster::advance_clock(core::duration by) {
    return core::instant{core::duration{leases_->advance_clock(by.count())}};
}

void cluster::withdraw(const std::string& session,
                       std::function<void(std::vector<store::handoff_row>)> done) {
    std::lock_guard lock(mutex_);
    tasks_.push_back([this, session, done = std::move(done)] {
        std::vector<store::handoff_row> rows;
        try {
            rows = reads_->withdraw(session, node_);
        } catch (const store::store_error& e) {
            spdlog::warn("session {}: handed-over commands not taken back: {}", session, e.what());
        }
        done(std::move(rows));
    });
    wake();
}

void cluster::report_presence(const std::string& session, std::size_t online) {
    std::lock_guard lock(mutex_);
    presence_out_[session] = static_cast<std::int64_t>(online);
    wake();
}

void cluster::publish_presence() {
    std::map<std::string, std::int64_t> out;
    {
        std::lock_guard lock(mutex_);
        out.swap(presence_out_);
    }
    if (out.empty()) return;
    try {
        reads_->set_presence(node_, {out.begin(), out.end()});
    } catch (const store::store_error&) {
        // Published again after the connection is back (the loop re-reads and retries).
        std::lock_guard lock(mutex_);
        for (const auto& [session, n] : out) presence_out_.emplace(session, n);
        throw;
    }
}

void cluster::refresh_presence(const std::vector<std::string>& sessions) {
    std::vector<std::pair<std::shared_ptr<room>, std::string>> loaded;
    std::vector<std::string> ids;
    for (const auto& id : sessions) {
        if (auto r = rooms_->loaded_room(id)) {
            loaded.emplace_back(std::move(r), id);
            ids.push_back(id);
        }
    }
    if (ids.empty()) return;
    const auto others = reads_->others_online(ids, node_, opts_.lease);
    for (const auto& [r, id] : loaded) {
        const auto it = others.find(id);
        r->others_online(it == others.end() ? 0 : static_cast<std::size_t>(it->second));
    }
}

void cluster::start(registry& rooms, metrics& stats) {
    rooms_ = &rooms;
    {
        std::lock_guard lock(mutex_);
        stats_ = &stats;
        count_held();
    }
    thread_ = std::thread([this] { run(); });
}

void cluster::count_held() {
    if (stats_ != nullptr) stats_->leases_held = static_cast<std::int64_t>(held_.size());
}

void cluster::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    cv_.notify_all();
    wake();
    if (thread_.joinable()) thread_.join();
    // The leases still held are given back: another node may take the sessions at once.
    std::map<std::string, std::int64_t> held;
    {
        std::lock_guard lock(mutex_);
        held.swap(held_);
    }
    for (const auto& [session, epoch] : held) {
        try {
            leases_->release(session, epoch);
        } catch (const store::store_error&) {
            break;  // they expire
        }
    }
    try {
        reads_->leave(node_);  // its members count nowhere now
    } catch (const store::store_error&) {
        // its node row ages out
    }
}

bool cluster::wait(steady::time_point until) {
    std::unique_lock lock(mutex_);
    return cv_.wait_until(lock, until, [this] { return stopping_; });
}

void cluster::run() {
    auto next_renew = steady::now();
    bool resync = true;
    bool warned = false;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
        }
        if (!listen_) {
            try {
                listen_ = std::make_unique<store::pg_listen>(
                    opts_.url,
                    std::vector<std::string>{store::log_channel, store::handoff_channel,
                                             store::reply_channel, store::session_channel,
                                             store::clock_channel, store::presence_channel});
                if (warned) spdlog::info("cluster: listening to PostgreSQL again");
                warned = false;
                resync = true;
            } catch (const store::store_error& e) {
                if (!warned) spdlog::warn("cluster: cannot listen to PostgreSQL: {}", e.what());
                warned = true;
                if (wait(steady::now() + std::chrono::seconds(1))) return;
                continue;
            }
        }
        try {
            if (resync) {
                // Notifications sent while this node was not listening are lost: where every
                // loaded room stands is read again.
                for (const auto& r : rooms_->loaded()) sync(r->id(), true);
                take_replies();
                resync = false;
            }
            const auto now = steady::now();
            const auto timeout = std::max<std::int64_t>(
                0, std::chrono::duration_cast<std::chrono::milliseconds>(next_renew - now).count());
            pollfd fds[2] = {{listen_->socket(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
            ::poll(fds, 2, static_cast<int>(std::min<std::int64_t>(timeout, 1000)));
            std::uint64_t posted = 0;
            [[maybe_unused]] const auto n = ::read(wake_fd_, &posted, sizeof posted);
            std::deque<std::function<void()>> tasks;
            {
                std::lock_guard lock(mutex_);
                tasks.swap(tasks_);
            }
            for (auto& t : tasks) t();
            publish_presence();
            for (const auto& note : listen_->take()) on_notification(note.channel, note.payload);
            // What the wake-ups named, read once per session however many there were.
            for (const auto& [session, handoffs] : std::exchange(to_sync_, {})) {
                sync(session, handoffs);
            }
            if (std::exchange(replies_waiting_, false)) take_replies();
            if (!presence_changed_.empty()) {
                refresh_presence(
                    std::vector<std::string>(presence_changed_.begin(), presence_changed_.end()));
                presence_changed_.clear();
            }
            if (steady::now() >= next_renew) {
                next_renew = steady::now() + opts_.renew_every;
                renew();
                take_over_orphans();
                // This node is alive; another that died stops counting in presence.
                reads_->heartbeat(node_);
                std::vector<std::string> with_members;
                for (const auto& r : rooms_->loaded()) {
                    if (r->position().members > 0) with_members.push_back(r->id());
                }
                refresh_presence(with_members);
                // Replies to a node that died before taking them.
                if (++renewals_ % 64 == 0) reads_->forget_replies(opts_.lease * 10);
            }
        } catch (const store::store_error& e) {
            spdlog::warn("cluster: PostgreSQL: {}", e.what());
            listen_.reset();
            resync = true;
            if (wait(steady::now() + std::chrono::milliseconds(200))) return;
        }
    }
}

void cluster::on_notification(const std::string& channel, const std::string& payload) {
    if (channel == store::log_channel) {
        for (const auto& n : store::parse_log_payload(payload)) {
            const auto r = rooms_->loaded_room(n.session_id);
            if (!r) {
                rooms_->stale(n.session_id);
                continue;
            }
            const auto p = r->position();
            if (!p.writer && (n.head > p.logged || n.mod_head > p.mod_logged)) {
                to_sync_.emplace(n.session_id, false);
            }
        }
    } else if (channel == store::handoff_channel) {
        to_sync_[payload] = true;
    } else if (channel == store::reply_channel) {
        if (payload == node_) replies_waiting_ = true;
    } else if (channel == store::session_channel) {
        if (auto s = reads_->session(payload)) rooms_->learn(*s, reads_->marks(payload));
    } else if (channel == store::presence_channel) {
        presence_changed_.insert(payload);  // read once for all, after this round
    } else if (channel == store::clock_channel && clock_ != nullptr) {
        // Another node advanced the shared test clock (this node's own advance has moved it).
        std::int64_t ms = 0;
        const auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), ms);
        if (ec == std::errc{} && clock_->move_to(core::instant{core::duration{ms}})) {
            rooms_->advance([] {});
        }
    }
}

void cluster::sync(const std::string& session, bool handoffs) {
    const auto r = rooms_->loaded_room(session);
    if (!r) return;
    const auto p = r->position();
    if (!p.writer) {
        auto events = reads_->events_after(session, p.logged);
        auto mods = reads_->mod_entries_after(session, p.mod_logged);
        if (!events.empty() || !mods.empty()) r->replicate(std::move(events), std::move(mods));
    } else if (handoffs) {
        auto rows = reads_->handoffs(session, p.handoffs_taken);
        if (!rows.empty()) r->handed_over(std::move(rows));
    }
}

void cluster::take_replies() {
    for (auto& reply : reads_->take_replies(node_)) {
        if (const auto r = rooms_->loaded_room(reply.session_id)) {
            r->writer_replied(reply.conn, reply.after_seq, std::move(reply.body));
        }
    }
}

void cluster::renew() {
    std::vector<std::pair<std::string, std::int64_t>> held;
    {
        std::lock_guard lock(mutex_);
        held.assign(held_.begin(), held_.end());
    }
    for (const auto& session : leases_->renew(held, opts_.lease)) {
        spdlog::warn("session {}: another node took its lease over; this node stops writing it",
                     session);
        {
            std::lock_guard lock(mutex_);
            held_.erase(session);
            count_held();
        }
        if (const auto r = rooms_->loaded_room(session)) r->lost();
    }
}

void cluster::take_over_orphans() {
    // The rooms this node follows with members (or something due) whose writer's lease
    // expired: the writer died or froze. This node takes the lease, catches up and writes.
    std::vector<std::string> following;
    for (const auto& r : rooms_->loaded()) {
        const auto p = r->position();
        if (!p.writer && (p.members > 0 || p.due)) following.push_back(r->id());
    }
    if (following.empty()) return;
    const auto live = reads_->leased(following);
    for (const auto& session : following) {
        if (std::binary_search(live.begin(), live.end(), session)) continue;
        const auto r = rooms_->loaded_room(session);
        if (!r) continue;
        const auto epoch = acquire(session);
        if (!epoch) continue;
        spdlog::info("session {}: its writer's lease expired; this node writes it (epoch {})",
                     session, *epoch);
        stats_->sessions_taken_over.fetch_add(1, std::memory_order_relaxed);
        const auto p = r->position();
        r->promote(*epoch, reads_->events_after(session, p.logged),
                   reads_->mod_entries_after(session, p.mod_logged), reads_->handoffs(session, 0));
        rooms_->catch_up_index(session);
    }
}

}  // namespace hashchat::server
