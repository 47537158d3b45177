#include "store/pg_listen.hpp"

#include <libpq-fe.h>

#include <charconv>

#include "store/pg_connection.hpp"

namespace hashchat::store {

namespace {

constexpr std::size_t max_payload = 7900;  // PostgreSQL refuses 8,000 bytes and more

template <class T>
bool number(std::string_view s, T& out) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

std::vector<std::string> log_payloads(const std::vector<log_notice>& notices) {
    std::vector<std::string> out;
    std::string current;
    for (const auto& n : notices) {
        std::string line = n.session_id;
        line += ' ';
        line += std::to_string(n.head);
        line += ' ';
        line += std::to_string(n.mod_head);
        if (!current.empty() && current.size() + 1 + line.size() > max_payload) {
            out.push_back(std::move(current));
            current.clear();
        }
        if (!current.empty()) current += '\n';
        current += line;
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
}

std::vector<log_notice> parse_log_payload(const std::string& payload) {
    std::vector<log_notice> out;
    std::string_view rest = payload;
    while (!rest.empty()) {
        const auto end = std::min(rest.find('\n'), rest.size());
        const std::string_view line = rest.substr(0, end);
        rest = end < rest.size() ? rest.substr(end + 1) : std::string_view();
        const auto a = line.find(' ');
        const auto b = a == std::string_view::npos ? a : line.find(' ', a + 1);
        if (b == std::string_view::npos || a == 0) continue;
        log_notice n;
        n.session_id = std::string(line.substr(0, a));
        if (!number(line.substr(a + 1, b - a - 1), n.head) ||
            !number(line.substr(b + 1), n.mod_head)) {
            continue;
        }
        out.push_back(std::move(n));
    }
    return out;
}

pg_listen::pg_listen(const std::string& url, const std::vector<std::string>& channels)
    : c_(std::make_unique<pg::connection>(url)) {
    for (const auto& ch : channels) {
        const std::string sql = "LISTEN \"" + ch + "\"";  // our own channel names
        c_->exec(sql.c_str());
    }
    if (PQsetnonblocking(c_->raw(), 1) != 0) {
        throw pg::error("postgresql: cannot make the listening connection non-blocking", "");
    }
}

pg_listen::~pg_listen() = default;

int pg_listen::socket() const { return PQsocket(c_->raw()); }

std::vector<notification> pg_listen::take() {
    PGconn* c = c_->raw();
    if (PQconsumeInput(c) != 1 || PQstatus(c) != CONNECTION_OK) {
        throw pg::error(
            std::string("postgresql: the listening connection was lost: ") + PQerrorMessage(c), "");
    }
    std::vector<notification> out;
    while (PGnotify* n = PQnotifies(c)) {
        out.push_back({n->relname, n->extra ? n->extra : ""});
        PQfreemem(n);
    }
    return out;
}

}  // namespace hashchat::store
