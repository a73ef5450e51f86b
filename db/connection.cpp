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
    conn_ = PQconnectdb(conninfo_.c_str());
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
// text values are copied into NUL-terminated storage here.
struct owned_params {
    std::vector<std::string> storage;
    std::vector<param> params;
    explicit owned_params(std::vector<param> const& in)
    {
        storage.reserve(in.size());
        for (auto const& p : in) {
            if (p.binary || p.null) {
                params.push_back(p);
                continue;
            }
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
    owned_params owned(params);
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
    ensure();
    for (auto const& c : calls)
        prepare(*c.what);
    if (PQenterPipelineMode(conn_) != 1)
        fail("pipeline", nullptr);
    std::vector<owned_params> owned;
    owned.reserve(calls.size());
    for (auto const& c : calls) {
        owned.emplace_back(c.params);
        packed_params packed(owned.back().params);
        std::string const name(c.what->name);
        if (PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(packed.values.size()), packed.values.data(),
                                packed.lengths.data(), packed.formats.data(), 0) != 1) {
            PQexitPipelineMode(conn_);
            fail(c.what->name, nullptr);
        }
    }
    if (PQpipelineSync(conn_) != 1) {
        PQexitPipelineMode(conn_);
        fail("pipeline_sync", nullptr);
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
    // Then the Sync's own result.
    for (int guard = 0; guard < 4; ++guard) {
        PGresult* sync = PQgetResult(conn_);
        if (!sync)
            break;
        bool const is_sync = PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
        PQclear(sync);
        if (is_sync)
            break;
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
