// gateway/runtime.hpp
//
// What the daemon's parts share: the configuration, the metrics, the
// database threads, and the stop signal. One I/O thread runs every
// session, the scheduler and the admin server, so nothing here needs a
// lock except what the database threads touch (they post back).
#pragma once

#include "db/committer.hpp"
#include "db/store.hpp"
#include "db/worker_pool.hpp"
#include "gateway/config/config.hpp"
#include "gateway/io.hpp"
#include "gateway/metrics/metrics.hpp"
#include "gateway/smtp/client_limits.hpp"

#include <functional>
#include <memory>
#include <set>

namespace boost::asio::ssl {
class context;
}
namespace boost::asio {
class thread_pool;
}

namespace x400gw::gateway {

class smtp_server_session;
class live_config;
class delivery;

struct runtime {
    asio::io_context& io;
    config const& cfg;
    metrics& m;
    db::worker_pool& pool;
    db::worker_pool& control;                // lease renewals only: never behind bulk work
    db::committer& committer;
    db::key_allocator& keys;
    std::string owner;                       // this process's lease owner name
    addressing::mapper* mapper = nullptr;    // RFC 2156 mapping, when [addressing] is configured
    std::shared_ptr<route_set const> routes; // SMTP routes in effect (live_config swaps them)
    live_config* live = nullptr;                   // routes and tables, file and database
    bool stopping = false;
    delivery* scheduler = nullptr;           // wakes for, or is handed, what was committed here
    std::set<smtp_server_session*> sessions; // open inbound sessions
    smtp::client_limits clients;             // per client address (not for relay_networks)
    std::shared_ptr<boost::asio::ssl::context> tls;   // the server certificate; SIGHUP swaps it
    std::set<tcp::socket*> admin_sockets;    // open admin HTTP connections
    boost::asio::thread_pool* cpu = nullptr; // MIME work off the I/O thread (gateway/cpu.hpp)
};

// A short id for a log subject: prefix then six base-32 characters.
std::string make_session_id(char prefix);

} // namespace x400gw::gateway
