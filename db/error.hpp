// db/error.hpp
//
// Database failures, classified once by SQLSTATE class (PostgreSQL
// Appendix A). Transient ones (the server is down or restarting, out of
// resources, a serialization conflict) become 451 4.3.0 inbound and a
// retry in the scheduler; anything else is our bug, logged loudly with the
// statement's name.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace x400gw::db {

enum class failure { transient, bug };

failure classify(std::string_view sqlstate) noexcept;

class error : public std::runtime_error {
public:
    error(std::string statement, std::string sqlstate, std::string const& message)
        : std::runtime_error(message), statement_(std::move(statement)), sqlstate_(std::move(sqlstate))
    {
    }
    std::string const& statement() const noexcept { return statement_; }
    std::string const& sqlstate() const noexcept { return sqlstate_; }
    // No SQLSTATE (the connection itself failed) counts as transient.
    bool transient() const noexcept { return sqlstate_.empty() || classify(sqlstate_) == failure::transient; }

private:
    std::string statement_;
    std::string sqlstate_;
};

} // namespace x400gw::db
