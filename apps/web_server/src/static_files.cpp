// Static files under a root (static_files.hpp).
#include "static_files.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

namespace web_server {

Fd& Fd::operator=(Fd&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.release();
    }
    return *this;
}

Fd::~Fd() {
    if (fd_ >= 0) ::close(fd_);
}

namespace {

// realpath(3) into a std::string; on failure the errno.
std::string real(const std::string& p, int& err) {
    char* r = ::realpath(p.c_str(), nullptr);
    if (!r) {
        err = errno;
        return {};
    }
    std::string s(r);
    std::free(r);
    err = 0;
    return s;
}

bool within(const std::string& root, const std::string& p) {
    if (p.size() < root.size() || p.compare(0, root.size(), root) != 0) return false;
    if (p.size() == root.size()) return true;
    return root == "/" || p[root.size()] == '/';
}

int status_for(int err) {
    return (err == EACCES || err == ELOOP) ? 403 : 404;
}

}  // namespace

std::string canonical_root(const std::string& dir) {
    int err = 0;
    std::string r = real(dir, err);
    if (err) throw std::system_error(err, std::generic_category(), "--root " + dir);
    struct stat st {};
    if (::stat(r.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw std::system_error(ENOTDIR, std::generic_category(), "--root " + dir);
    return r;
}

FileLookup lookup_file(const std::string& root, const SanitizedPath& path,
                       std::string_view raw_path, bool with_body, std::size_t max_in_memory) {
    FileLookup out;
    int err = 0;
    std::string want = path.path.empty() ? root : root + "/" + path.path;
    std::string canon = real(want, err);
    if (err) {
        out.status = status_for(err);
        return out;
    }
    if (!within(root, canon)) {
        out.status = 403;  // a symlink out of the root
        return out;
    }
    struct stat st {};
    if (::stat(canon.c_str(), &st) != 0) {
        out.status = status_for(errno);
        return out;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!path.trailing_slash && !path.path.empty()) {
            out.status = 301;
            out.location = std::string(raw_path) + "/";
            return out;
        }
        canon = real(canon + "/index.html", err);
        if (err) {
            out.status = status_for(err);
            return out;
        }
        if (!within(root, canon)) {
            out.status = 403;
            return out;
        }
    }
    Fd fd(::open(canon.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (fd.get() < 0) {
        out.status = status_for(errno);
        return out;
    }
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        out.status = 403;  // not a regular file (or it vanished between the calls)
        return out;
    }
    out.status = 200;
    out.name = std::move(canon);
    out.size = static_cast<std::uint64_t>(st.st_size);
    out.mtime = st.st_mtime;
    if (!with_body) return out;
    if (out.size <= max_in_memory) {
        out.body = read_chunk(fd.get(), 0, static_cast<std::size_t>(out.size));
        out.size = out.body.size();  // the file may have shrunk since fstat
    } else {
        out.fd = std::make_shared<Fd>(std::move(fd));
    }
    return out;
}

std::shared_ptr<const CachedFile> FileCache::get(const std::string& key) {
    if (!enabled()) return nullptr;
    auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    if (it->second->expires <= now) {
        map_.erase(it);
        return nullptr;
    }
    return it->second;
}

void FileCache::put(const std::string& key, const FileLookup& f) {
    if (!enabled() || f.status != 200 || f.fd || f.body.size() != f.size || f.size > max_file_)
        return;
    auto entry = std::make_shared<CachedFile>();
    entry->name = f.name;
    entry->size = f.size;
    entry->mtime = f.mtime;
    entry->body = f.body;
    auto now = std::chrono::steady_clock::now();
    entry->expires = now + ttl_;
    std::lock_guard<std::mutex> lock(mu_);
    if (map_.size() >= max_entries_) {
        std::erase_if(map_, [now](const auto& kv) { return kv.second->expires <= now; });
        if (map_.size() >= max_entries_) map_.clear();  // all fresh: start over, simply
    }
    map_[key] = std::move(entry);
}

std::string read_chunk(int fd, std::uint64_t offset, std::size_t max) {
    std::string buf(max, '\0');
    std::size_t got = 0;
    while (got < max) {
        ssize_t n = ::pread(fd, buf.data() + got, max - got, static_cast<off_t>(offset + got));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "read");
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    buf.resize(got);
    return buf;
}

}  // namespace web_server
