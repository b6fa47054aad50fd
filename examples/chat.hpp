#pragma once
// A line-based chat server on weft: every line a client sends goes to every other client.
// Shared by examples/chat.cpp and its test.
//
// A slow client cannot stall the others: each member has a bounded outbox (an mpsc channel)
// drained by its own writer, and a broadcast only ever try_sends. A member whose outbox is
// full is disconnected, like a Redis client over its output buffer limit, so the room never
// waits for it and never buffers without bound.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "weft/weft.hpp"

class ChatRoom {
  public:
    using Line = std::shared_ptr<const std::string>;  // one copy, shared by every outbox

    explicit ChatRoom(std::size_t outbox_lines = 1024) : outbox_lines_(outbox_lines) {}

    struct Member {
        std::uint64_t id;
        weft::sync::mpsc::Receiver<Line> outbox;
    };
    Member join() {
        auto [tx, rx] = weft::sync::mpsc::channel<Line>(outbox_lines_);
        std::lock_guard lock(mu_);
        std::uint64_t id = next_id_++;
        members_.emplace(id, std::move(tx));
        return Member{id, std::move(rx)};
    }
    void leave(std::uint64_t id) {
        std::lock_guard lock(mu_);
        members_.erase(id);
    }
    // Queues `text` for every member but `from`, without waiting. A full outbox removes its
    // member: dropping its only sender ends its outbox, so its writer stops and its
    // connection closes.
    void broadcast(std::uint64_t from, std::string text) {
        auto line = std::make_shared<const std::string>(std::move(text));
        std::vector<weft::sync::mpsc::Sender<Line>> dropped;  // destroyed outside the lock
        std::lock_guard lock(mu_);
        for (auto it = members_.begin(); it != members_.end();) {
            if (it->first != from) {
                auto r = it->second.try_send(line);
                if (!r && r.status() == weft::sync::SendStatus::Full) {
                    dropped.push_back(std::move(it->second));
                    it = members_.erase(it);
                    ++too_slow_;
                    continue;
                }
            }
            ++it;
        }
    }
    std::size_t members() const {
        std::lock_guard lock(mu_);
        return members_.size();
    }
    std::uint64_t disconnected_too_slow() const {
        std::lock_guard lock(mu_);
        return too_slow_;
    }

  private:
    std::size_t outbox_lines_;
    mutable std::mutex mu_;
    std::map<std::uint64_t, weft::sync::mpsc::Sender<Line>> members_;
    std::uint64_t next_id_ = 1;
    std::uint64_t too_slow_ = 0;
};

// The longest line a client may send; a longer one ends its session with an error line.
inline constexpr std::size_t kMaxChatLine = 4096;

// Reads the client's lines and broadcasts them as "user N: text". Ends at end of stream
// (false) or at a line over kMaxChatLine (true).
inline weft::Task<bool> chat_read_lines(ChatRoom& room, std::uint64_t id,
                                        weft::net::TcpStream::ReadHalf rd) {
    std::string pending;
    char buf[4096];
    for (;;) {
        std::size_t n = co_await weft::io::read(rd, std::span(buf));
        if (n == 0) co_return false;
        pending.append(buf, n);
        std::size_t start = 0;
        for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos;
             start = nl + 1) {
            std::string_view line(pending.data() + start, nl - start);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            room.broadcast(id, "user " + std::to_string(id) + ": " + std::string(line) + "\r\n");
        }
        pending.erase(0, start);
        if (pending.size() > kMaxChatLine) co_return true;
    }
}

// Writes the member's outbox to the client, flushing when the outbox is empty. Ends when the
// room drops the member (too slow).
inline weft::Task<void> chat_write_outbox(weft::sync::mpsc::Receiver<ChatRoom::Line>& outbox,
                                          weft::net::TcpStream::WriteHalf wr) {
    weft::io::BufWriter out(wr, 16 * 1024);
    while (auto line = co_await outbox.recv()) {
        co_await weft::io::write_all(out, **line);
        while (auto more = outbox.try_recv())
            co_await weft::io::write_all(out, **more);
        co_await weft::io::flush(out);
    }
}

// One connection: reading and writing run at once; whichever ends first ends the session
// (select drops the other), and the member leaves the room. A client that resets or breaks
// the connection ends only its own session. (The goodbye for a too-long line is written
// once the writer is gone: two tasks writing one direction at once would share its waker.)
inline weft::Task<void> chat_session(ChatRoom& room, weft::net::TcpStream s) {
    auto member = room.join();
    std::uint64_t id = member.id;
    room.broadcast(id, "* user " + std::to_string(id) + " joined\r\n");
    try {
        auto [rd, wr] = s.split();
        auto ended = co_await weft::select(chat_read_lines(room, id, rd),
                                           chat_write_outbox(member.outbox, wr));
        if (ended.index() == 0 && std::get<0>(ended)) {
            co_await s.write_all(std::string_view("* line too long; goodbye\r\n"));
            // Closing with unread input would send a reset, which can destroy the goodbye
            // before the client reads it: end our side, then discard its input for a while.
            s.shutdown(weft::net::Shutdown::Write);
            auto discard = [](weft::net::TcpStream& s) -> weft::Task<void> {
                char sink[4096];
                while (co_await s.read(std::span(sink)) != 0) {
                }
            };
            // Either way the session ends: the client closed, or half a second went by.
            (void)co_await weft::time::timeout(std::chrono::milliseconds(500), discard(s));
        }
    } catch (const std::system_error&) {  // reset, broken pipe: this client's loss only
    }
    room.leave(id);
    room.broadcast(id, "* user " + std::to_string(id) + " left\r\n");
}

// Accepts clients (`max_conns` of them, or forever if 0), one session task each.
inline weft::Task<void> chat_server(ChatRoom& room, weft::net::TcpListener& l,
                                    std::uint64_t max_conns) {
    for (std::uint64_t n = 0; max_conns == 0 || n < max_conns; ++n) {
        auto [s, peer] = co_await l.accept();
        weft::spawn(chat_session(room, std::move(s))).detach();
    }
}
