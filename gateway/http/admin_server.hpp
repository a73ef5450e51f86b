// gateway/http/admin_server.hpp
//
// The admin HTTP port (Beast): /metrics in the Prometheus text format,
// /healthz (the process answers) and /readyz (the database answers and we
// are not stopping). Only this file and its .cpp include Beast's HTTP
// headers, so only one translation unit pays for them.
#pragma once

#include "gateway/runtime.hpp"

namespace x400gw::gateway {

task<void> run_admin_server(runtime& rt, tcp::acceptor& acceptor);

} // namespace x400gw::gateway
