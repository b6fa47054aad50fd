// weft::codec decode throughput over an in-memory reader, in the peers' one-line format.
//
//   codec_bench lines n=1000000 [len=40] [chunk=65536] [iters=5]
//   codec_bench length_delimited n=1000000 [len=100] [chunk=65536] [iters=5]
//
// The input (n frames with `len`-byte payloads: lines of `len` characters plus '\n', or a 4-byte
// big-endian length plus `len` bytes) is built once in memory; each run wraps a reader that
// gives it `chunk` bytes per read, always ready, in a FramedRead with LinesCodec or
// LengthDelimitedCodec and drains it with `while (auto f = co_await next(framed))` under
// `weft::block_on` (the codec layer needs no runtime). So the rate is the framing's own cost:
// the decode loop, the buffer's reserve/commit/advance, and building each item (a
// std::string for lines, an owned BytesMut for length-delimited frames). Rate: frames/s.
// Frame count and total payload bytes are checked: a wrong one aborts (non-zero exit status).

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>

#include "bench_util.hpp"
#include "weft/weft.hpp"

namespace {

using namespace bench;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "codec_bench: %s\n", what);
    std::exit(1);
}

// Gives `data` `chunk` bytes per read, then end of stream; never Pending.
struct MemReader {
    const std::string* data;
    std::size_t chunk;
    std::size_t pos = 0;
    weft::Poll<std::size_t> poll_read(weft::Context&, std::span<std::byte> buf) {
        std::size_t n = std::min({chunk, buf.size(), data->size() - pos});
        std::memcpy(buf.data(), data->data() + pos, n);
        pos += n;
        return n;
    }
};

struct Totals {
    long frames = 0;
    long bytes = 0;
};

template <class Codec>
weft::Task<Totals> drain(const std::string& input, std::size_t chunk, Codec codec) {
    weft::codec::FramedRead framed(MemReader{&input, chunk}, std::move(codec));
    Totals t;
    while (auto f = co_await weft::stream::next(framed)) {
        ++t.frames;
        t.bytes += static_cast<long>(f->size());
    }
    co_return t;
}

template <class Codec>
double run_once(const std::string& input, std::size_t chunk, Codec codec, long n, long len) {
    auto t0 = Clock::now();
    Totals t = weft::block_on(drain(input, chunk, std::move(codec)));
    double secs = since(t0);
    if (t.frames != n || t.bytes != n * len) fail("wrong frame count or payload bytes");
    return secs;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr,
                     "usage: codec_bench lines|length_delimited n=N [len=L] [chunk=C] "
                     "[iters=K]\n");
        return 2;
    }
    std::string which = argv[1];
    auto kv = parse(argc, argv);
    long n = arg(kv, "n", 1000000);
    long iters = arg(kv, "iters", 5);
    auto chunk = static_cast<std::size_t>(arg(kv, "chunk", 65536));
    if (n < 1 || iters < 1 || chunk < 1) fail("n, iters and chunk must be positive");

    std::string input;
    if (which == "lines") {
        long len = arg(kv, "len", 40);
        std::string line(static_cast<std::size_t>(len), 'x');
        line += '\n';
        input.reserve(line.size() * static_cast<std::size_t>(n));
        for (long i = 0; i < n; ++i)
            input += line;
        Timing t = repeat(
            iters, [&] { return run_once(input, chunk, weft::codec::LinesCodec(), n, len); });
        print("codec_lines",
              "n=" + std::to_string(n) + " len=" + std::to_string(len) +
                  " chunk=" + std::to_string(chunk),
              static_cast<double>(n), t);
    } else if (which == "length_delimited") {
        long len = arg(kv, "len", 100);
        weft::codec::LengthDelimitedCodec enc;
        weft::codec::BytesMut frame;
        enc.encode(std::string(static_cast<std::size_t>(len), 'y'), frame);
        input.reserve(frame.size() * static_cast<std::size_t>(n));
        for (long i = 0; i < n; ++i)
            input += frame.view();
        Timing t = repeat(iters, [&] {
            return run_once(input, chunk, weft::codec::LengthDelimitedCodec(), n, len);
        });
        print("codec_length_delimited",
              "n=" + std::to_string(n) + " len=" + std::to_string(len) +
                  " chunk=" + std::to_string(chunk),
              static_cast<double>(n), t);
    } else {
        fail("unknown benchmark (lines or length_delimited)");
    }
    return 0;
}
