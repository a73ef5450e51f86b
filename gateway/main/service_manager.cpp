// gateway/main/service_manager.cpp
#include "gateway/main/service_manager.hpp"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <dlfcn.h>
#include <iostream>

namespace x400gw::gateway {

namespace {

using notify_fn = decltype(&sd_notify);

notify_fn load()
{
    if (!std::getenv("NOTIFY_SOCKET"))
        return nullptr;
    // Kept loaded for the life of the process: never dlclose'd.
    void* lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    void* fn = lib ? dlsym(lib, "sd_notify") : nullptr;
    if (!fn) {
        char const* why = dlerror();
        std::cerr << "x400gw: NOTIFY_SOCKET is set but sd_notify cannot be loaded: " << (why ? why : "not found")
                  << "\n";
        return nullptr;
    }
    return reinterpret_cast<notify_fn>(fn);
}

} // namespace

void notify_service_manager(char const* state)
{
    static notify_fn const fn = load();
    if (fn)
        fn(0, state);
}

} // namespace x400gw::gateway
