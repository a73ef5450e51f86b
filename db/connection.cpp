// db/connection.cpp
#include "db/connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>

namespace x400gw::db {

failure classify(std::string_view sqlstate) noexcept
{
    bool const transient = sqlstate.starts_with("08")      // connection exception
                        || sqlstate.starts_with("53")      // insufficient resources
                        || sqlstate.starts_with("57P")     // operator intervention (shutdown)
                        || sqlstate == "40001" || sqlstate == "40P01";
    return transient ? failure::transient : failure::bug;
}

result& result::operator=(result&& o) noexcept
{
    if (this != &o) {
        if (r_)
            PQclear(r_);
        r_ = std::exchange(o.r_, nullptr);
    }
    return *this;
}

result::~result()
{
    if (r_)
        PQclear(r_);
}

int result::rows() const noexcept { return r_ ? PQntuples(r_) : 0; }

std::string_view result::get(int row, int col) const noexcept
{
    return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
}

bool result::is_null(int row, int col) const noexcept { return PQgetisnull(r_, row, col) != 0; }

std::int64_t result::get_int(int row, int col) const
{
    auto v = get(row, col);
    std::int64_t out = 0;
    std::from_chars(v.data(), v.data() + v.size(), out);
    return out;
}

double result::get_double(int row, int col) const
{
    return std::strtod(std::string(get(row, col)).c_str(), nullptr);
}

std::uint64_t result::affected() const noexcept
{
    char const* n = r_ ? PQcmdTuples(r_) : "";
    return n && *n ? std::strtoull(n, nullptr, 10) : 0;
}

connection::connection(std::string conninfo, std::string setup)
    : conninfo_(std::move(conninfo)), setup_(std::move(setup))
{
}

connection::~connection() { close(); }

void connection::close() noexcept
{
    if (conn_)
        PQfinish(conn_);
    conn_ = nullptr;
    prepared_.clear();
}

bool connection::healthy() const noexcept { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

void connection::ensure()
{
    if (healthy())
        return;
    close();
    // Keepalives and a TCP user timeout, so that a server that vanished
    // (a cable, a crashed host) is noticed in about half a minute instead
    // of the kernel's two hours; the caller's conninfo, expanded last,
    // overrides any of them.
    static constexpr char const* keys[] = {"connect_timeout", "keepalives",       "keepalives_idle",
                                           "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                                           "dbname",          nullptr};
    char const* values[] = {"10", "1", "10", "5", "3", "30000", conninfo_.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, values, 1);
    if (PQstatus(conn_) != CONNECTION_OK) {
        std::string why = PQerrorMessage(conn_);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
            why.pop_back();
        close();
        throw error("connect", "", "cannot connect to the database: " + why);
    }
    // Server notices ("relation already exists, skipping") are not ours to
    // print on the daemon's log.
    PQsetNoticeProcessor(conn_, [](void*, char const*) {}, nullptr);
    if (!setup_.empty())
        exec_script(setup_, "setup");
}

void connection::fail(std::string_view name, pg_result const* r)
{
    std::string state;
    std::string message;
    if (r) {
        if (char const* s = PQresultErrorField(r, PG_DIAG_SQLSTATE))
            state = s;
        message = PQresultErrorMessage(r);
    }
    if (message.empty() && conn_)
        message = PQerrorMessage(conn_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
        message.pop_back();
    if (conn_ && PQstatus(conn_) != CONNECTION_OK)
        close();   // re-opened by the next call
    throw error(std::string(name), state, message);
}

void connection::check(std::string_view name, result const& r)
{
    auto const status = PQresultStatus(r.raw());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        fail(name, r.raw());
}

void connection::prepare(statement const& s)
{
    if (prepared_.contains(s.name))
        return;
    std::string const name(s.name);
    std::string const sql(s.sql);
    check(s.name, result(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr)));
    prepared_.insert(s.name);
}

bool valid_text(std::string_view v) noexcept
{
    std::size_t i = 0;
    while (i < v.size()) {
        auto const c = static_cast<unsigned char>(v[i]);
        if (c == 0)
            return false;
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t const n = c >= 0xf5 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : 0;
        if (n == 0 || v.size() - i <= n)
            return false;
        auto const c1 = static_cast<unsigned char>(v[i + 1]);
        if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) || (c == 0xf0 && c1 < 0x90) ||
            (c == 0xf4 && c1 > 0x8f))
            return false;   // overlong, a surrogate, or beyond U+10FFFF
        for (std::size_t k = 1; k <= n; ++k)
            if ((static_cast<unsigned char>(v[i + k]) & 0xc0) != 0x80)
                return false;
        i += n + 1;
    }
    return true;
}

namespace {

struct packed_params {
    std::vector<char const*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    explicit packed_params(std::vector<param> const& params)
    {
        for (auto const& p : params) {
            values.push_back(p.null ? nullptr : p.value.data());
            lengths.push_back(static_cast<int>(p.value.size()));
            formats.push_back(p.binary ? 1 : 0);
        }
    }
};

// Text parameters must be NUL-terminated for libpq; string_views into
// std::strings are, but views into the middle of a buffer are not, so
// text values are copied into NUL-terminated storage here. And they must
// be text: libpq cuts a value at its first NUL, and the server refuses
// what is not UTF-8 (22021), so a value of either kind is refused here,
// before it is sent, with the statement's name (a NUL in an address once
// made every commit of its batch fail, again and again).
struct owned_params {
    std::vector<std::string> storage;
    std::vector<param> params;
    owned_params(std::vector<param> const& in, std::string_view statement)
    {
        storage.reserve(in.size());
        for (std::size_t i = 0; i < in.size(); ++i) {
            auto const& p = in[i];
            if (p.binary || p.null) {
                params.push_back(p);
                continue;
            }
            if (!valid_text(p.value))
                throw error(std::string(statement), "22021",
                            "text parameter $" + std::to_string(i + 1) + " holds a NUL or is not UTF-8");
            storage.emplace_back(p.value);
            params.push_back({storage.back(), false, false});
        }
    }
};

} // namespace

result connection::exec(statement const& s, std::vector<param> const& params, bool binary_result)
{
    ensure();
    prepare(s);
    owned_params owned(params, s.name);
    packed_params packed(owned.params);
    std::string const name(s.name);
    result r(PQexecPrepared(conn_, name.c_str(), static_cast<int>(packed.values.size()), packed.values.data(),
                            packed.lengths.data(), packed.formats.data(), binary_result ? 1 : 0));
    check(s.name, r);
    return r;
}

void connection::exec_script(std::string_view sql, std::string_view name)
{
    if (!conn_)
        ensure();
    std::string const text(sql);
    check(name, result(PQexec(conn_, text.c_str())));
}

std::vector<result> connection::transaction(std::vector<call> const& calls)
{
    // Every parameter is checked before anything is sent.
    std::vector<owned_params> owned;
    owned.reserve(calls.size());
    for (auto const& c : calls)
        owned.emplace_back(c.params, c.what->name);
    ensure();
    for (auto const& c : calls)
        prepare(*c.what);
    if (PQenterPipelineMode(conn_) != 1)
        fail("pipeline", nullptr);
    for (std::size_t i = 0; i < calls.size(); ++i) {
        packed_params packed(owned[i].params);
        std::string const name(calls[i].what->name);
        if (PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(packed.values.size()), packed.values.data(),
                                packed.lengths.data(), packed.formats.data(), 0) != 1) {
            close();
            throw error(name, "", "cannot send the statement");
        }
    }
    if (PQpipelineSync(conn_) != 1) {
        close();
        throw error("pipeline_sync", "", "cannot send the Sync");
    }
    std::vector<result> results;
    results.reserve(calls.size());
    std::string failed_name;
    result failed;
    for (auto const& c : calls) {
        result r(PQgetResult(conn_));
        auto const* raw = r.raw();
        if (!raw) {
            failed_name = c.what->name;
            break;
        }
        auto const status = PQresultStatus(raw);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && failed_name.empty()) {
            failed_name = c.what->name;
            failed = std::move(r);
        } else {
            results.push_back(std::move(r));
        }
        // Each query's results end with a null result.
        while (PGresult* extra = PQgetResult(conn_))
            PQclear(extra);
    }
    // Then the Sync's own result. The implicit transaction commits when the
    // server processes the Sync, and only the Sync result (ReadyForQuery)
    // says that it did: a connection that breaks after the last
    // statement's result and before it leaves the outcome unknown, and
    // that is a failure, never a success.
    bool synced = false;
    if (failed_name.empty() || failed.raw()) {
        for (int guard = 0; guard < 4; ++guard) {
            PGresult* sync = PQgetResult(conn_);
            if (!sync)
                break;
            synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
            PQclear(sync);
            if (synced)
                break;
        }
    }
    if (!synced) {
        std::string state;
        if (failed.raw())
            if (char const* st = PQresultErrorField(failed.raw(), PG_DIAG_SQLSTATE))
                state = st;
        close();
        throw error(failed_name.empty() ? "pipeline_sync" : failed_name, state,
                    "the connection ended before the transaction's outcome was known");
    }
    PQexitPipelineMode(conn_);
    if (!failed_name.empty())
        fail(failed_name, failed.raw());
    return results;
}

std::string render_text_array(std::vector<std::string> const& values)
{
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i)
            out += ',';
        out += '"';
        for (char c : values[i]) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    out += '}';
    return out;
}

std::string render_int_array(std::vector<std::int64_t> const& values)
{
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i)
            out += ',';
        out += std::to_string(values[i]);
    }
    out += '}';
    return out;
}

} // namespace x400gw::db
