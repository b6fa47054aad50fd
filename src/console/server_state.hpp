#pragma once
// What a console server holds (console.cpp), shared by its tasks: the observed runtime's
// handle, the listener, and the stall feed, which autostart.cpp also hands to the runtime's
// stall callback.
#include <chrono>
#include <memory>

#include "providers.hpp"
#include "weft/console/console.hpp"
#include "weft/net/tcp_listener.hpp"

namespace weft::console {

struct Server::State {
    State(Handle h, net::TcpListener l) : handle(std::move(h)), listener(std::move(l)) {}
    Handle handle;
    net::TcpListener listener;
    std::shared_ptr<detail::StallFeed> stalls = std::make_shared<detail::StallFeed>();
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    bool running = false;
};

}  // namespace weft::console
