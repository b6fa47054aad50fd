// fs::read_dir and DirEntry. The open DIR* moves between the ReadDir and the blocking pool:
// a batch read takes it into the closure and hands it back with the entries, so the blocking
// thread never touches a ReadDir (which its owner may drop meanwhile) and a dropped ReadDir
// leaves its DIR* in the closure's result, closed when the pool is done with it. At most one
// batch is in flight: the state is "holding the directory" (dir set) or "reading" (pending
// set), never both.

#include "weft/fs/read_dir.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <vector>

#include "blocking.hpp"
#include "weft/task/join_handle.hpp"

namespace weft::fs {

namespace {

using weft::detail::fs_util::run_blocking;
using weft::detail::fs_util::throw_path_error;

constexpr const char* kReadDir = "weft::fs::read_dir";
constexpr const char* kDirEntryFileType = "weft::fs::DirEntry::file_type";
constexpr const char* kDirEntryMetadata = "weft::fs::DirEntry::metadata";
// Entries per trip to the pool: Tokio's figure. Enough that the trip's cost (a hand-off and a
// wake) is small beside 32 getdents entries, few enough that the first entry comes soon.
constexpr std::size_t kBatch = 32;

struct DirCloser {
    void operator()(DIR* d) const noexcept { ::closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

std::optional<std::filesystem::file_type> type_of(unsigned char d_type) noexcept {
    using std::filesystem::file_type;
    switch (d_type) {
        case DT_REG:
            return file_type::regular;
        case DT_DIR:
            return file_type::directory;
        case DT_LNK:
            return file_type::symlink;
        case DT_BLK:
            return file_type::block;
        case DT_CHR:
            return file_type::character;
        case DT_FIFO:
            return file_type::fifo;
        case DT_SOCK:
            return file_type::socket;
        default:  // DT_UNKNOWN: this file system does not say; lstat will
            return std::nullopt;
    }
}

// What one trip to the pool brings back: the directory (null once it is read to its end, and
// then closed) and up to kBatch entries.
struct Batch {
    DirPtr dir;
    std::vector<DirEntry> entries;
};

Batch read_batch(DirPtr dir, const std::filesystem::path& path) {
    Batch b;
    b.entries.reserve(kBatch);
    while (b.entries.size() < kBatch) {
        errno = 0;
        struct dirent* d = ::readdir(dir.get());
        if (d == nullptr) {
            if (errno != 0) throw_path_error(errno, kReadDir, path);
            return b;  // the end: dir is dropped (closed) here
        }
        if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) continue;
        b.entries.emplace_back(path / d->d_name, static_cast<std::uint64_t>(d->d_ino),
                               type_of(d->d_type));
    }
    b.dir = std::move(dir);
    return b;
}

}  // namespace

struct ReadDir::State {
    std::filesystem::path path;
    DirPtr dir;                                // held between batches
    std::optional<JoinHandle<Batch>> pending;  // a batch being read
    std::deque<DirEntry> ready;                // read, not yet yielded
    bool done = false;                         // the end, or an error, was seen
};

ReadDir::ReadDir(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
ReadDir::ReadDir(ReadDir&&) noexcept = default;
ReadDir& ReadDir::operator=(ReadDir&&) noexcept = default;
ReadDir::~ReadDir() = default;

Poll<std::optional<DirEntry>> ReadDir::poll_next(Context& cx) {
    State& s = *state_;
    for (;;) {
        if (!s.ready.empty()) {
            std::optional<DirEntry> e(std::move(s.ready.front()));
            s.ready.pop_front();
            return e;
        }
        if (s.done) return std::optional<DirEntry>();
        if (!s.pending) {
            // Start a batch: the directory goes with it.
            s.pending.emplace(
                run_blocking(kReadDir, [dir = std::move(s.dir), path = s.path]() mutable {
                    return read_batch(std::move(dir), path);
                }));
        }
        Poll<Batch> r = Pending;
        try {
            r = s.pending->poll(cx);
        } catch (...) {
            s.pending.reset();
            s.done = true;  // the closure owned the directory and closed it
            throw;
        }
        if (r.is_pending()) return Pending;
        s.pending.reset();
        Batch b = std::move(r.value());
        s.dir = std::move(b.dir);
        if (!s.dir) s.done = true;
        for (DirEntry& e : b.entries)
            s.ready.push_back(std::move(e));
    }
}

Task<ReadDir> read_dir(std::filesystem::path path) {
    auto opening = run_blocking(kReadDir, [path = std::move(path)] {
        DIR* d = ::opendir(path.c_str());  // O_CLOEXEC: glibc opens directories close-on-exec
        if (d == nullptr) throw_path_error(errno, kReadDir, path);
        auto state = std::make_unique<ReadDir::State>();
        state->path = path;
        state->dir.reset(d);
        return state;
    });
    std::unique_ptr<ReadDir::State> state = co_await opening;
    co_return ReadDir(std::move(state));
}

Task<std::filesystem::file_type> DirEntry::file_type() const {
    if (type_) co_return *type_;
    auto statting = run_blocking(kDirEntryFileType, [path = path_] {
        struct stat st;
        if (::lstat(path.c_str(), &st) != 0) throw_path_error(errno, kDirEntryFileType, path);
        return Metadata(st).file_type();
    });
    co_return co_await statting;
}

Task<Metadata> DirEntry::metadata() const {
    auto statting = run_blocking(kDirEntryMetadata, [path = path_] {
        struct stat st;
        if (::lstat(path.c_str(), &st) != 0) throw_path_error(errno, kDirEntryMetadata, path);
        return Metadata(st);
    });
    co_return co_await statting;
}

}  // namespace weft::fs
