// gateway/main/x400gw.cpp
//
// The x400gw daemon: reads the configuration, applies the schema
// migrations, then runs the SMTP listeners, the scheduler and the admin
// HTTP port on one I/O thread, with the database on its own threads.
// SIGTERM or SIGINT: stop accepting, let sessions and deliveries finish
// within shutdown_grace, release leases, exit 0.
#include "db/committer.hpp"
#include "db/store.hpp"
#include "db/worker_pool.hpp"
#include "gateway/config/config.hpp"
#include "gateway/cpu.hpp"
#include "gateway/control.hpp"
#include "gateway/db_bridge.hpp"
#include "gateway/http/admin_server.hpp"
#include "gateway/live_config.hpp"
#include "gateway/log.hpp"
#include "gateway/main/service_manager.hpp"
#include "gateway/metrics/metrics.hpp"
#include "gateway/runtime.hpp"
#include "gateway/smtp_client/delivery.hpp"
#include "gateway/smtp_server/session.hpp"
#include "gateway/tls.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <iostream>
#include <malloc.h>
#include <thread>
#include <unistd.h>

using namespace x400gw;
using namespace x400gw::gateway;

namespace {

task<void> flush_queue(runtime& rt)
{
    action_request all{db::queue_action::retry, {}, db::queue_filter{},
                       R"({"action":"retry","filter":{},"by":"SIGUSR1"})", "signal"};
    (void)co_await act(rt, all);
}

std::atomic<bool> finished{false};

tcp::endpoint parse_listen(std::string const& text)
{
    std::string host;
    std::uint16_t port = 0;
    if (!split_host_port(text, host, port))
        throw config_error("bad listen address '" + text + "' (want address:port)");
    error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec)
        throw config_error("bad listen address '" + text + "': " + ec.message());
    return {address, port};
}

// Listens on `text`, or says why not, naming the address: the system's
// reason, and what usually helps where it is the port's owner or rights.
std::optional<std::string> open_acceptor(tcp::acceptor& a, std::string const& text)
{
    auto const ep = parse_listen(text);
    error_code ec;
    a.open(ep.protocol(), ec);
    if (!ec)
        a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
        a.bind(ep, ec);
    if (!ec)
        a.listen(asio::socket_base::max_listen_connections, ec);
    if (!ec)
        return std::nullopt;
    std::string why = "cannot listen on " + text + ": " + ec.message();
    if (ec == asio::error::address_in_use)
        why += " (another process holds the port: ss -ltnp shows which)";
    else if (ec == asio::error::access_denied && ep.port() < 1024)
        why += " (a port below 1024 needs root or CAP_NET_BIND_SERVICE, as the shipped unit grants)";
    else if (ec == error_code(EADDRNOTAVAIL, boost::system::system_category()))
        why += " (no interface of this machine has that address)";
    return why;
}

bool migrate(std::string const& conninfo)
{
    // The database may still be starting (a container, a reboot): try for
    // a while before giving up.
    for (int attempt = 0;; ++attempt) {
        try {
            db::connection c(conninfo);
            db::apply_migrations(c);
            return true;
        } catch (db::error const& e) {
            if (!e.transient() || attempt >= 30) {
                fail("x400gw", std::string("database schema: ") + e.what());
                return false;
            }
            if (attempt == 0)
                warn("x400gw", std::string("waiting for the database (") + e.what() + ")");
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }
}

// What a SIGHUP reads: the configuration file, the certificate and key
// (from the paths the daemon started with) and the mapping tables' files.
// Read on the CPU pool, since table files can be large.
struct reread {
    std::vector<route> routes;
    std::shared_ptr<asio::ssl::context> tls;   // null when TLS is off or the new one was refused
    std::string tls_refused;
    std::optional<addressing::result<addressing::mapping_sources>> sources;   // when there are tables
};

// One reload per SIGHUP, one at a time; the sessions go on meanwhile.
task<void> reload_on_hangup(asio::signal_set& hangup, runtime& rt, live_config& live, std::string path, bool mapping)
{
    for (;;) {
        auto [ec, signal] = co_await hangup.async_wait(use_tuple);
        (void)signal;
        if (ec)
            co_return;
        try {
            auto read = [&path, &tls = rt.cfg.tls, mapping] {
                auto fresh = load_config(path);
                reread r;
                r.routes = std::move(fresh.routes);
                if (tls.enabled())
                    r.tls = make_server_tls(tls, r.tls_refused);
                if (mapping && fresh.addressing)
                    r.sources = addressing::load_mapping_sources(*fresh.addressing);
                return r;
            };
            auto r = co_await run_cpu(rt, read);
            if (r.tls) {
                // Sessions open now keep theirs.
                rt.tls = std::move(r.tls);
                log("x400gw", "reload: TLS certificate and key replaced");
            } else if (rt.cfg.tls.enabled()) {
                fail("x400gw", "reload: TLS certificate refused, the old one stays (" + r.tls_refused + ")");
            }
            // The file's routes and tables; the database's stay in their place.
            if (!r.sources) {
                (void)co_await live.reload_file(std::move(r.routes), std::nullopt);
                log("x400gw", "reload: routes replaced; no [addressing] tables to reload");
            } else if (!*r.sources) {
                warn("x400gw", "reload refused, old tables kept (" + r.sources->failure().why + ")");
            } else if (auto why = co_await live.reload_file(std::move(r.routes), std::move(**r.sources))) {
                warn("x400gw", "reload refused, old tables kept (" + *why + ")");
            } else {
                log("x400gw", "reload: mapping tables replaced, and the routes");
            }
        } catch (std::exception const& e) {
            warn("x400gw", std::string("reload refused, old tables kept (") + e.what() + ")");
        }
    }
}

} // namespace

