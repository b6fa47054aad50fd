// weft::fs against plain blocking read(2) on the calling thread, in the peers' one-line format.
// Each benchmark times the blocking version (impl=blocking) and weft's (impl=weft) on the same
// files, alternating within each iteration, so both see the same page cache and machine state:
//
//   fs_bench read_whole  [size_mb=64] [iters=5]    fs::read of one file (per_sec: bytes/s)
//   fs_bench read_chunks [size_mb=64] [iters=5]    File::read in 64 KiB chunks (bytes/s)
//   fs_bench small_files [n=10000] [iters=5] [conc=1] [file_kb=4]
//       fs::read of n files of 4 KiB (per_sec: files/s); weft runs `conc` reading tasks at once
//   fs_bench pool_roundtrip [n=10000] [iters=5]
//       n empty spawn_blocking calls awaited one by one (per_sec: trips/s): the floor under
//       every weft row, since each file operation is one such trip
//   fs_bench all                                   all of the above, and small_files conc=64
//
// rt=current (instead of the default rt=multi workers=2) runs weft on the current-thread
// flavour. The files live in a mkdtemp directory under $TMPDIR (or /tmp), removed at the end,
// and are read once before timing: these are page-cache reads, which is where the per-operation
// cost of the blocking pool shows.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "bench_runtime.hpp"
#include "bench_util.hpp"
#include "weft/weft.hpp"

namespace {

using namespace bench;
namespace fs = weft::fs;
using std::filesystem::path;

constexpr std::size_t kChunk = 64 * 1024;

void print_impl(const char* name, const char* impl, const std::string& params, double ops,
                Timing t) {
    std::printf("bench=%s impl=%s %s secs=%.4f min_secs=%.4f max_secs=%.4f per_sec=%.3e\n", name,
                impl, params.c_str(), t.median, t.min, t.max, ops / t.median);
    std::fflush(stdout);
}

// Concatenation by append: GCC 12 at -O3 gives a false -Wrestrict on operator+ chains.
template <class... S>
std::string cat(const S&... parts) {
    std::string out;
    (out.append(parts), ...);
    return out;
}

[[noreturn]] void die(const std::string& what) {
    throw std::system_error(errno, std::system_category(), what);
}

// ---- the blocking versions: what a program without a runtime would write ----

std::vector<std::byte> blocking_read_whole(const path& p) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) die(cat("open ", p.string()));
    struct stat st;
    if (::fstat(fd, &st) != 0) die("fstat");
    std::vector<std::byte> out(static_cast<std::size_t>(st.st_size));
    std::size_t len = 0;
    while (len < out.size()) {
        ssize_t n = ::read(fd, out.data() + len, out.size() - len);
        if (n < 0) die("read");
        if (n == 0) break;
        len += static_cast<std::size_t>(n);
    }
    out.resize(len);
    ::close(fd);
    return out;
}

std::size_t blocking_read_chunks(const path& p) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) die(cat("open ", p.string()));
    std::vector<std::byte> buf(kChunk);
    std::size_t total = 0;
    for (;;) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0) die("read");
        if (n == 0) break;
        total += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return total;
}

// ---- the weft versions ----

weft::Task<std::size_t> weft_read_chunks(path p) {
    fs::File f = co_await fs::File::open(p);
    std::vector<std::byte> buf(kChunk);
    std::size_t total = 0;
    while (std::size_t n = co_await f.read(std::span(buf)))
        total += n;
    co_return total;
}

// Reads files[i] for i = first, first + stride, …; returns the bytes read.
weft::Task<std::size_t> weft_read_some(const std::vector<path>& files, std::size_t first,
                                       std::size_t stride) {
    std::size_t total = 0;
    for (std::size_t i = first; i < files.size(); i += stride) {
        auto data = co_await fs::read(files[i]);
        total += data.size();
    }
    co_return total;
}

weft::Task<std::size_t> weft_read_all(const std::vector<path>& files, std::size_t conc) {
    if (conc <= 1) co_return co_await weft_read_some(files, 0, 1);
    std::vector<weft::JoinHandle<std::size_t>> tasks;
    for (std::size_t k = 0; k < conc; ++k)
        tasks.push_back(weft::spawn(weft_read_some(files, k, conc)));
    std::size_t total = 0;
    for (auto& t : tasks)
        total += co_await t;
    co_return total;
}

// ---- set-up ----

class TempDir {
  public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = cat(std::string(base ? base : "/tmp"), "/weft-fs-bench-XXXXXX");
        if (::mkdtemp(tmpl.data()) == nullptr) die("mkdtemp");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const path& get() const { return path_; }

  private:
    path path_;
};

void write_file(const path& p, std::size_t size) {
    std::vector<std::byte> data(size);
    for (std::size_t i = 0; i < size; ++i)
        data[i] = static_cast<std::byte>((i * 2654435761u) >> 13);
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) die(cat("open ", p.string()));
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::write(fd, data.data() + done, size - done);
        if (n <= 0) die("write");
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(cat("fs_bench: wrong result in ", what));
}

