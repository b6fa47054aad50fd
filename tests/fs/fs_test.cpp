// weft::fs on real files under a fresh mkdtemp directory, on both runtime flavours: whole-file
// reads and writes, File through the io helpers, OpenOptions' rules, seek and set_len, the
// directory and path operations, the error cases (each followed by proof that the runtime and
// the file go on), and cancelled operations (nothing lost, nothing written into freed memory:
// ASan and LSan watch this binary).

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"
#include "support/test_support.hpp"
#include "weft/detail/fs/file_op.hpp"
#include "weft/detail/io/io_driver.hpp"

using namespace weft_test;
using namespace std::chrono_literals;
namespace fs = weft::fs;
using std::filesystem::path;

namespace {

// A flavour, an I/O driver, and whether the fast paths and io_uring requests are switched off
// (`pool`: every operation takes the blocking-pool path, as on a kernel without them), or only
// the fast paths (`ring`: every read is an io_uring request, read-ahead included).
struct FsParam {
    bool current_thread;
    weft::IoDriverKind driver = weft::IoDriverKind::Epoll;
    bool pool = false;
    bool ring = false;
};

weft::Runtime fs_runtime(const FsParam& p) {
    return p.current_thread
               ? weft::RuntimeBuilder::new_current_thread().io_driver(p.driver).build()
               : weft::Runtime::builder().worker_threads(2).io_driver(p.driver).build();
}

std::string fs_param_name(const testing::TestParamInfo<FsParam>& info) {
    std::string name = info.param.current_thread ? "current_thread" : "multi_thread";
    name += info.param.driver == weft::IoDriverKind::Uring ? "_uring" : "_epoll";
    if (info.param.pool) name += "_pool";
    if (info.param.ring) name += "_ring";
    return name;
}

// Switches the fs fast paths, and unless `ring` the io_uring requests too, off for its
// lifetime (FsParam::pool, FsParam::ring).
struct ForcePool {
    explicit ForcePool(bool on, bool ring = false) : on(on || ring), ring(ring) {
        if (this->on) {
            weft::detail::refuse_uring_ops_for_testing(!ring);
            weft::detail::skip_fs_fast_paths_for_testing(true);
        }
    }
    ~ForcePool() {
        if (on) {
            weft::detail::refuse_uring_ops_for_testing(false);
            weft::detail::skip_fs_fast_paths_for_testing(false);
        }
    }
    bool on, ring;
};

class Fs : public testing::TestWithParam<FsParam> {
  protected:
    TempDir dir{"weft-fs"};
};

// Runs `body` (a coroutine lambda) on a runtime for `p`, under a Watchdog.
template <class Body>
void run_fs(const FsParam& p, Body&& body) {
    Watchdog dog;
    ForcePool pool(p.pool, p.ring);
    weft::Runtime rt = fs_runtime(p);
    rt.block_on(std::forward<Body>(body));
}

// `n` bytes that differ from position to position (xorshift), so an offset error shows.
std::vector<std::byte> pattern(std::size_t n, std::uint32_t seed = 1) {
    std::vector<std::byte> out(n);
    std::uint32_t s = seed;
    for (auto& b : out) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        b = static_cast<std::byte>(s);
    }
    return out;
}

std::vector<std::byte> bytes_of(std::string_view s) {
    auto b = std::as_bytes(std::span(s.data(), s.size()));
    return {b.begin(), b.end()};
}

// Runs `body`, expecting std::system_error equal to `want` whose what() contains `needle`.
template <class F>
weft::Task<void> expect_error(F body, std::errc want, std::string needle) {
    try {
        co_await body();
        ADD_FAILURE() << "no exception; wanted " << std::make_error_code(want).message();
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), want) << e.what();
        EXPECT_EQ(e.code().category(), std::system_category()) << e.what();
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
            << "what() = " << e.what() << ", wanted it to contain " << needle;
    }
}

// fs::read of `fifo` while `writer` sends it `data`: every byte arrives, in order. A read that
// fails is reported, and the writer joined all the same (it gives up on its own).
weft::Task<void> expect_fifo_read(std::filesystem::path fifo, const std::vector<std::byte>& data,
                                  std::jthread& writer) {
    std::vector<std::byte> got;
    try {
        got = co_await fs::read(fifo);
    } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
    }
    writer.join();
    EXPECT_EQ(got.size(), data.size());
    EXPECT_TRUE(got == data);
}

// Proof that the runtime still works: a spawned task runs, and so does a blocking call.
weft::Task<void> runtime_still_runs() {
    int v = co_await weft::spawn([]() -> weft::Task<int> { co_return 7; });
    EXPECT_EQ(v, 7);
    int w = co_await weft::spawn_blocking([] { return 8; });
    EXPECT_EQ(w, 8);
}

}  // namespace

// Each flavour and each driver once (not their product: CI runs this binary under three
// sanitizers), plus the forced pool path and the forced io_uring path.
INSTANTIATE_TEST_SUITE_P(Flavours, Fs,
                         testing::Values(FsParam{true}, FsParam{false, weft::IoDriverKind::Uring},
                                         FsParam{false, weft::IoDriverKind::Uring, true},
                                         FsParam{true, weft::IoDriverKind::Uring, false, true}),
                         fs_param_name);

TEST_P(Fs, WriteThenReadBackMoreThanAMebibyte) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        // 3 MiB + a bit: more than File's 2 MiB buffer, so writes and reads take several trips.
        const auto data = pattern((3u << 20) + 12345);
        path whole = dir / "whole.bin";
        co_await fs::write(whole, data);
        std::vector<std::byte> back = co_await fs::read(whole);
        EXPECT_TRUE(back == data);
        EXPECT_EQ((co_await fs::metadata(whole)).len(), data.size());

        path through_file = dir / "file.bin";
        {
            fs::File f = co_await fs::File::create(through_file);
            co_await f.write_all(data);
            co_await f.flush();
        }
        std::vector<std::byte> again;
        fs::File f = co_await fs::File::open(through_file);
        std::size_t n = co_await weft::io::read_to_end(f, again);
        EXPECT_EQ(n, data.size());
        EXPECT_TRUE(again == data);
        // At end of file, read keeps returning 0.
        std::byte one[1];
        EXPECT_EQ(co_await f.read(std::span(one)), 0u);
        EXPECT_EQ(co_await f.read(std::span(one)), 0u);
    });
}

