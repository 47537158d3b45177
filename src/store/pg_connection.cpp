#include "store/pg_connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <cstdlib>

namespace hashchat::store::pg {

namespace {

std::string trimmed(const char* message) {
    std::string s = message ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

error failure(PGconn* c, const PGresult* r, const char* what) {
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    const char* detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : nullptr;
    const std::string message = trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(c));
    return error(std::string("postgresql ") + what + ": " +
                     (message.empty() ? trimmed(PQerrorMessage(c)) : message),
                 state ? state : "", detail ? detail : "");
}

bool ok(const PGresult* r) {
    const auto s = PQresultStatus(r);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

}  // namespace

result::~result() { PQclear(r_); }

result& result::operator=(result&& o) noexcept {
    if (this != &o) {
        PQclear(r_);
        r_ = o.r_;
        o.r_ = nullptr;
    }
    return *this;
}

int result::rows() const { return r_ ? PQntuples(r_) : 0; }
bool result::null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
std::string result::text(int row, int col) const {
    return std::string(PQgetvalue(r_, row, col),
                       static_cast<std::size_t>(PQgetlength(r_, row, col)));
}
std::int64_t result::integer(int row, int col) const {
    return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}
bool result::boolean(int row, int col) const { return PQgetvalue(r_, row, col)[0] == 't'; }
std::int64_t result::changed() const { return std::strtoll(PQcmdTuples(r_), nullptr, 10); }

std::string text_array(const std::vector<std::string>& items) {
    std::string out = "{";
    for (const auto& s : items) {
        if (out.size() > 1) out += ',';
        out += '"';
        for (const char c : s) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

array& array::add(std::string_view text) {
    next();
    out_ += '"';
    for (const char c : text) {
        if (c == '"' || c == '\\') out_ += '\\';
        out_ += c;
    }
    out_ += '"';
    return *this;
}

array& array::add(std::int64_t v) {
    next();
    out_ += std::to_string(v);
    return *this;
}

array& array::null() {
    next();
    out_ += "NULL";
    return *this;
}

connection::connection(const std::string& url) {
    c_ = PQconnectdb(url.c_str());
    if (c_ == nullptr) throw error("postgresql: out of memory", "");
    if (PQstatus(c_) != CONNECTION_OK) {
        const std::string message = trimmed(PQerrorMessage(c_));
        PQfinish(c_);
        c_ = nullptr;
        throw error("cannot connect to PostgreSQL: " + message, "");
    }
    try {
        // Messages (warnings, notices) are not printed on the server's stderr.
        PQsetNoticeProcessor(
            c_, [](void*, const char*) {}, nullptr);
        set_up();
    } catch (...) {
        PQfinish(c_);
        throw;
    }
}

void connection::set_up() {
    // An acknowledgement means the transaction is on disk, whatever the server's default.
    exec(
        "SET synchronous_commit = on; SET client_encoding = 'UTF8'; "
        "SET application_name = 'hashchat'");
}

result connection::read(const char* sql, const params& p) {
    try {
        return query(sql, p);
    } catch (const error& e) {
        if (!e.connection_lost() && PQstatus(c_) == CONNECTION_OK) throw;
        // PostgreSQL restarted, or closed the connection: once more on a new one.
        PQreset(c_);
        if (PQstatus(c_) != CONNECTION_OK) throw;
        set_up();
        return query(sql, p);
    }
}

connection::~connection() { PQfinish(c_); }

bool connection::broken() const { return c_ == nullptr || PQstatus(c_) != CONNECTION_OK; }

result connection::check(PGresult* r, const char* what) {
    if (r == nullptr || !ok(r)) {
        auto e = failure(c_, r, what);
        PQclear(r);
        throw e;
    }
    return result(r);
}

void connection::exec(const char* sql) { check(PQexec(c_, sql), "exec"); }

result connection::query(const char* sql, const params& p) {
    return check(PQexecParams(c_, sql, p.size(), nullptr, p.values(), nullptr, nullptr, 0),
                 "query");
}

void connection::prepare(const char* name, const char* sql) {
    check(PQprepare(c_, name, sql, 0, nullptr), "prepare");
}

result connection::run(const char* prepared_name, const params& p) {
    return check(PQexecPrepared(c_, prepared_name, p.size(), p.values(), nullptr, nullptr, 0),
                 "statement");
}

pipeline::pipeline(connection& c) : c_(c) {
    if (PQenterPipelineMode(c_.c_) != 1) throw failure(c_.c_, nullptr, "pipeline");
    send_sql("BEGIN");
}

pipeline::~pipeline() {
    if (done_) return;
    // Left without commit (an exception while sending): read what was sent, roll back.
    try {
        commit();
    } catch (...) {
    }
}

void pipeline::send_sql(const char* sql) {
    if (PQsendQueryParams(c_.c_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
        throw failure(c_.c_, nullptr, "send");
    }
    ++sent_;
}

void pipeline::send(const char* prepared_name, const params& p) {
    if (PQsendQueryPrepared(c_.c_, prepared_name, p.size(), p.values(), nullptr, nullptr, 0) != 1) {
        throw failure(c_.c_, nullptr, "send");
    }
    ++sent_;
}

// Sends everything buffered, reading what arrives meanwhile: a long pipeline would otherwise
// deadlock, the server blocked writing results that nobody reads.
void pipeline::flush() {
    for (;;) {
        const int r = PQflush(c_.c_);
        if (r == 0) return;
        if (r < 0) throw failure(c_.c_, nullptr, "send");
        pollfd p{PQsocket(c_.c_), POLLIN | POLLOUT, 0};
        if (::poll(&p, 1, -1) < 0 && errno != EINTR) throw failure(c_.c_, nullptr, "poll");
        if ((p.revents & POLLIN) != 0 && PQconsumeInput(c_.c_) != 1) {
            throw failure(c_.c_, nullptr, "receive");
        }
    }
}

std::vector<result> pipeline::commit() {
    done_ = true;
    PGconn* c = c_.c_;
    const bool abandoned = std::uncaught_exceptions() > 0;
    send_sql(abandoned ? "ROLLBACK" : "COMMIT");
    if (PQpipelineSync(c) != 1) throw failure(c, nullptr, "sync");
    flush();

    std::vector<result> out;
    std::optional<error> failed;
    bool committed = false;
    for (int i = 0; i < sent_; ++i) {
        PGresult* r = PQgetResult(c);
        if (r == nullptr) throw failure(c, nullptr, "receive");  // the outcome is unknown
        const auto status = PQresultStatus(r);
        if (!failed && status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            failed = failure(c, r, "commit");
        }
        if (i == sent_ - 1) committed = status == PGRES_COMMAND_OK && !abandoned;
        if (i > 0 && i < sent_ - 1) {
            out.emplace_back(r);
        } else {
            PQclear(r);
        }
        while (PGresult* extra = PQgetResult(c)) PQclear(extra);  // the NULL after each
    }
    PGresult* sync = PQgetResult(c);
    const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    if (!synced) throw failure(c, nullptr, "sync");
    if (PQexitPipelineMode(c) != 1) throw failure(c, nullptr, "pipeline");
    if (failed || !committed) {
        // A failed statement leaves the session in an aborted transaction: end it.
        if (PQtransactionStatus(c) != PQTRANS_IDLE) {
            PQclear(PQexec(c, "ROLLBACK"));
        }
        if (failed) throw *failed;
        throw error("postgresql commit: the transaction was not committed", "");
    }
    return out;
}

}  // namespace hashchat::store::pg
