// An inotify watcher as an async Stream of file-system events, through weft::io::AsyncFd:
// the descriptor is read when the kernel says it is readable, each read may hold several
// events, and the stream hands them out one at a time.
#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "weft/weft.hpp"

struct FsEvent {
    std::uint32_t mask;  // IN_CREATE, IN_DELETE, ...
    std::string name;    // the file's name in the watched directory
};

class InotifyFd {  // owned: closed when the AsyncFd holding it is dropped
  public:
    InotifyFd() : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
        if (fd_ < 0) throw std::system_error(errno, std::system_category(), "inotify_init1");
    }
    InotifyFd(InotifyFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    InotifyFd& operator=(InotifyFd&& o) noexcept {
        std::swap(fd_, o.fd_);
        return *this;
    }
    ~InotifyFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int fd() const noexcept { return fd_; }

  private:
    int fd_;
};

// A Stream of FsEvent for one directory.
class Watcher {
  public:
    using Item = FsEvent;

    Watcher(const std::filesystem::path& dir, std::uint32_t mask)
        : afd_(InotifyFd(), weft::io::Interest::readable) {
        if (::inotify_add_watch(afd_.fd(), dir.c_str(), mask) < 0)
            throw std::system_error(errno, std::system_category(),
                                    "inotify_add_watch " + dir.string());
    }

    weft::Poll<std::optional<FsEvent>> poll_next(weft::Context& cx) {
        while (queued_.empty()) {
            auto ready = afd_.poll_read_ready(cx);
            if (ready.is_pending()) return weft::Pending;
            // One read takes as many whole events as fit (never half of one).
            auto n = ready.value().try_io([&] { return ::read(afd_.fd(), buf_, sizeof buf_); });
            if (!n) continue;  // drained: the readiness is cleared, wait for the next report
            for (char* p = buf_; p < buf_ + *n;) {
                inotify_event ev;
                std::memcpy(&ev, p, sizeof ev);
                const char* name = p + sizeof(inotify_event);
                queued_.push_back(FsEvent{ev.mask, std::string(name, strnlen(name, ev.len))});
                p += sizeof(inotify_event) + ev.len;
            }
        }
        FsEvent e = std::move(queued_.front());
        queued_.pop_front();
        return std::optional<FsEvent>(std::move(e));
    }

  private:
    weft::io::AsyncFd<InotifyFd> afd_;
    std::deque<FsEvent> queued_;
    alignas(inotify_event) char buf_[4096];
};

static_assert(weft::stream::Stream<Watcher>);

int main() {
    char tmpl[] = "/tmp/weft-inotify-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    std::filesystem::path dir = tmpl;
    weft::Runtime rt = weft::Runtime::builder().worker_threads(2).build();
    int seen = rt.block_on([&]() -> weft::Task<int> {
        Watcher w(dir, IN_CREATE | IN_DELETE);
        // Another task changes the directory: three files made, then removed (plain syscalls:
        // each takes microseconds).
        auto changer = weft::spawn([](std::filesystem::path dir) -> weft::Task<void> {
            const char* names[] = {"a.txt", "b.txt", "c.txt"};
            for (const char* name : names) {
                int fd = ::open((dir / name).c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
                if (fd >= 0) ::close(fd);
                co_await weft::yield_now();
            }
            for (const char* name : names)
                ::unlink((dir / name).c_str());
        }(dir));
        int events = 0;
        while (events < 6) {
            auto next = weft::stream::next(w);
            std::optional<FsEvent> e = co_await next;
            std::printf("%s %s\n", (e->mask & IN_CREATE) ? "created" : "deleted", e->name.c_str());
            ++events;
        }
        co_await changer;
        co_return events;
    });
    std::filesystem::remove_all(dir);
    return seen == 6 ? 0 : 1;
}