TEST_P(Fs, ReadToStringAndEmptyFiles) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        co_await fs::write(dir / "t.txt", "hello\nworld\n");
        EXPECT_EQ(co_await fs::read_to_string(dir / "t.txt"), "hello\nworld\n");
        co_await fs::write(dir / "empty", "");
        EXPECT_EQ(co_await fs::read_to_string(dir / "empty"), "");
        EXPECT_TRUE((co_await fs::read(dir / "empty")).empty());
        // A file whose size stat cannot tell (procfs says 0) is still read to its end.
        std::string status = co_await fs::read_to_string("/proc/self/status");
        EXPECT_NE(status.find("Pid:"), std::string::npos);
        // write replaces the contents.
        co_await fs::write(dir / "t.txt", "x");
        EXPECT_EQ(co_await fs::read_to_string(dir / "t.txt"), "x");
        // Sizes either side of 16 KiB in turn: below it fs::read needs no fstat, and a thread
        // starts each read the way its last file's size suggests (src/fs/fs.cpp), so both ways
        // meet both kinds of file.
        for (std::size_t n : {100u, 20000u, 16383u, 16384u, 16385u, 5u, 1u << 20, 0u, 7000u}) {
            const auto data = pattern(n, static_cast<std::uint32_t>(n + 1));
            co_await fs::write(dir / "sized", data);
            EXPECT_TRUE(co_await fs::read(dir / "sized") == data) << n << " bytes";
        }
        // Not a regular file: a character device that reads as empty.
        EXPECT_TRUE((co_await fs::read("/dev/null")).empty());
    });
}

// fs::read of a file that another thread appends to. Whether or not a read sees the file grow
// after its fstat (then the probe read finds more, and the buffer grows), it returns the file as
// it stood at some moment: at least what was there when it began, those very bytes.
// fs::read of a FIFO (Rust's fs::read reads one the same way): the bytes its writer sends
// until it closes, in order. A FIFO has no offsets; reads at explicit ones (the page-cache
// path, io_uring's READ, pread on the pool) fail with ESPIPE, so a file that is not regular is
// read at its own position. The writer sends more than the FIFO holds (64 KiB), so it is still
// writing when the read has opened its end, and some reads find the FIFO empty and wait
// (io_uring, or the pool). (O_RDWR: its open does not wait for the reader's, and its end
// counts as a reader, so it never meets EPIPE.)
TEST_P(Fs, ReadOfAFifoReadsWhatItsWriterSendsUntilItCloses) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        path fifo = dir / "fifo";
        EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
        const auto data = pattern(5 * 40000, 7);
        int wfd = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
        EXPECT_GE(wfd, 0) << std::strerror(errno);
        // Non-blocking, giving up after 5 s without room: a read that failed does not leave
        // the writer blocked (and the test hung) for good.
        EXPECT_EQ(::fcntl(wfd, F_SETFL, O_NONBLOCK), 0);
        std::jthread writer([&] {
            std::size_t off = 0;
            while (off < data.size()) {
                if (off % 40000 == 0) std::this_thread::sleep_for(2ms);
                std::size_t chunk = std::min<std::size_t>(40000 - off % 40000, data.size() - off);
                ssize_t n = ::write(wfd, data.data() + off, chunk);
                if (n > 0) {
                    off += static_cast<std::size_t>(n);
                    continue;
                }
                pollfd pfd{wfd, POLLOUT, 0};
                if (n < 0 && errno != EAGAIN) break;
                if (::poll(&pfd, 1, 5000) != 1) break;
            }
            ::close(wfd);
        });
        co_await expect_fifo_read(fifo, data, writer);
    });
}

// A writer that opens the FIFO for writing only, and so waits in open(2) for a reader. fs::read
// first tries an open that does not wait (the page-cache path); that open counts as a reader
// and lets the writer go on. It used to close that descriptor at once and open the FIFO again,
// so the writer's first write could find no reader at all: EPIPE, and SIGPIPE killed the
// process. Now the writer's bytes all arrive, in order. (SIGPIPE blocked on the writer's
// thread: a regression fails the test instead of killing it.)
TEST_P(Fs, ReadOfAFifoLeavesAWriterThatWaitedForItNoEpipe) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        path fifo = dir / "fifo";
        EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
        const auto data = pattern(3 * 20000, 9);
        std::atomic<int> write_error{0};
        std::jthread writer([&] {
            sigset_t pipe_sig;
            sigemptyset(&pipe_sig);
            sigaddset(&pipe_sig, SIGPIPE);
            pthread_sigmask(SIG_BLOCK, &pipe_sig, nullptr);
            int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
            if (fd < 0) {
                write_error.store(errno);
                return;
            }
            for (std::size_t off = 0; off < data.size(); off += 20000) {
                if (off != 0) std::this_thread::sleep_for(5ms);  // (the first at once)
                if (::write(fd, data.data() + off, 20000) != 20000) {
                    write_error.store(errno);
                    break;
                }
            }
            ::close(fd);
        });
        co_await expect_fifo_read(fifo, data, writer);
        EXPECT_EQ(write_error.load(), 0) << std::strerror(write_error.load());
    });
}

TEST_P(Fs, AFileThatGrowsWhileReadIsReadToItsEnd) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        constexpr std::size_t kBlock = 4096, kBlocks = 192;
        const auto data = pattern(kBlock * kBlocks, 5);
        path p = dir / "growing.bin";
        co_await fs::write(p, std::span(data.data(), kBlock));
        std::atomic<std::size_t> written{kBlock};  // a lower bound on the file's size
        std::jthread appender([&](std::stop_token stop) {
            int fd = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
            for (std::size_t b = 1; b < kBlocks && !stop.stop_requested(); ++b) {
                if (::write(fd, data.data() + b * kBlock, kBlock) != ssize_t{kBlock}) break;
                written.store((b + 1) * kBlock);    // seq_cst: the test's clock, not a hot path
                std::this_thread::sleep_for(50us);  // appends spread over the reads below
            }
            ::close(fd);
            written.store(data.size() + 1);  // done (or failed): the reads below stop
        });
        for (int i = 0; i < 400 && written.load() <= data.size(); ++i) {
            std::size_t before = written.load();
            std::vector<std::byte> got = co_await fs::read(p);
            bool ok = got.size() >= before && got.size() <= data.size() &&
                      std::equal(got.begin(), got.end(), data.begin());
            EXPECT_TRUE(ok) << "read " << got.size() << " bytes; " << before << " were there";
            if (!ok) break;
        }
        appender.join();
        EXPECT_TRUE(co_await fs::read(p) == data);
    });
}

