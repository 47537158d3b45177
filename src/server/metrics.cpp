#include "server/metrics.hpp"

#include <sstream>

namespace hashchat::server {

namespace {
template <typename T>
void line(std::ostringstream& os, const char* name, const char* type, const char* help,
          const std::atomic<T>& v) {
    os << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
       << name << ' ' << v.load(std::memory_order_relaxed) << '\n';
}
template <std::size_t N>
void histogram_lines(std::ostringstream& os, const char* name, const char* help,
                     const histogram<N>& h) {
    os << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " histogram\n";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= N; ++i) {
        cumulative += h.counts[i].load(std::memory_order_relaxed);
        os << name << "_bucket{le=\"";
        if (i < N) {
            os << h.bounds[i];
        } else {
            os << "+Inf";
        }
        os << "\"} " << cumulative << '\n';
    }
    // The count is the +Inf bucket as read here, so one scrape is consistent with itself even
    // while observations land (a separate counter could be read one observation apart).
    os << name << "_sum " << h.sum.load(std::memory_order_relaxed) << '\n'
       << name << "_count " << cumulative << '\n';
}
}  // namespace

std::string metrics::render() const {
    std::ostringstream os;
    line(os, "hashchat_connections", "gauge", "Open WebSocket connections.", connections);
    line(os, "hashchat_sessions", "gauge", "Sessions stored.", sessions);
    line(os, "hashchat_rooms_loaded", "gauge",
         "Sessions whose room is in memory (live, or something due soon).", rooms_loaded);
    line(os, "hashchat_rooms_built_total", "counter",
         "Rooms built from the store (a join, a write or a timetable falling due).", rooms_built);
    line(os, "hashchat_memory_trims_total", "counter",
         "Times freed memory was given back to the system after rooms were let go.", memory_trims);
    line(os, "hashchat_events_appended_total", "counter", "Events committed to the log.",
         events_appended);
    line(os, "hashchat_commits_total", "counter", "SQLite transactions committed.", commits);
    line(os, "hashchat_deliveries_total", "counter",
         "Events handed to connections for writing (live fan-out).", deliveries);
    line(os, "hashchat_write_batches_total", "counter", "WebSocket writes of queued messages.",
         write_batches);
    line(os, "hashchat_connections_dropped_total", "counter",
         "Connections closed because their send queue passed its bound.", connections_dropped);
    line(os, "hashchat_messages_received_total", "counter", "WebSocket messages received.",
         messages_received);
    line(os, "hashchat_errors_sent_total", "counter", "Error replies sent to clients.",
         errors_sent);
    line(os, "hashchat_queued_bytes", "gauge", "Bytes waiting in connection send queues.",
         queued_bytes);
    line(os, "hashchat_cpu_busy_permille", "gauge",
         "Thousandths of the process's CPUs in use (smoothed over about a second).",
         cpu_busy_permille);
    line(os, "hashchat_commands_deferred_total", "counter",
         "Commands that waited because their session's fan-out could not keep up.",
         commands_deferred);
    line(os, "hashchat_commands_handed_over_total", "counter",
         "Commands handed over to the node that writes their session (several nodes).",
         commands_handed_over);
    line(os, "hashchat_rate_limited_total", "counter", "Commands refused with rate_limited.",
         rate_limited);
    line(os, "hashchat_store_unavailable_total", "counter",
         "Transactions refused because the store (PostgreSQL) could not be reached.",
         store_unavailable);
    line(os, "hashchat_leases_held", "gauge",
         "Sessions this node writes under a lease (several nodes).", leases_held);
    line(os, "hashchat_sessions_taken_over_total", "counter",
         "Sessions this node took over from a writer whose lease expired (several nodes).",
         sessions_taken_over);
    histogram_lines(os, "hashchat_write_batch_events",
                    "Events carried by one WebSocket write (one events message).",
                    write_batch_events);
    histogram_lines(os, "hashchat_commit_batch_events",
                    "Events appended by one SQLite transaction (group commit).",
                    commit_batch_events);
    histogram_lines(os, "hashchat_delivery_seconds",
                    "From a command reaching its session to its event written to a member's "
                    "connection, per member.",
                    delivery_seconds);
    return os.str();
}

}  // namespace hashchat::server
