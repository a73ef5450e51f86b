// gateway/metrics/metrics.hpp
//
// Every metric x400gw exports, declared once with its help text, in one
// prometheus-cpp registry served at /metrics. Names follow Prometheus
// practice (x400gw_ prefix, base units, _total on counters) and are API:
// dashboards depend on them, so they never change. Labels are bounded:
// never an address, a queue id or a host name (those go to the logs).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace x400gw::gateway {

class metrics {
public:
    metrics();

    std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
    std::string render() const;   // the text exposition format

    // Gauges that must balance: a guard increments on construction and
    // decrements on destruction, however the session ends.
    class session_guard {
    public:
        explicit session_guard(prometheus::Gauge& g) : g_(&g) { g_->Increment(); }
        session_guard(session_guard const&) = delete;
        session_guard& operator=(session_guard const&) = delete;
        ~session_guard() { g_->Decrement(); }

    private:
        prometheus::Gauge* g_;
    };

private:
    std::shared_ptr<prometheus::Registry> registry_;

public:
    prometheus::Counter& messages_received;          // committed, 250 sent
    prometheus::Counter& messages_delivered;         // per recipient
    prometheus::Counter& messages_deferred;          // per recipient attempt
    prometheus::Counter& messages_failed;            // per recipient
    prometheus::Counter& dsn_generated;
    prometheus::Counter& messages_quarantined;       // per recipient
    prometheus::Family<prometheus::Counter>& rejections;   // label code_class, enhanced
    prometheus::Family<prometheus::Gauge>& queue_messages; // label state
    prometheus::Family<prometheus::Gauge>& queue_oldest;   // label state
    prometheus::Gauge& server_sessions;
    prometheus::Gauge& client_sessions;
    prometheus::Histogram& delivery_latency;         // arrival to final outcome
    prometheus::Histogram& commit_latency;           // one group commit
    prometheus::Histogram& commit_batch;             // messages per group commit
    prometheus::Counter& db_errors;
    prometheus::Family<prometheus::Counter>& mime_repairs;
    prometheus::Family<prometheus::Counter>& address_mappings;  // labels direction, method
    prometheus::Family<prometheus::Counter>& tls_handshakes;    // labels direction, result
    prometheus::Family<prometheus::Counter>& config_reloads;    // labels what (routes, tables), result (ok, refused)
    prometheus::Gauge& server_tls_sessions;
    prometheus::Family<prometheus::Counter>& scheduled; // label path
    prometheus::Counter& scheduled_handoff;          // recipients handed over from the commit
    prometheus::Counter& scheduled_claim;            // recipients claimed from the queue

    void count_rejection(int code, std::string const& enhanced);
    // Counts the sanitizer's changes and renders them for a log line:
    // "content_type_added:1,line_folded:3".
    template <class Changes>
    std::string count_repairs(Changes const& changes)
    {
        std::string summary;
        for (auto const& c : changes) {
            mime_repairs.Add({{"action", std::string(c.kind)}}).Increment(static_cast<double>(c.count));
            summary += (summary.empty() ? "" : ",") + std::string(c.kind) + ":" + std::to_string(c.count);
        }
        return summary;
    }
};

} // namespace x400gw::gateway
