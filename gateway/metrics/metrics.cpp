// gateway/metrics/metrics.cpp
#include "gateway/metrics/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace x400gw::gateway {
namespace {
using namespace prometheus;

Counter& counter(Registry& r, std::string const& name, std::string const& help)
{
    return BuildCounter().Name(name).Help(help).Register(r).Add({});
}
Gauge& gauge(Registry& r, std::string const& name, std::string const& help)
{
    return BuildGauge().Name(name).Help(help).Register(r).Add({});
}
Histogram& histogram(Registry& r, std::string const& name, std::string const& help, Histogram::BucketBoundaries b)
{
    return BuildHistogram().Name(name).Help(help).Register(r).Add({}, std::move(b));
}
} // namespace

metrics::metrics()
    : registry_(std::make_shared<Registry>()),
      messages_received(counter(*registry_, "x400gw_messages_received_total",
                                "Messages accepted and committed to the queue (250 sent after DATA or BDAT LAST)")),
      messages_delivered(counter(*registry_, "x400gw_messages_delivered_total",
                                 "Recipients delivered to their next hop (2xx after end of data)")),
      messages_deferred(counter(*registry_, "x400gw_messages_deferred_total",
                                "Delivery attempts of a recipient that ended in a temporary failure")),
      messages_failed(counter(*registry_, "x400gw_messages_failed_total",
                              "Recipients that failed permanently (5xx or queue lifetime expired)")),
      dsn_generated(counter(*registry_, "x400gw_dsn_generated_total", "Delivery status notifications queued")),
      messages_quarantined(counter(*registry_, "x400gw_messages_quarantined_total",
                                   "Recipients set aside because their message could not be converted for the next hop")),
      rejections(BuildCounter()
                     .Name("x400gw_smtp_server_rejections_total")
                     .Help("SMTP server replies of class 4 or 5, by code class and the first two parts of the enhanced status")
                     .Register(*registry_)),
      queue_messages(BuildGauge()
                         .Name("x400gw_queue_messages")
                         .Help("Messages in the queue with at least one recipient in this state (queued, deferred, active)")
                         .Register(*registry_)),
      queue_oldest(BuildGauge()
                       .Name("x400gw_queue_oldest_message_age_seconds")
                       .Help("Age of the oldest message with a recipient in this state")
                       .Register(*registry_)),
      server_sessions(gauge(*registry_, "x400gw_smtp_server_sessions_open", "Inbound SMTP sessions open now")),
      client_sessions(gauge(*registry_, "x400gw_smtp_client_sessions_open", "Outbound SMTP sessions open now")),
      delivery_latency(histogram(*registry_, "x400gw_delivery_latency_seconds",
                                 "From arrival to the final outcome of a recipient",
                                 {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 86400})),
      commit_latency(histogram(*registry_, "x400gw_db_commit_duration_seconds",
                               "One group commit of received messages, from submission of the batch to durable",
                               {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5})),
      commit_batch(histogram(*registry_, "x400gw_db_commit_batch_messages", "Messages per group commit",
                             {1, 2, 4, 8, 16, 32, 64, 128, 256})),
      db_errors(counter(*registry_, "x400gw_db_errors_total", "Failed database operations")),
      mime_repairs(BuildCounter()
                       .Name("x400gw_mime_repairs_total")
                       .Help("Changes the MIME sanitizer made, by kind (at intake, and 7-bit downgrades at delivery)")
                       .Register(*registry_)),
      address_mappings(BuildCounter()
                           .Name("x400gw_address_mappings_total")
                           .Help("Envelope addresses mapped by RFC 2156, by direction and method (table, gateway_table, "
                                 "algorithmic, encapsulated, failed)")
                           .Register(*registry_)),
      tls_handshakes(BuildCounter()
                         .Name("x400gw_tls_handshakes_total")
                         .Help("TLS handshakes by direction (inbound, outbound) and result (ok, failed, timeout)")
                         .Register(*registry_)),
      config_reloads(BuildCounter()
                         .Name("x400gw_config_reloads_total")
                         .Help("Routes and mapping tables reloaded from the database or the file, by what (routes, "
                               "tables) and result (ok, refused: the old ones stay)")
                         .Register(*registry_)),
      server_tls_sessions(gauge(*registry_, "x400gw_smtp_server_tls_sessions_open",
                                "Inbound SMTP sessions open now under TLS")),
      scheduled(BuildCounter()
                    .Name("x400gw_delivery_scheduled_total")
                    .Help("Recipients given to delivery, by path: handoff (from the commit, in memory) or claim "
                          "(from the queue)")
                    .Register(*registry_)),
      scheduled_handoff(scheduled.Add({{"path", "handoff"}})),
      scheduled_claim(scheduled.Add({{"path", "claim"}}))
{
    BuildGauge()
        .Name("x400gw_build_info")
        .Help("Build information; always 1")
        .Register(*registry_)
        .Add({{"version", X400GW_VERSION}})
        .Set(1);
    for (auto const* state : {"queued", "deferred", "active", "quarantined", "held"}) {
        queue_messages.Add({{"state", state}});
        queue_oldest.Add({{"state", state}});
    }
}

void metrics::count_rejection(int code, std::string const& enhanced)
{
    std::string cls = std::to_string(code / 100) + "xx";
    auto const second_dot = enhanced.find('.', 2);
    rejections.Add({{"code_class", cls}, {"enhanced", enhanced.substr(0, second_dot)}}).Increment();
}

std::string metrics::render() const
{
    return TextSerializer().Serialize(registry_->Collect());
}

} // namespace x400gw::gateway