int main(int argc, char** argv)
{
    // Two malloc arenas, not glibc's eight per core: a body is allocated on
    // the I/O thread and freed on the MIME pool or a database thread, and
    // every thread's own arena kept its share of freed bodies resident
    // (docs/performance.md: 2 to 5 MiB less at the peak, no throughput lost).
    mallopt(M_ARENA_MAX, 2);
    CLI::App app{"x400gw: X.400/SMTP mail gateway daemon"};
    std::string config_path = "/etc/x400gw/x400gw.conf";
    std::string database;
    bool check_only = false;
    app.add_option("-c,--config", config_path, "configuration file (TOML)");
    app.add_option("--database", database, "libpq connection string; overrides [database] conninfo");
    app.add_flag("--check-config", check_only, "read the configuration, report errors, and exit");
    app.set_version_flag("--version", X400GW_VERSION);
    try {
        app.parse(argc, argv);
    } catch (CLI::ParseError const& e) {
        int const rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }

    config cfg;
    try {
        cfg = load_config(config_path);
        if (!database.empty())
            cfg.database = database;
        for (auto const& l : cfg.listen)
            (void)parse_listen(l.address);
        (void)parse_listen(cfg.admin_listen);
    } catch (std::exception const& e) {
        std::cerr << "x400gw: " << e.what() << "\n";
        return 1;
    }
    std::shared_ptr<asio::ssl::context> tls;
    if (cfg.tls.enabled()) {
        std::string why;
        tls = make_server_tls(cfg.tls, why);
        if (!tls) {
            std::cerr << "x400gw: " << config_path << ": [tls]: " << why << "\n";
            return 1;
        }
    }
    if (check_only) {
        std::cout << "x400gw: " << config_path << " is valid\n";
        return 0;
    }
    if (cfg.database.empty()) {
        std::cerr << "x400gw: no database configured: set [database] conninfo in " << config_path
                  << " or pass --database\n";
        return 1;
    }
    // The file's tables are read now; live_config indexes them, with the
    // database's in their place where it holds some.
    std::unique_ptr<addressing::mapper> mapper;
    std::optional<addressing::mapping_sources> file_tables;
    if (cfg.addressing) {
        auto sources = addressing::load_mapping_sources(*cfg.addressing);
        if (!sources) {
            std::cerr << "x400gw: " << config_path << ": [addressing]: " << sources.failure().why << "\n";
            return 1;
        }
        auto bare = addressing::make_mapping_state(sources->identity, {});
        if (!bare) {
            std::cerr << "x400gw: " << config_path << ": [addressing]: " << bare.failure().why << "\n";
            return 1;
        }
        mapper = std::make_unique<addressing::mapper>(std::move(*bare));
        file_tables = std::move(*sources);
    }
    if (!migrate(cfg.database))
        return 1;

    char host[256] = {};
    gethostname(host, sizeof host - 1);
    std::string owner = cfg.node_name.empty() ? std::string(host) + ":" + std::to_string(::getpid()) : cfg.node_name;
    owner += "/" + make_session_id('N');

    metrics m;
    // Every connection: the statement timeout, and no JIT. The gateway's
    // statements are short; a JIT compile costs tens of milliseconds and
    // loads LLVM into the backend (46 MiB, measured), and enable_seqscan =
    // off below makes a plan's cost look large enough to ask for one.
    auto const every_connection = "SET jit = off; SET statement_timeout = " +
                                  std::to_string(std::chrono::milliseconds(cfg.statement_timeout).count());
    // The queue's tables are small and churn: between two vacuums most of
    // their pages hold dead rows, and a plan made when they looked empty
    // (a sequential scan, cached with the prepared statement) reads every
    // one of those rows on every claim and every outcome. The delivery's
    // statements all have an index to use; enable_seqscan = off makes the
    // planner use it whatever the table's size looked like (the claim went
    // from 152 to 55 us a call in the relay bench, docs/performance.md). A
    // listing with no index to use still scans.
    auto const queue_session = "SET synchronous_commit = off; SET enable_seqscan = off;" + every_connection;
    db::worker_pool pool(cfg.database, queue_session, cfg.pool_threads);
    // Lease renewals on a connection of their own: never queued behind bulk
    // work, so a busy process does not let its leases lapse mid-delivery.
    // Used once every third of the lease (and to prune the ledger), it is
    // closed as soon as that is done rather than kept as an idle backend
    // (some 4 MiB of PostgreSQL's memory): 100 ms covers a renewal and a
    // prune of the same tick, and reconnecting every 40 s (the default
    // lease) costs PostgreSQL a few milliseconds.
    db::worker_pool control(cfg.database, queue_session, 1, std::chrono::milliseconds(100));
    // The commits' connections plan with enable_seqscan = off too: each
    // recipient insert runs the foreign key's check on message, which
    // otherwise read every page of that churning table (19 buffers a check
    // in pg_stat_statements, 4 with the index; 12.6 against 6.6 us).
    auto const commit_session = "SET enable_seqscan = off;" + every_connection;
    db::committer committer(cfg.database, {cfg.commit_batch, cfg.commit_queue, commit_session},
                            [&m](double seconds, std::size_t n, bool ok) {
        m.commit_latency.Observe(seconds);
        m.commit_batch.Observe(static_cast<double>(n));
        if (!ok)
            m.db_errors.Increment();
    });
    db::key_allocator keys;
    auto io = std::make_unique<asio::io_context>(1);
    runtime rt{*io, cfg, m, pool, control, committer, keys, owner};
    asio::thread_pool cpu(static_cast<std::size_t>(cfg.cpu_threads));
    rt.cpu = &cpu;
    delivery scheduler(rt);
    rt.scheduler = &scheduler;
    rt.mapper = mapper.get();
    live_config live(rt, mapper.get());
    rt.live = &live;
    if (auto why = live.set_file(cfg.routes, std::move(file_tables))) {
        std::cerr << "x400gw: " << config_path << ": [addressing]: " << *why << "\n";
        return 1;
    }
    if (mapper)
        for (auto const& w : mapper->state()->warnings)
            warn("x400gw", "addressing: " + w);
    try {
        db::connection c(cfg.database, every_connection);
        live.load_now(c);
    } catch (std::exception const& e) {
        warn("x400gw", std::string("routes and tables in the database not loaded yet (") + e.what() + ")");
    }
    rt.clients.configure(
        {cfg.sessions_per_client, cfg.connections_per_minute, cfg.messages_per_minute, cfg.auth_failures_per_minute});
    rt.tls = tls;

    std::vector<std::unique_ptr<tcp::acceptor>> listeners;
    tcp::acceptor admin(*io);
    try {
        for (auto const& l : cfg.listen) {
            listeners.push_back(std::make_unique<tcp::acceptor>(*io));
            if (auto why = open_acceptor(*listeners.back(), l.address)) {
                std::cerr << "x400gw: " << *why << "\n";
                return 1;
            }
        }
        if (auto why = open_acceptor(admin, cfg.admin_listen)) {
            std::cerr << "x400gw: admin port: " << *why << "\n";
            return 1;
        }
    } catch (std::exception const& e) {
        std::cerr << "x400gw: cannot listen: " << e.what() << "\n";
        return 1;
    }

    auto on_error = [](std::string what) { return report_exceptions(std::move(what), true); };
    for (std::size_t i = 0; i < listeners.size(); ++i)
        asio::co_spawn(*io, run_listener(rt, *listeners[i], cfg.listen[i]), on_error("listener"));
    asio::co_spawn(*io, run_admin_server(rt, admin), on_error("admin"));
    asio::co_spawn(*io, scheduler.run(), on_error("scheduler"));
    asio::co_spawn(*io, scheduler.run_upkeep(), on_error("upkeep"));
    asio::co_spawn(*io, live.run(cfg.config_poll), on_error("config"));

    // SIGHUP: reload the mapping tables; invalid new ones leave the old in
    // place (the rest of the configuration is read at start only).
    asio::signal_set hangup(*io, SIGHUP);
    asio::co_spawn(*io, reload_on_hangup(hangup, rt, live, config_path, mapper != nullptr), on_error("reload"));

    // SIGUSR1: every deferred recipient due now (Postfix's `postqueue -f`),
    // through the same code path and audit trail as the REST API's retry.
    asio::signal_set flush(*io, SIGUSR1);
    std::function<void()> wait_flush = [&] {
        flush.async_wait([&](error_code ec, int) {
            if (ec)
                return;
            asio::co_spawn(*io, flush_queue(rt), report_exceptions("flush"));
            wait_flush();
        });
    };
    wait_flush();

    asio::signal_set signals(*io, SIGTERM, SIGINT);
    asio::steady_timer drain(*io);
    signals.async_wait([&](error_code ec, int sig) {
        if (ec)
            return;
        log("x400gw", std::string("stopping signal=") + (sig == SIGTERM ? "TERM" : "INT"));
        notify_service_manager("STOPPING=1");
        rt.stopping = true;
        hangup.cancel();
        flush.cancel();
        live.stop();
        error_code ignored;
        for (auto& l : listeners)
            l->close(ignored);
        scheduler.stop();
        for (auto* s : std::vector<smtp_server_session*>(rt.sessions.begin(), rt.sessions.end()))
            s->shutdown();
        auto const deadline = std::chrono::steady_clock::now() + cfg.shutdown_grace;
        asio::co_spawn(
            *io,
            [&, deadline]() -> task<void> {
                while ((!rt.sessions.empty() || scheduler.in_flight() > 0) &&
                       std::chrono::steady_clock::now() < deadline) {
                    drain.expires_after(std::chrono::milliseconds(50));
                    co_await drain.async_wait(asio::use_awaitable);
                }
                for (auto* s : std::vector<smtp_server_session*>(rt.sessions.begin(), rt.sessions.end()))
                    s->abort();
                scheduler.abort();
                try {
                    auto release = [&owner](db::connection& c) { db::release_leases(c, owner); };
                    co_await run_db(pool, release);
                } catch (std::exception const& e) {
                    warn("x400gw", std::string("could not release leases; they expire by themselves (") + e.what() + ")");
                }
                error_code ignored;
                admin.close(ignored);
                for (auto* s : rt.admin_sockets)
                    s->close(ignored);
                log("x400gw", "stopped");
                // No io.stop(): run() returns when the last coroutine has
                // ended, so none is left to outlive what it refers to.
            },
            asio::detached);
        // Should something still hang after the grace, do not hang with it.
        std::thread([grace = cfg.shutdown_grace] {
            std::this_thread::sleep_for(grace + std::chrono::seconds(15));
            if (!finished) {
                fail("x400gw", "stop did not complete; exiting");
                std::_Exit(0);
            }
        }).detach();
    });

    // Ready only now: every signal has its handler, so a SIGHUP or SIGTERM
    // sent as soon as the start is logged is handled, not fatal.
    std::string where;
    for (auto const& l : cfg.listen)
        where += (where.empty() ? "" : ",") + l.address + (l.implicit_tls ? "/tls" : l.require_tls ? "/require_tls" : "");
    log("x400gw", "started version=" + std::string(X400GW_VERSION) + " smtp=" + where + " admin=" + cfg.admin_listen +
                      " owner=" + owner);
    notify_service_manager("READY=1");

    io->run();
    finished = true;
    committer.stop();
    pool.stop();
    control.stop();
    return 0;
}