TEST_P(Fs, OpenOptionsFollowRustsRules) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        path p = dir / "o.txt";
        co_await fs::write(p, "abcdef");

        // create_new on an existing file: file_exists, naming the path.
        co_await expect_error(
            [&]() { return fs::OpenOptions().write(true).create_new(true).open(p); },
            std::errc::file_exists, p.string());
        co_await expect_error([&]() { return fs::File::create_new(p); }, std::errc::file_exists,
                              "weft::fs::File::create_new " + p.string());

        // append: writes go to the end.
        {
            fs::File f = co_await fs::OpenOptions().append(true).open(p);
            co_await f.write_all("ghi");
            co_await f.seek(fs::SeekFrom::start(0));  // O_APPEND ignores the position
            co_await f.write_all("jk");
            co_await f.flush();
        }
        EXPECT_EQ(co_await fs::read_to_string(p), "abcdefghijk");

        // write without truncate overwrites in place; with truncate it starts empty.
        {
            fs::File f = co_await fs::OpenOptions().write(true).open(p);
            co_await f.write_all("XY");
            co_await f.flush();
        }
        EXPECT_EQ(co_await fs::read_to_string(p), "XYcdefghijk");
        {
            fs::File f = co_await fs::OpenOptions().write(true).truncate(true).open(p);
            co_await f.write_all("Z");
            co_await f.flush();
        }
        EXPECT_EQ(co_await fs::read_to_string(p), "Z");

        // create makes a missing file; without it, a missing file is an error.
        path missing = dir / "new.txt";
        co_await expect_error([&]() { return fs::OpenOptions().write(true).open(missing); },
                              std::errc::no_such_file_or_directory, missing.string());
        {
            fs::File f =
                co_await fs::OpenOptions().write(true).create(true).mode(0600).open(missing);
            co_await f.write_all("new");
            co_await f.flush();
        }
        EXPECT_EQ(co_await fs::read_to_string(missing), "new");
        EXPECT_EQ((co_await fs::metadata(missing)).permissions(),
                  std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

        // Combinations Rust rejects: invalid_argument, before anything is opened.
        auto invalid = std::errc::invalid_argument;
        co_await expect_error([&]() { return fs::OpenOptions().open(p); }, invalid, p.string());
        co_await expect_error([&]() { return fs::OpenOptions().read(true).create(true).open(p); },
                              invalid, p.string());
        co_await expect_error([&]() { return fs::OpenOptions().read(true).truncate(true).open(p); },
                              invalid, p.string());
        co_await expect_error(
            [&]() { return fs::OpenOptions().append(true).truncate(true).open(p); }, invalid,
            p.string());
        EXPECT_EQ(co_await fs::read_to_string(p), "Z");  // untouched by the refused opens

        // read + write on one file.
        fs::File rw = co_await fs::OpenOptions().read(true).write(true).open(p);
        co_await rw.write_all("123");
        co_await rw.seek(fs::SeekFrom::start(1));
        char two[2];
        co_await rw.read_exact(std::span(two));
        EXPECT_EQ(std::string_view(two, 2), "23");
        co_await runtime_still_runs();
    });
}

TEST_P(Fs, SeekThenRead) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        path p = dir / "digits";
        co_await fs::write(p, "0123456789abcdefghij");
        fs::File f = co_await fs::File::open(p);
        char buf[3];
        EXPECT_EQ(co_await f.seek(fs::SeekFrom::start(5)), 5u);
        co_await f.read_exact(std::span(buf));
        EXPECT_EQ(std::string_view(buf, 3), "567");
        EXPECT_EQ(co_await f.seek(fs::SeekFrom::current(-2)), 6u);
        co_await f.read_exact(std::span(buf));
        EXPECT_EQ(std::string_view(buf, 3), "678");
        EXPECT_EQ(co_await f.seek(fs::SeekFrom::end(-3)), 17u);
        co_await f.read_exact(std::span(buf));
        EXPECT_EQ(std::string_view(buf, 3), "hij");
        EXPECT_EQ(co_await f.seek(fs::SeekFrom::end(0)), 20u);
        EXPECT_EQ(co_await f.read(std::span(buf)), 0u);

        // Before the start: EINVAL naming the file; the file is still usable afterwards.
        co_await expect_error([&]() { return f.seek(fs::SeekFrom::current(-100)); },
                              std::errc::invalid_argument, "weft::fs::File::seek " + p.string());
        EXPECT_EQ(co_await f.seek(fs::SeekFrom::start(0)), 0u);
        co_await f.read_exact(std::span(buf));
        EXPECT_EQ(std::string_view(buf, 3), "012");

        // read_exact past the end: unexpected_eof (weft's own code).
        co_await f.seek(fs::SeekFrom::end(-1));
        try {
            co_await f.read_exact(std::span(buf));
            ADD_FAILURE() << "read_exact past the end did not throw";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code(), weft::io::Errc::unexpected_eof);
        }
    });
}