// Times `blocking()` and `weft()` (each returns seconds) alternately, `iters` times each.
template <class B, class W>
void pair(const char* name, const std::string& params, const std::string& rt_params, double ops,
          long iters, B blocking, W weft) {
    blocking();  // warm the page cache and the pool's threads
    weft();
    std::vector<double> tb, tw;
    for (long i = 0; i < iters; ++i) {
        tb.push_back(blocking());
        tw.push_back(weft());
    }
    Timing b = repeat(iters, [&, i = 0]() mutable { return tb[static_cast<std::size_t>(i++)]; });
    Timing w = repeat(iters, [&, i = 0]() mutable { return tw[static_cast<std::size_t>(i++)]; });
    print_impl(name, "blocking", params, ops, b);
    print_impl(name, "weft", cat(params, " ", rt_params), ops, w);
}

void read_whole(BenchRuntime& br, long size_mb, long iters) {
    TempDir dir;
    path p = dir.get() / "big.bin";
    std::size_t size = static_cast<std::size_t>(size_mb) << 20;
    write_file(p, size);
    std::string params = cat("size_mb=", std::to_string(size_mb), " unit=bytes");
    pair(
        "fs_read_whole", params, br.params, static_cast<double>(size), iters,
        [&] {
            auto t0 = Clock::now();
            check(blocking_read_whole(p).size() == size, "read_whole/blocking");
            return since(t0);
        },
        [&] {
            auto t0 = Clock::now();
            std::size_t n = br.rt.block_on([&]() -> weft::Task<std::size_t> {
                auto data = co_await fs::read(p);
                co_return data.size();
            });
            double s = since(t0);
            check(n == size, "read_whole/weft");
            return s;
        });
}

void read_chunks(BenchRuntime& br, long size_mb, long iters) {
    TempDir dir;
    path p = dir.get() / "big.bin";
    std::size_t size = static_cast<std::size_t>(size_mb) << 20;
    write_file(p, size);
    std::string params = cat("size_mb=", std::to_string(size_mb), " chunk_kb=64 unit=bytes");
    pair(
        "fs_read_chunks", params, br.params, static_cast<double>(size), iters,
        [&] {
            auto t0 = Clock::now();
            check(blocking_read_chunks(p) == size, "read_chunks/blocking");
            return since(t0);
        },
        [&] {
            auto t0 = Clock::now();
            std::size_t n = br.rt.block_on(weft_read_chunks(p));
            double s = since(t0);
            check(n == size, "read_chunks/weft");
            return s;
        });
}

void small_files(BenchRuntime& br, long n, long iters, long conc, long file_kb = 4) {
    TempDir dir;
    const std::size_t kSize = static_cast<std::size_t>(file_kb) * 1024;
    std::vector<path> files;
    for (long i = 0; i < n; ++i) {
        files.push_back(dir.get() / cat("f", std::to_string(i)));
        write_file(files.back(), kSize);
    }
    std::size_t want = files.size() * kSize;
    std::string params =
        cat("n=", std::to_string(n), " file_kb=", std::to_string(file_kb), " unit=files");
    pair(
        "fs_small_files", params, cat(br.params, " conc=", std::to_string(conc)),
        static_cast<double>(n), iters,
        [&] {
            auto t0 = Clock::now();
            std::size_t total = 0;
            for (const path& p : files)
                total += blocking_read_whole(p).size();
            check(total == want, "small_files/blocking");
            return since(t0);
        },
        [&] {
            auto t0 = Clock::now();
            std::size_t total =
                br.rt.block_on(weft_read_all(files, static_cast<std::size_t>(conc)));
            double s = since(t0);
            check(total == want, "small_files/weft");
            return s;
        });
}

// The floor under every row above: an empty spawn_blocking round trip (queue the closure, wake a
// pool thread, wake the awaiting task), one at a time.
void pool_roundtrip(BenchRuntime& br, long n, long iters) {
    auto body = [&] {
        auto t0 = Clock::now();
        long sum = br.rt.block_on([&]() -> weft::Task<long> {
            long s = 0;
            for (long i = 0; i < n; ++i) {
                auto h = weft::spawn_blocking([i] { return i & 1; });
                s += co_await h;
            }
            co_return s;
        });
        double secs = since(t0);
        check(sum == n / 2, "pool_roundtrip");
        return secs;
    };
    body();
    Timing t = repeat(iters, body);
    print_impl("fs_pool_roundtrip", "weft", cat("n=", std::to_string(n), " unit=trips ", br.params),
               static_cast<double>(n), t);
}

}  // namespace

int main(int argc, char** argv) {
    std::string mode = argc > 1 ? argv[1] : "all";
    auto kv = parse(argc, argv);
    long iters = arg(kv, "iters", 5);
    long size_mb = arg(kv, "size_mb", 64);
    long n = arg(kv, "n", 10000);
    BenchRuntime br = runtime_from_args(kv);
    if (mode == "read_whole" || mode == "all") read_whole(br, size_mb, iters);
    if (mode == "read_chunks" || mode == "all") read_chunks(br, size_mb, iters);
    if (mode == "small_files") {
        small_files(br, n, iters, arg(kv, "conc", 1), arg(kv, "file_kb", 4));
    }
    if (mode == "all") {
        small_files(br, n, iters, 1);
        small_files(br, n, iters, 64);
    }
    if (mode == "pool_roundtrip" || mode == "all") pool_roundtrip(br, n, iters);
    return 0;
}
