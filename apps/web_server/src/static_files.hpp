#pragma once
// Files under --root. A request's path is made safe in two steps:
//   1. lexically, by sanitize_path (http_parser.hpp): no "..", no encoded '/' or '\\', no NUL;
//   2. on the file system, here: the joined path is canonicalised with realpath(3), which
//      follows every symlink, and the result must be the root or lie under "root/". A symlink
//      that leads out of the root (or any other way out) gives 403; a path that does not
//      exist, 404.
// A directory is served as its index.html (a directory named without its trailing '/' gets a
// 301 to the name with it, so relative links in the index work, as nginx does). Anything that
// is not a regular file (a FIFO, a device) gives 403: opening a FIFO would block.
//
// lookup_file does blocking system calls (realpath, stat, open, read): the server runs it on the
// runtime's blocking pool with one spawn_blocking per request, rather than three or four
// weft::fs calls (canonicalize, metadata, read), each of which would be its own trip to the pool.
// A file up to max_in_memory bytes is read whole in that same trip; a bigger one comes back open
// and is streamed in chunks (read_chunk, also on the blocking pool) so a large file never sits in
// memory whole.
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "http_parser.hpp"

namespace web_server {

// An open file descriptor, closed with the object.
class Fd {
  public:
    explicit Fd(int fd = -1) noexcept : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(o.release()) {}
    Fd& operator=(Fd&& o) noexcept;
    ~Fd();
    int get() const noexcept { return fd_; }
    int release() noexcept {
        int f = fd_;
        fd_ = -1;
        return f;
    }

  private:
    int fd_;
};

struct FileLookup {
    int status = 404;      // 200, 301, 403 or 404
    std::string location;  // 301: the path with a '/' added
    std::string name;      // 200: the canonical path (its extension picks the MIME type)
    std::uint64_t size = 0;
    std::time_t mtime = 0;
    std::string body;        // 200 and with_body and size <= max_in_memory: the whole file
    std::shared_ptr<Fd> fd;  // 200 and with_body and size > max_in_memory: the file, open
};

// The canonical form of `dir` (realpath), or throws std::system_error.
std::string canonical_root(const std::string& dir);

// Looks up `path` (already sanitised) under `root` (canonical). `raw_path` is the request's path
// as sent (for a 301's Location).
FileLookup lookup_file(const std::string& root, const SanitizedPath& path,
                       std::string_view raw_path, bool with_body, std::size_t max_in_memory);

// A small cache of files that were read whole, so that a hot small file is answered with no trip
// to the blocking pool and no system call. An entry is trusted for `ttl` after its file was read
// (a file changed, removed or re-linked on disk is seen at most `ttl` late: nginx's
// open_file_cache has the same trade, `open_file_cache_valid`), and holds files of at most
// `max_file` bytes, at most `max_entries` of them. Shared by every connection on every worker:
// a std::mutex guards the map, held only to find or insert an entry, never across an await (an
// entry is a shared_ptr to an immutable value, so the body is used after the lock is released).
struct CachedFile {
    std::string name;  // canonical path
    std::uint64_t size = 0;
    std::time_t mtime = 0;
    std::string body;
    std::chrono::steady_clock::time_point expires;
};

class FileCache {
  public:
    FileCache(std::chrono::milliseconds ttl, std::size_t max_entries, std::size_t max_file)
        : ttl_(ttl), max_entries_(max_entries), max_file_(max_file) {}
    bool enabled() const noexcept { return ttl_.count() > 0 && max_entries_ > 0; }
    // The entry for `key` if it is there and fresh, else nullptr.
    std::shared_ptr<const CachedFile> get(const std::string& key);
    // Keeps `f` (a 200 with its body in memory and small enough; anything else is ignored).
    void put(const std::string& key, const FileLookup& f);

  private:
    std::chrono::milliseconds ttl_;
    std::size_t max_entries_;
    std::size_t max_file_;
    std::mutex mu_;
    std::unordered_map<std::string, std::shared_ptr<const CachedFile>> map_;
};

// Reads up to `max` bytes of `fd` at `offset` (blocking); fewer only at the end of the file.
std::string read_chunk(int fd, std::uint64_t offset, std::size_t max);

}  // namespace web_server