TEST_P(Fs, SetLenAndMetadata) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        path p = dir / "sized";
        auto before = std::chrono::system_clock::now() - 5s;
        fs::File f = co_await fs::OpenOptions().read(true).write(true).create(true).open(p);
        co_await f.write_all(std::string(100, 'a'));
        // metadata waits for the write in flight, so it sees all 100 bytes.
        fs::Metadata m = co_await f.metadata();
        EXPECT_EQ(m.len(), 100u);
        EXPECT_TRUE(m.is_file());
        EXPECT_FALSE(m.is_dir());
        EXPECT_EQ(m.file_type(), std::filesystem::file_type::regular);
        EXPECT_GE(m.modified(), before);
        EXPECT_LE(m.modified(), std::chrono::system_clock::now() + 5s);

        co_await f.set_len(10);
        EXPECT_EQ((co_await f.metadata()).len(), 10u);
        EXPECT_EQ((co_await fs::metadata(p)).len(), 10u);
        // The position stays at 100, past the end: nothing to read.
        char c[8];
        EXPECT_EQ(co_await f.read(std::span(c)), 0u);

        co_await f.set_len(5000);  // extends with zeros
        EXPECT_EQ((co_await fs::metadata(p)).len(), 5000u);
        std::string text = co_await fs::read_to_string(p);
        EXPECT_EQ(text.size(), 5000u);
        EXPECT_EQ(text.substr(0, 10), std::string(10, 'a'));
        EXPECT_EQ(text.find_first_not_of('\0', 10), std::string::npos);

        co_await f.sync_all();
        co_await f.sync_data();

        fs::Metadata d = co_await fs::metadata(dir.get());
        EXPECT_TRUE(d.is_dir());
        EXPECT_EQ(d.file_type(), std::filesystem::file_type::directory);
    });
}

TEST_P(Fs, FileWorksWithReadToEndAndBufReader) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        static_assert(weft::io::AsyncRead<fs::File>);
        static_assert(weft::io::AsyncWrite<fs::File>);
        path p = dir / "lines.txt";
        std::string want;
        for (int i = 0; i < 2000; ++i)
            want += "line " + std::to_string(i) + "\n";
        want += "last, without a newline";
        {
            fs::File f = co_await fs::File::create(p);
            co_await weft::io::write_all(f, want);
            co_await weft::io::shutdown(f);  // a file's shutdown is a flush
        }
        {
            fs::File f = co_await fs::File::open(p);
            std::string all;
            co_await weft::io::read_to_string(f, all);
            EXPECT_EQ(all, want);
        }
        weft::io::BufReader lines(co_await fs::File::open(p), 1000);
        std::string line;
        int count = 0;
        while (co_await lines.read_line(line) != 0) {
            std::string expected =
                count < 2000 ? "line " + std::to_string(count) + "\n" : "last, without a newline";
            EXPECT_EQ(line, expected);
            ++count;
            line.clear();
        }
        EXPECT_EQ(count, 2001);
    });
}

TEST_P(Fs, MissingFilesThrowNotFoundNamingThePath) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        path missing = dir / "no such file";
        auto enoent = std::errc::no_such_file_or_directory;
        co_await expect_error([&]() { return fs::File::open(missing); }, enoent,
                              "weft::fs::File::open " + missing.string());
        co_await expect_error([&]() { return fs::read(missing); }, enoent,
                              "weft::fs::read " + missing.string());
        co_await expect_error([&]() { return fs::read_to_string(missing); }, enoent,
                              missing.string());
        co_await expect_error([&]() { return fs::metadata(missing); }, enoent, missing.string());
        co_await expect_error([&]() { return fs::remove_file(missing); }, enoent,
                              "weft::fs::remove_file " + missing.string());
        co_await expect_error([&]() { return fs::write(dir / "nodir" / "x", "x"); }, enoent,
                              "weft::fs::write");
        co_await expect_error([&]() { return fs::canonicalize(missing); }, enoent,
                              missing.string());

        // A directory opens, but reading it fails with is_a_directory.
        fs::File d = co_await fs::File::open(dir.get());
        co_await expect_error(
            [&]() -> weft::Task<void> {
                char b[16];
                co_await d.read(std::span(b));
            },
            std::errc::is_a_directory, "weft::fs::File::read " + dir.get().string());
        co_await expect_error([&]() { return fs::read(dir.get()); }, std::errc::is_a_directory,
                              dir.get().string());

        // After all of that the runtime goes on, and so does fs.
        co_await runtime_still_runs();
        co_await fs::write(dir / "after", "ok");
        EXPECT_EQ(co_await fs::read_to_string(dir / "after"), "ok");
    });
}

TEST_P(Fs, DirectoriesRenameCopyCanonicalize) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        path a = dir / "a";
        path abc = a / "b" / "c";
        co_await fs::create_dir_all(abc);
        EXPECT_TRUE((co_await fs::metadata(abc)).is_dir());
        co_await fs::create_dir_all(abc);  // already there: fine
        co_await fs::write(a / "plain", "x");
        co_await expect_error([&]() { return fs::create_dir_all(a / "plain" / "sub"); },
                              std::errc::not_a_directory, "weft::fs::create_dir_all");
        co_await expect_error([&]() { return fs::create_dir_all(a / "plain"); },
                              std::errc::not_a_directory, (a / "plain").string());
        co_await fs::remove_file(a / "plain");
        co_await expect_error([&]() { return fs::create_dir(abc); }, std::errc::file_exists,
                              "weft::fs::create_dir " + abc.string());
        co_await expect_error([&]() { return fs::create_dir(a / "x" / "y"); },
                              std::errc::no_such_file_or_directory, (a / "x" / "y").string());
        co_await fs::create_dir(a / "x");
        EXPECT_TRUE((co_await fs::metadata(a / "x")).is_dir());
        co_await fs::remove_dir(a / "x");
        co_await expect_error([&]() { return fs::metadata(a / "x"); },
                              std::errc::no_such_file_or_directory, (a / "x").string());

        // copy: contents and permission bits; returns the byte count.
        path f = abc / "f.bin";
        const auto data = pattern(200000, 7);
        co_await fs::write(f, data);
        ::chmod(f.c_str(), 0640);
        path g = a / "g.bin";
        co_await fs::write(g, "old contents, longer than nothing");
        ::chmod(g.c_str(), 0600);
        EXPECT_EQ(co_await fs::copy(f, g), data.size());
        EXPECT_TRUE(co_await fs::read(g) == data);
        EXPECT_EQ((co_await fs::metadata(g)).as_stat().st_mode & 07777, 0640u);
        co_await expect_error([&]() { return fs::copy(a / "none", g); },
                              std::errc::no_such_file_or_directory, "weft::fs::copy");
        co_await expect_error([&]() { return fs::copy(a, g); }, std::errc::invalid_argument,
                              a.string());

        // rename: the old name is gone, the new one has the contents.
        path h = a / "h.bin";
        co_await fs::rename(g, h);
        EXPECT_TRUE(co_await fs::read(h) == data);
        co_await expect_error([&]() { return fs::metadata(g); },
                              std::errc::no_such_file_or_directory, g.string());
        co_await expect_error([&]() { return fs::rename(g, h); },
                              std::errc::no_such_file_or_directory,
                              "weft::fs::rename " + g.string() + " to " + h.string());

        // canonicalize resolves "..", "." and symbolic links.
        path link = dir / "link";
        std::filesystem::create_directory_symlink(abc, link);
        path canon = co_await fs::canonicalize(a / "b" / ".." / "b" / "." / "c" / "f.bin");
        EXPECT_EQ(canon, std::filesystem::canonical(f));
        EXPECT_EQ(co_await fs::canonicalize(link / "f.bin"), canon);
        EXPECT_TRUE((co_await fs::symlink_metadata(link)).is_symlink());
        EXPECT_TRUE((co_await fs::metadata(link)).is_dir());

        // remove_dir on a non-empty directory; remove_dir_all on files and missing paths.
        co_await expect_error([&]() { return fs::remove_dir(a); }, std::errc::directory_not_empty,
                              a.string());
        co_await expect_error([&]() { return fs::remove_dir_all(h); }, std::errc::not_a_directory,
                              "weft::fs::remove_dir_all " + h.string());
        co_await fs::remove_file(h);
        co_await expect_error([&]() { return fs::remove_file(h); },
                              std::errc::no_such_file_or_directory, h.string());
        co_await fs::remove_dir_all(link);  // removes the link, not the directory behind it
        EXPECT_TRUE((co_await fs::metadata(f)).is_file());
        co_await fs::remove_dir_all(a);
        co_await expect_error([&]() { return fs::metadata(a); },
                              std::errc::no_such_file_or_directory, a.string());
        co_await expect_error([&]() { return fs::remove_dir_all(a); },
                              std::errc::no_such_file_or_directory, a.string());
        co_await runtime_still_runs();
    });
}

