// gateway/main/service_manager.hpp
//
// Tells a service manager (systemd's Type=notify) that the daemon is ready
// or stopping, through libsystemd's sd_notify. The library is loaded only
// when the manager asked for notifications ($NOTIFY_SOCKET set): run by
// hand, in a container or under a test, the gateway maps none of
// libsystemd and the libraries it pulls in (gcrypt, lz4, zstd, lzma, cap;
// 0.4 MiB of the process, measured), which it would never call.
#pragma once

namespace x400gw::gateway {

// sd_notify(0, state); nothing when no service manager listens. A library
// that cannot be loaded is reported once on stderr, never fatal: the
// manager then sees the process as it would a Type=simple one that never
// signals readiness, and its start timeout says so.
void notify_service_manager(char const* state);

} // namespace x400gw::gateway
