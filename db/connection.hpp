// db/connection.hpp
//
// One PostgreSQL connection, used from one thread at a time (libpq's rule).
// Blocking libpq: x400gw runs these on small dedicated threads (see
// worker_pool.hpp and committer.hpp), never on an I/O thread. Statements
// are prepared on first use under their names; a broken connection is
// re-opened on the next call, so a database restart costs the calls in
// flight, not a gateway restart. Only db/ sees libpq.
#pragma once

#include "db/error.hpp"
#include "db/statements.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

struct pg_conn;
struct pg_result;

namespace x400gw::db {

struct param {
    std::string_view value;
    bool binary = false;   // sent as raw octets (bytea)
    bool null = false;
};

class result {
public:
    result() = default;
    explicit result(pg_result* r) noexcept : r_(r) {}
    result(result&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
    result& operator=(result&& o) noexcept;
    ~result();

    int rows() const noexcept;
    std::string_view get(int row, int col) const noexcept;   // text (or binary) value
    bool is_null(int row, int col) const noexcept;
    std::int64_t get_int(int row, int col) const;
    double get_double(int row, int col) const;
    std::uint64_t affected() const noexcept;                  // rows an UPDATE/DELETE touched
    pg_result* raw() const noexcept { return r_; }

private:
    pg_result* r_ = nullptr;
};

struct call {
    statement const* what;
    std::vector<param> params;
};

class connection {
public:
    // `setup` is run once after every (re)connect, e.g. "SET synchronous_commit = on".
    explicit connection(std::string conninfo, std::string setup = {});
    ~connection();
    connection(connection const&) = delete;
    connection& operator=(connection const&) = delete;

    // Runs one named statement; throws db::error.
    result exec(statement const& s, std::vector<param> const& params, bool binary_result = false);
    // Runs plain SQL (migrations, SET); throws db::error.
    void exec_script(std::string_view sql, std::string_view name);
    // Runs the calls as one transaction in one round trip (libpq pipeline
    // mode: the statements up to the Sync form one implicit transaction, all
    // or nothing). Throws db::error naming the statement that failed.
    std::vector<result> transaction(std::vector<call> const& calls);

    bool healthy() const noexcept;
    void close() noexcept;

private:
    void ensure();
    void prepare(statement const& s);
    [[noreturn]] void fail(std::string_view name, pg_result const* r);
    void check(std::string_view name, result const& r);

    std::string conninfo_;
    std::string setup_;
    pg_conn* conn_ = nullptr;
    std::unordered_set<std::string_view> prepared_;
};

// BEGIN now, ROLLBACK at the end of the scope unless commit() was called.
class transaction_scope {
public:
    explicit transaction_scope(connection& c) : c_(c) { c_.exec_script("BEGIN", "begin"); }
    ~transaction_scope()
    {
        if (!done_) {
            try {
                c_.exec_script("ROLLBACK", "rollback");
            } catch (...) {
                c_.close();
            }
        }
    }
    transaction_scope(transaction_scope const&) = delete;
    transaction_scope& operator=(transaction_scope const&) = delete;
    void commit()
    {
        c_.exec_script("COMMIT", "commit");
        done_ = true;
    }

private:
    connection& c_;
    bool done_ = false;
};

// Whether a text parameter can reach the server intact: no NUL, valid UTF-8.
bool valid_text(std::string_view v) noexcept;

// "{a,b}" for a text[] parameter, quoting every element.
std::string render_text_array(std::vector<std::string> const& values);
std::string render_int_array(std::vector<std::int64_t> const& values);

} // namespace x400gw::db