// A read dropped while the blocking thread is inside read(2): the file is a FIFO with nothing in
// it, so the read cannot finish until the test writes. select polls the read first (starting it
// on the pool), then a ready future, and drops the read; its buffer is freed at once, and only
// then are the bytes written. They must come out of the next read, exactly once and in order,
// and the blocking thread must not have written into the freed buffer (ASan would say so).
TEST_P(Fs, AReadDroppedMidSyscallLosesNothingAndWritesNoFreedMemory) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        path fifo = dir / "fifo";
        if (::mkfifo(fifo.c_str(), 0600) != 0) {
            ADD_FAILURE() << "mkfifo: " << std::strerror(errno);
            co_return;
        }
        // Opening a FIFO blocks until the other end opens: both opens run on the pool at once.
        auto opening = weft::spawn(fs::File::open(fifo));
        auto writer_opening =
            weft::spawn_blocking([fifo] { return ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC); });
        int wfd = co_await writer_opening;
        fs::File f = co_await opening;
        EXPECT_GE(wfd, 0);

        constexpr std::size_t kChunk = 64 * 1024;
        for (int round = 0; round < 8; ++round) {
            {
                auto scratch = std::make_unique<std::byte[]>(kChunk);
                auto r =
                    co_await weft::select(f.read(std::span(scratch.get(), kChunk)), weft::ready(0));
                EXPECT_EQ(r.index(), 1u) << "the read finished with nothing written yet";
            }  // scratch freed; the read is still blocked in read(2)
            std::string msg = "message " + std::to_string(round);
            EXPECT_EQ(::write(wfd, msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
            char back[64];
            std::size_t n = co_await f.read(std::span(back));
            EXPECT_EQ(std::string_view(back, n), msg);
        }
        ::close(wfd);
        char back[8];
        EXPECT_EQ(co_await f.read(std::span(back)), 0u);  // the writer closed: end of file
        co_await runtime_still_runs();
    });
}

// Polls `fut` `n` times (0: never), all within one poll of its own, then drops it.
template <class F>
weft::Task<void> poll_then_drop(F fut, int n) {
    int left = n;
    auto polling = weft::poll_fn([&](weft::Context& cx) -> weft::Poll<void> {
        for (; left > 0; --left) {
            if (fut.poll(cx).is_ready()) ADD_FAILURE() << "finished with nothing to read";
        }
        return weft::Ready;
    });
    co_await polling;
}

// A FIFO read (never the page-cache path: io_uring's READ, or the pool) dropped after 0, 1 and
// 2 polls, its buffer freed at once: the bytes written afterwards come out of the next read
// exactly once. Then a File dropped with a read in flight (on io_uring: cancelled in the
// kernel; the op, not the freed File, owns the buffer). ASan watches both.
TEST_P(Fs, AFifoReadDroppedAfterZeroOneOrTwoPollsLosesNothing) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        path fifo = dir / "fifo";
        EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
        // O_RDWR: the writer end that keeps the FIFO open without waiting for a reader.
        int wfd = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
        EXPECT_GE(wfd, 0);
        fs::File f = co_await fs::File::open(fifo);
        for (int polls = 0; polls < 3; ++polls) {
            {
                auto scratch = std::make_unique<std::byte[]>(4096);
                auto dropping = poll_then_drop(f.read(std::span(scratch.get(), 4096)), polls);
                co_await dropping;
            }
            std::string msg = "after " + std::to_string(polls) + " polls";
            EXPECT_EQ(::write(wfd, msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
            char back[64];
            std::size_t n = co_await f.read(std::span(back));
            EXPECT_EQ(std::string_view(back, n), msg);
        }
        {
            fs::File g = co_await fs::File::open(fifo);
            auto scratch = std::make_unique<std::byte[]>(4096);
            auto dropping = poll_then_drop(g.read(std::span(scratch.get(), 4096)), 1);
            co_await dropping;
        }  // g and the buffer go with its read in flight
        ::close(wfd);
        co_await runtime_still_runs();
    });
}

