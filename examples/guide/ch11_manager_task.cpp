// Chapter 11: the manager-task pattern. One task owns the state (a map) and nothing else
// touches it, so it needs no lock. Other tasks send it commands over an mpsc channel; a
// command that wants an answer carries a oneshot sender for the reply.
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "weft/weft.hpp"

namespace mpsc = weft::sync::mpsc;
namespace oneshot = weft::sync::oneshot;

// The commands. Each carries the sending end of a oneshot channel for its reply.
struct Get {
    std::string key;
    oneshot::Sender<std::optional<long>> reply;
};
struct Incr {
    std::string key;
    oneshot::Sender<long> reply;  // the new value
};
using Command = std::variant<Get, Incr>;

// The manager: the only code that ever touches `db`.
weft::Task<void> manager(mpsc::Receiver<Command> rx) {
    std::map<std::string, long> db;
    while (auto cmd = co_await rx.recv()) {
        if (Get* get = std::get_if<Get>(&*cmd)) {
            auto it = db.find(get->key);
            std::optional<long> value;
            if (it != db.end()) value = it->second;
            (void)std::move(get->reply).send(value);  // the asker may be gone: ignore that
        } else if (Incr* incr = std::get_if<Incr>(&*cmd)) {
            long now = ++db[incr->key];
            (void)std::move(incr->reply).send(now);
        }
    }
    std::printf("manager: every sender is gone, %zu key(s) at the end\n", db.size());
}

// A client-side helper: send Incr, then wait for the reply.
weft::Task<long> incr(mpsc::Sender<Command>& tx, std::string key) {
    auto [reply_tx, reply_rx] = oneshot::channel<long>();
    Command cmd = Incr{std::move(key), std::move(reply_tx)};  // built outside the co_await
    if (!co_await tx.send(std::move(cmd))) throw std::runtime_error("manager is gone");
    co_return co_await reply_rx;  // throws sync::RecvError if no reply was sent
}

weft::Task<std::optional<long>> get(mpsc::Sender<Command>& tx, std::string key) {
    auto [reply_tx, reply_rx] = oneshot::channel<std::optional<long>>();
    Command cmd = Get{std::move(key), std::move(reply_tx)};
    if (!co_await tx.send(std::move(cmd))) throw std::runtime_error("manager is gone");
    co_return co_await reply_rx;
}

// A client: 100 increments of a shared counter, from whichever worker thread it runs on.
weft::Task<long> client(mpsc::Sender<Command> tx) {
    long last = 0;
    for (int i = 0; i < 100; ++i)
        last = co_await incr(tx, "hits");
    co_return last;
}

int main() {
    auto rt = weft::Runtime::builder().worker_threads(2).build();
    rt.block_on([]() -> weft::Task<void> {
        auto [tx, rx] = mpsc::channel<Command>(32);
        weft::JoinHandle<void> mgr = weft::spawn(manager(std::move(rx)));

        std::vector<weft::JoinHandle<long>> clients;
        for (int i = 0; i < 4; ++i)
            clients.push_back(weft::spawn(client(tx)));
        for (auto& c : clients) {
            long last = co_await c;
            std::printf("a client's last increment saw %ld\n", last);
        }
        std::optional<long> hits = co_await get(tx, "hits");
        std::optional<long> none = co_await get(tx, "nothing");
        std::printf("hits = %ld (4 clients x 100), \"nothing\" is %s\n", hits.value_or(-1),
                    none ? "set" : "not set");

        {
            mpsc::Sender<Command> last = std::move(tx);
        }  // the last sender is gone: the manager's loop ends
        co_await mgr;
    });
}