// The same on a regular file, where a dropped read may or may not have finished: whichever,
// reading on returns the whole file exactly once, and a seek relative to the current position
// counts from what was returned, not from how far the kernel read ahead.
TEST_P(Fs, DroppedReadsOnARegularFileLoseNothing) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        const auto data = pattern(1u << 20, 3);
        path p = dir / "cancel.bin";
        co_await fs::write(p, data);
        fs::File f = co_await fs::File::open(p);
        std::vector<std::byte> got;
        constexpr std::size_t kChunk = 64 * 1024;
        for (int round = 0; round < 8; ++round) {
            {
                auto scratch = std::make_unique<std::byte[]>(kChunk);
                auto r =
                    co_await weft::select(f.read(std::span(scratch.get(), kChunk)), weft::ready(0));
                if (r.index() == 0) {  // it finished at once
                    std::size_t n = std::get<0>(r);
                    got.insert(got.end(), scratch.get(), scratch.get() + n);
                }
            }
            std::vector<std::byte> chunk(kChunk / 2);  // smaller: leaves read-ahead behind
            std::size_t n = co_await f.read(std::span(chunk));
            got.insert(got.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
        }
        EXPECT_EQ(co_await f.seek(fs::SeekFrom::current(0)), got.size());
        co_await weft::io::read_to_end(f, got);
        EXPECT_TRUE(got == data) << "got " << got.size() << " bytes of " << data.size();
    });
}

// Each 64 KiB read runs under a timeout far shorter than the read; whatever a timed-out read
// fetched comes back from the next one.
TEST_P(Fs, ReadsUnderATinyTimeoutLoseNothing) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        const auto data = pattern(2u << 20, 11);
        path p = dir / "timeout.bin";
        co_await fs::write(p, data);
        fs::File f = co_await fs::File::open(p);
        std::vector<std::byte> got;
        std::vector<std::byte> chunk(64 * 1024);
        int elapsed = 0;
        for (;;) {
            auto r = co_await weft::time::timeout(1us, f.read(std::span(chunk)));
            if (!r) {
                ++elapsed;
                continue;
            }
            std::size_t n = *r;
            if (n == 0) break;
            got.insert(got.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
        }
        EXPECT_TRUE(got == data) << "got " << got.size() << " bytes of " << data.size();
        std::printf("[ info ] %d of the reads timed out\n", elapsed);
        co_await runtime_still_runs();
    });
}

// A File dropped with an operation in flight: the operation finishes on its own (it holds the
// descriptor and its buffer), and a write still lands.
TEST_P(Fs, DroppingAFileWithAnOperationInFlight) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        path p = dir / "dropped.bin";
        co_await fs::write(p, pattern(1u << 20));
        {
            fs::File f = co_await fs::File::open(p);
            std::byte scratch[65536];
            (void)co_await weft::select(f.read(std::span(scratch)), weft::ready(0));
        }  // the File and the buffer both go with the read in flight
        path w = dir / "written-then-dropped";
        {
            fs::File f = co_await fs::File::create(w);
            EXPECT_EQ(co_await f.write(bytes_of("abc")), 3u);
        }  // dropped unflushed: the write goes on in the background
        std::string text;
        for (int i = 0; i < 500 && text != "abc"; ++i) {
            text = co_await fs::read_to_string(w);
            if (text != "abc") co_await weft::time::sleep(2ms);
        }
        EXPECT_EQ(text, "abc");
    });
}

// A write that fails on the blocking pool is thrown by the next flush (Tokio's behaviour), and
// the file is still usable for reading.
TEST_P(Fs, AFailedBackgroundWriteIsThrownByFlush) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        path p = dir / "readonly.txt";
        co_await fs::write(p, "data");
        fs::File f = co_await fs::File::open(p);           // read-only descriptor
        EXPECT_EQ(co_await f.write(bytes_of("xyz")), 3u);  // accepted into the buffer
        co_await expect_error([&]() { return f.flush(); }, std::errc::bad_file_descriptor,
                              "weft::fs::File::write " + p.string());
        co_await f.flush();  // reported once
        // The same through sync_all, which flushes first.
        EXPECT_EQ(co_await f.write(bytes_of("xyz")), 3u);
        co_await expect_error([&]() { return f.sync_all(); }, std::errc::bad_file_descriptor,
                              "weft::fs::File::write");
        co_await f.seek(fs::SeekFrom::start(0));
        char buf[4];
        co_await f.read_exact(std::span(buf));
        EXPECT_EQ(std::string_view(buf, 4), "data");
        co_await runtime_still_runs();
    });
}

TEST_P(Fs, ManyTasksReadAndWriteFilesAtOnce) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        constexpr int kFiles = 64;
        std::vector<weft::JoinHandle<bool>> tasks;
        for (int i = 0; i < kFiles; ++i) {
            tasks.push_back(weft::spawn([](path p, int i) -> weft::Task<bool> {
                auto data = pattern(4096 + static_cast<std::size_t>(i) * 97,
                                    static_cast<std::uint32_t>(i + 1));
                co_await fs::write(p, data);
                fs::File f = co_await fs::File::open(p);
                std::vector<std::byte> back;
                co_await weft::io::read_to_end(f, back);
                co_return back == data&& co_await fs::read(p) == data;
            }(dir.get() / ("f" + std::to_string(i)), i)));
        }
        for (auto& t : tasks)
            EXPECT_TRUE(co_await t);
    });
}

TEST(FsOutsideARuntime, FileOperationsNeedARuntime) {
    TempDir dir{"weft-fs"};
    path p = dir / "x";
    // The free block_on has no runtime at all.
    try {
        weft::block_on(fs::read(p));
        ADD_FAILURE() << "fs::read ran outside a runtime";
    } catch (const std::logic_error& e) {
        EXPECT_NE(std::string(e.what()).find("weft::fs::read needs a runtime"), std::string::npos)
            << e.what();
    }
    // A LocalExecutor has no blocking pool.
    weft::LocalExecutor ex;
    try {
        ex.run([&]() -> weft::Task<void> { co_await fs::write(p, "x"); });
        ADD_FAILURE() << "fs::write ran on a LocalExecutor";
    } catch (const std::logic_error& e) {
        EXPECT_NE(std::string(e.what()).find("needs a weft::Runtime"), std::string::npos)
            << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(p));
}

// A read queued behind a busy pool when its runtime shuts down never runs: the file's next
// poll (here from another runtime) throws JoinError, and after that the file is idle and reads
// from where it was.
// io_uring: a runtime dropped with reads in flight (a FIFO nobody writes to) and whole-file
// reads dropped at their first poll. Shutdown cancels the requests and wakes their owners: the
// File's next poll, from another runtime, throws, and the file is idle again; the ring is
// closed only after the kernel let go of every buffer (LSan: nothing leaks; ASan: nothing is
// written after free).
TEST(FsUring, ARuntimeDroppedWithRequestsInFlightLeaksNothing) {
    Watchdog dog;
    TempDir dir{"weft-fs"};
    path fifo = dir / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    int wfd = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(wfd, 0);
    std::optional<fs::File> f;
    {
        weft::Runtime rt =
            weft::Runtime::builder().worker_threads(2).io_driver(weft::IoDriverKind::Uring).build();
        rt.block_on([&]() -> weft::Task<void> {
            co_await fs::write(dir / "x", "hello");
            f.emplace(co_await fs::File::open(fifo));
            std::byte b[8];
            auto r = co_await weft::select(f->read(std::span(b)), weft::ready(0));
            EXPECT_EQ(r.index(), 1u);
            // A task still waiting on another read when the runtime goes.
            weft::spawn([](path p) -> weft::Task<void> {
                fs::File g = co_await fs::File::open(p);
                char c[8];
                (void)co_await g.read(std::span(c));
            }(fifo))
                .detach();
            weft::detail::skip_fs_fast_paths_for_testing(true);  // fs::read on the ring
            for (int polls = 0; polls < 3; ++polls) {
                auto dropping = poll_then_drop(fs::read(dir / "x"), polls);
                co_await dropping;
            }
            weft::detail::skip_fs_fast_paths_for_testing(false);
            co_await weft::time::sleep(10ms);  // the spawned read reaches the kernel
        });
    }
    weft::Runtime rt2 = weft::RuntimeBuilder::new_current_thread().build();
    rt2.block_on([&]() -> weft::Task<void> {
        char b[8];
        try {
            co_await f->read(std::span(b));
            ADD_FAILURE() << "a read cut off by shutdown did not report it";
        } catch (const std::runtime_error&) {
        }
        EXPECT_EQ(::write(wfd, "hi", 2), 2);
        std::size_t n = co_await f->read(std::span(b));  // idle again: this runtime's path
        EXPECT_EQ(std::string_view(b, n), "hi");
    });
    f.reset();
    ::close(wfd);
}

// Proof that the requests are io_uring's: with the fast paths off, each open, read, fsync and
// statx is a completion that the driver reaps (RuntimeMetrics counts them).
TEST(FsUring, OperationsAreCompletionsOnTheRing) {
    Watchdog dog;
    TempDir dir{"weft-fs"};
    ForcePool ring(false, true);
    weft::Runtime rt =
        weft::RuntimeBuilder::new_current_thread().io_driver(weft::IoDriverKind::Uring).build();
    std::uint64_t before = rt.metrics().io_driver_ready_count();
    rt.block_on([&]() -> weft::Task<void> {
        co_await fs::write(dir / "x", "hello");
        fs::File f = co_await fs::File::open(dir / "x");
        char b[8];
        std::size_t n = co_await f.read(std::span(b));
        EXPECT_EQ(std::string_view(b, n), "hello");
        EXPECT_EQ((co_await f.metadata()).len(), 5u);
        co_await f.sync_all();
        std::vector<std::byte> whole = co_await fs::read(dir / "x");
        EXPECT_EQ(whole.size(), 5u);
    });
    // write: open + write; File: open + read + statx + fsync; fs::read: open + read + probe.
    EXPECT_GE(rt.metrics().io_driver_ready_count() - before, 9u);
}

TEST(FsShutdown, AnOperationCancelledByShutdownThrowsJoinErrorOnceThenTheFileGoesOn) {
    Watchdog dog;
    TempDir dir{"weft-fs"};
    path p = dir / "x";
    ForcePool pool(true);  // the pool's path, which this test is about
    std::optional<fs::File> f;
    {
        weft::Runtime rt1 =
            weft::RuntimeBuilder::new_current_thread().max_blocking_threads(1).build();
        rt1.block_on([&]() -> weft::Task<void> {
            co_await fs::write(p, "hello");
            f.emplace(co_await fs::File::open(p));
            // The pool's only thread sleeps well past the shutdown below.
            weft::spawn_blocking([] { std::this_thread::sleep_for(300ms); }).detach();
            std::byte b[8];
            auto r = co_await weft::select(f->read(std::span(b)), weft::ready(0));
            EXPECT_EQ(r.index(), 1u);  // queued behind the sleeper, so still in flight
        });
    }  // shutdown: the queued read is cancelled
    weft::Runtime rt2 = weft::RuntimeBuilder::new_current_thread().build();
    rt2.block_on([&]() -> weft::Task<void> {
        char b[8];
        try {
            co_await f->read(std::span(b));
            ADD_FAILURE() << "the read cancelled by shutdown did not report it";
        } catch (const weft::JoinError&) {
        }
        std::size_t n = co_await f->read(std::span(b));
        EXPECT_EQ(std::string_view(b, n), "hello");
    });
}

TEST_P(Fs, ReadDirListsEveryEntryOnceWithItsTypeAcrossBatches) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        // 70 files: three trips of 32 to the pool. A directory and two links beside them.
        std::set<std::string> want;
        for (int i = 0; i < 70; ++i) {
            std::string name = "f" + std::to_string(i);
            co_await fs::write(dir.get() / name, name);
            want.insert(name);
        }
        co_await fs::create_dir(dir / "sub");
        co_await fs::symlink("f0", dir / "link");
        co_await fs::symlink("nowhere", dir / "dangling");
        want.insert({"sub", "link", "dangling"});

        fs::ReadDir entries = co_await fs::read_dir(dir.get());
        std::set<std::string> seen;
        while (std::optional<fs::DirEntry> e = co_await entries.next_entry()) {
            std::string name = e->file_name().string();
            EXPECT_TRUE(seen.insert(name).second) << name << " listed twice";
            EXPECT_EQ(e->path(), dir.get() / name);
            std::filesystem::file_type t = co_await e->file_type();
            fs::Metadata m = co_await e->metadata();  // lstat: a link describes itself
            EXPECT_EQ(m.file_type(), t) << name;
            EXPECT_EQ(m.as_stat().st_ino, e->ino()) << name;
            if (name == "sub") {
                EXPECT_EQ(t, std::filesystem::file_type::directory);
            } else if (name == "link" || name == "dangling") {
                EXPECT_EQ(t, std::filesystem::file_type::symlink);
            } else {
                EXPECT_EQ(t, std::filesystem::file_type::regular);
                EXPECT_EQ(m.len(), name.size());
            }
        }
        EXPECT_EQ(seen, want);
        // After the end, the stream stays ended.
        EXPECT_FALSE((co_await entries.next_entry()).has_value());

        co_await expect_error([&]() { return fs::read_dir(dir / "none"); },
                              std::errc::no_such_file_or_directory, "weft::fs::read_dir");
        co_await expect_error([&]() { return fs::read_dir(dir / "f1"); },
                              std::errc::not_a_directory, (dir / "f1").string());
        co_await runtime_still_runs();
    });
}

TEST_P(Fs, ACancelledNextEntryLosesNoEntryAndADroppedReadDirClosesItsDirectory) {
    // One blocking thread, held by a gate: a batch queued behind it is certainly still in
    // flight when the race below is decided.
    Watchdog dog;
    weft::Runtime rt =
        GetParam().current_thread
            ? weft::RuntimeBuilder::new_current_thread().max_blocking_threads(1).build()
            : weft::Runtime::builder().worker_threads(2).max_blocking_threads(1).build();
    rt.block_on([&]() -> weft::Task<void> {
        std::set<std::string> want;
        for (int i = 0; i < 40; ++i) {
            std::string name = "e" + std::to_string(i);
            co_await fs::write(dir.get() / name, "");
            want.insert(name);
        }
        std::atomic<bool> open{false};
        auto hold_the_pool = [&open] {
            while (!open.load())
                std::this_thread::sleep_for(1ms);
        };
        std::set<std::string> seen;
        fs::ReadDir entries = co_await fs::read_dir(dir.get());
        weft::spawn_blocking(hold_the_pool).detach();
        // The first next_entry loses to a ready future while its batch waits for the pool, and
        // is dropped. Later ones race too, and lose or win; nothing goes missing either way.
        int cancelled = 0;
        for (;;) {
            auto raced = co_await weft::select(entries.next_entry(), weft::ready(0));
            open = true;
            if (raced.index() == 1) {
                ++cancelled;
                continue;
            }
            auto& e = std::get<0>(raced);
            if (!e) break;
            EXPECT_TRUE(seen.insert(e->file_name().string()).second);
        }
        EXPECT_GT(cancelled, 0);
        EXPECT_EQ(seen, want);

        // A ReadDir dropped with a batch in flight: the pool closes the directory when the
        // batch is done (LSan would report the DIR otherwise) and the descriptor count comes
        // back.
        auto count_fds = [] {
            return std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                 std::filesystem::directory_iterator{});
        };
        auto before = count_fds();
        open = false;
        {
            fs::ReadDir dropped = co_await fs::read_dir(dir.get());
            weft::spawn_blocking(hold_the_pool).detach();
            auto raced = co_await weft::select(dropped.next_entry(), weft::ready(0));
            EXPECT_EQ(raced.index(), 1u);
        }
        open = true;
        co_await weft::spawn_blocking([] {});  // queued behind the dropped batch
        EXPECT_EQ(count_fds(), before);
    });
}

TEST_P(Fs, LinksPermissionsAndTryExists) {
    run_fs(GetParam(), [&]() -> weft::Task<void> {
        path f = dir / "data";
        co_await fs::write(f, "contents");

        // symlink stores the target as given; read_link gives it back unresolved.
        co_await fs::symlink("data", dir / "rel");
        co_await fs::symlink(f, dir / "abs");
        EXPECT_EQ(co_await fs::read_link(dir / "rel"), path("data"));
        EXPECT_EQ(co_await fs::read_link(dir / "abs"), f);
        EXPECT_EQ(co_await fs::read_to_string(dir / "rel"), "contents");
        // A long target: longer than read_link's first buffer.
        std::string long_target(1000, 'x');
        co_await fs::symlink(long_target, dir / "long");
        EXPECT_EQ(co_await fs::read_link(dir / "long"), path(long_target));
        co_await expect_error([&]() { return fs::read_link(f); }, std::errc::invalid_argument,
                              "weft::fs::read_link " + f.string());
        co_await expect_error([&]() { return fs::symlink("data", dir / "rel"); },
                              std::errc::file_exists,
                              "weft::fs::symlink data to " + (dir / "rel").string());

        // hard_link: one file, two names.
        co_await fs::hard_link(f, dir / "again");
        fs::Metadata a = co_await fs::metadata(f), b = co_await fs::metadata(dir / "again");
        EXPECT_EQ(a.as_stat().st_ino, b.as_stat().st_ino);
        EXPECT_EQ(b.as_stat().st_nlink, 2u);
        co_await expect_error([&]() { return fs::hard_link(dir / "none", dir / "x"); },
                              std::errc::no_such_file_or_directory, "weft::fs::hard_link");

        // set_permissions, read back through metadata.
        using std::filesystem::perms;
        co_await fs::set_permissions(f, perms::owner_read | perms::group_read);
        EXPECT_EQ((co_await fs::metadata(f)).permissions(), perms::owner_read | perms::group_read);
        EXPECT_TRUE((co_await fs::metadata(f)).readonly());
        co_await fs::set_permissions(f, perms::owner_all);
        EXPECT_EQ((co_await fs::metadata(f)).as_stat().st_mode & 07777, 0700u);
        co_await expect_error([&]() { return fs::set_permissions(dir / "none", perms::owner_all); },
                              std::errc::no_such_file_or_directory, "weft::fs::set_permissions");

        // try_exists follows links; "not there" is false, any other error is thrown.
        EXPECT_TRUE(co_await fs::try_exists(f));
        EXPECT_TRUE(co_await fs::try_exists(dir / "rel"));
        EXPECT_FALSE(co_await fs::try_exists(dir / "none"));
        co_await fs::symlink("none", dir / "dangling");
        EXPECT_FALSE(co_await fs::try_exists(dir / "dangling"));
        co_await expect_error([&]() { return fs::try_exists(f / "below-a-file"); },
                              std::errc::not_a_directory, "weft::fs::try_exists");
        co_await runtime_still_runs();
    });
}
