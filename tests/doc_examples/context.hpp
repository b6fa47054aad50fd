#pragma once
// The names that the docs' ```cpp snippets use without declaring them (scripts/doc_examples.py),
// as a reader would assume them: `tx` is the sender of the channel the page is about, `use(v)`
// does something with a value. Namespace `weft_doc_context::<file>` serves the blocks of one
// source file (include/weft/sync/mpsc.hpp: `sync_mpsc`; docs/sync.md: `docs_sync`); `common`
// serves all. Declarations only: snippets are compiled, never called, so nothing is defined.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "program.hpp"
#include "weft/embedded/executor.hpp"
#include "weft/embedded/frame_arena.hpp"
#include "weft/embedded/signal.hpp"
#include "weft/weft.hpp"
// weft::tls needs no OpenSSL headers, so its snippets compile even where it is not built.
#include "weft/tls/tls.hpp"

namespace weft_doc_context {
using namespace std::chrono_literals;
}  // namespace weft_doc_context

// Types the examples share.
namespace weft_doc_context {
struct Config {
    int port = 80;
    bool ready = false;
};
struct Request {};
template <class T>
T& any();  // a placeholder object of type T (never called: snippets are never run)
}  // namespace weft_doc_context

// --- include/weft/sync ---------------------------------------------------------------------

namespace weft_doc_context::detail_sync_waiter_list {
using weft::Waker;
using weft::detail::replace_waker;
struct Waiter {
    Waker waker;
};
}  // namespace weft_doc_context::detail_sync_waiter_list
#define WEFT_DOC_VARS_detail_sync_waiter_list \
    auto& mu = any<std::mutex>();             \
    auto& w = any<Waiter>();                  \
    auto& cx = any<weft::Context>();

namespace weft_doc_context::sync_barrier {
void compute_my_part(int round);
void publish(int round);
}  // namespace weft_doc_context::sync_barrier
#define WEFT_DOC_VARS_sync_barrier \
    std::size_t workers = 4;       \
    int rounds = 10;

namespace weft_doc_context::sync_broadcast {
using Tx = weft::sync::broadcast::Sender<int>;
void use(int);
void handle(int);
void keep(int);
weft::Task<void> publish_forever(const Tx& tx);
}  // namespace weft_doc_context::sync_broadcast
#define WEFT_DOC_VARS_sync_broadcast                        \
    auto& tx = any<weft::sync::broadcast::Sender<int>>();   \
    auto& rx = any<weft::sync::broadcast::Receiver<int>>(); \
    std::uint64_t missed = 0;                               \
    int event = 1;

namespace weft_doc_context::sync_cancellation_token {
weft::Task<void> serve();
weft::Task<int> process(std::vector<int> batch);
template <class... A>
void log(A&&...);
}  // namespace weft_doc_context::sync_cancellation_token
#define WEFT_DOC_VARS_sync_cancellation_token            \
    auto& parent = any<weft::sync::CancellationToken>(); \
    auto& stop = any<weft::sync::CancellationToken>();   \
    std::vector<int> batch;

namespace weft_doc_context::sync_mpsc {
using Event = int;
void use(int);
void shed_load();
void finish();
void requeue(int);
int make_value();
int next_value();
weft::Task<void> produce(const weft::sync::mpsc::Sender<int>& tx);
weft::Task<void> write_all(const std::vector<Event>& batch);
}  // namespace weft_doc_context::sync_mpsc
#define WEFT_DOC_VARS_sync_mpsc                        \
    auto& tx = any<weft::sync::mpsc::Sender<int>>();   \
    auto& rx = any<weft::sync::mpsc::Receiver<int>>(); \
    int v = 1, job = 2, header = 3, body = 4;

namespace weft_doc_context::sync_mutex {
struct State {};
weft::Task<void> flush_if_full(std::vector<std::string>& lines);
weft::Task<void> flush(weft::sync::OwnedMutexGuard<State> g);
}  // namespace weft_doc_context::sync_mutex
#define WEFT_DOC_VARS_sync_mutex auto& state = any<std::shared_ptr<weft::sync::Mutex<State>>>();

#define WEFT_DOC_VARS_sync_notify auto& idle = any<weft::sync::Notify>();

namespace weft_doc_context::sync_once_cell {
weft::Task<Config> load_config(const char* path);
weft::Task<void> serve(Request r, const Config& c);
}  // namespace weft_doc_context::sync_once_cell

namespace weft_doc_context::sync_oneshot {
void use(int);
weft::Task<int> compute_answer();
}  // namespace weft_doc_context::sync_oneshot
#define WEFT_DOC_VARS_sync_oneshot                      \
    auto& tx = any<weft::sync::oneshot::Sender<int>>(); \
    auto& rx = any<weft::sync::oneshot::Receiver<int>>();

#define WEFT_DOC_VARS_sync_recv_error auto& rx = any<weft::sync::oneshot::Receiver<int>>();

namespace weft_doc_context::sync_rw_lock {
struct Cache {
    void refresh();
};
struct State {
    Config config;
};
Config load();
}  // namespace weft_doc_context::sync_rw_lock
#define WEFT_DOC_VARS_sync_rw_lock                  \
    auto& cache = any<weft::sync::RwLock<Cache>>(); \
    auto& state = any<weft::sync::RwLock<State>>();

namespace weft_doc_context::sync_semaphore {
weft::Task<void> use(weft::sync::OwnedSemaphorePermit permit);
weft::Task<void> fetch(std::string url);
weft::Task<void> handle(weft::sync::OwnedSemaphorePermit permit, Request r);
void reply_busy();
void do_blocking_io();
void do_work();
void shut_down();
}  // namespace weft_doc_context::sync_semaphore
#define WEFT_DOC_VARS_sync_semaphore                           \
    auto& sem = any<std::shared_ptr<weft::sync::Semaphore>>(); \
    auto& limit = any<weft::sync::Semaphore>();                \
    Request req;

namespace weft_doc_context::sync_send_result {
void requeue(int);
}
#define WEFT_DOC_VARS_sync_send_result               \
    auto& tx = any<weft::sync::mpsc::Sender<int>>(); \
    int job = 1;

namespace weft_doc_context::sync_watch {
weft::Task<void> listen(int port);
void reload(const Config&);
void apply(const Config&);
weft::Task<void> produce(const weft::sync::watch::Sender<Config>& tx);
Config load_config();
}  // namespace weft_doc_context::sync_watch
#define WEFT_DOC_VARS_sync_watch                           \
    auto& tx = any<weft::sync::watch::Sender<Config>>();   \
    auto& rx = any<weft::sync::watch::Receiver<Config>>(); \
    int port = 0;                                          \
    Config cfg;

// --- include/weft/{coro,executor,future,runtime,task}, detail/net ------------------------------

namespace weft_doc_context::coro_async_stream {
void handle(const std::string& line);
}
#define WEFT_DOC_VARS_coro_async_stream auto& conn = any<weft::net::TcpStream>();

namespace weft_doc_context::net_byte_stream {
template <class Read>
weft::Task<void> copy_lines(Read& rd);
template <class Write>
weft::Task<void> send_heartbeats(Write& wr);
}  // namespace weft_doc_context::net_byte_stream
#define WEFT_DOC_VARS_net_byte_stream auto& stream = any<weft::net::TcpStream>();

namespace weft_doc_context::net_split {
template <class Read>
weft::Task<void> copy_lines(Read& rd);
template <class Write>
weft::Task<void> send_heartbeats(Write& wr);
template <class Read>
weft::Task<void> read_loop(Read rd);
template <class Write>
weft::Task<void> write_loop(Write wr);
}  // namespace weft_doc_context::net_split
#define WEFT_DOC_VARS_net_split auto& stream = any<weft::net::TcpStream>();

namespace weft_doc_context::executor_local_executor {
weft::Task<int> work(int n);
weft::Task<void> serve(const weft::net::TcpStream& conn);
}  // namespace weft_doc_context::executor_local_executor
#define WEFT_DOC_VARS_executor_local_executor \
    auto& ex = any<weft::LocalExecutor>();    \
    auto& conn = any<weft::net::TcpStream>();

namespace weft_doc_context::future_join_all {
weft::Task<int> square(int n);
}
namespace weft_doc_context::future_select {
weft::Task<std::string> read_line();
weft::Task<void> shutdown_signal();
void handle(const std::string& line);
}  // namespace weft_doc_context::future_select
namespace weft_doc_context::future_try_join {
weft::Task<std::string> fetch(std::string url);
}

namespace weft_doc_context::runtime_enter_guard {
weft::Task<void> background_job();
}
namespace weft_doc_context::runtime_handle {
weft::Task<void> background_job();
}
namespace weft_doc_context::runtime_runtime {
weft::Task<int> compute();
}

namespace weft_doc_context::task_abort_handle {
weft::Task<void> serve(weft::net::TcpStream conn);
}
#define WEFT_DOC_VARS_task_abort_handle auto& conn = any<weft::net::TcpStream>();
namespace weft_doc_context::task_budget {
weft::Task<void> drain_everything();
}
#define WEFT_DOC_VARS_task_context auto& future = any<decltype(weft::ready(1))>();
#define WEFT_DOC_VARS_task_join_error auto& handle = any<weft::JoinHandle<int>>();
namespace weft_doc_context::task_join_handle {
weft::Task<int> compute();
}
namespace weft_doc_context::task_join_set {
weft::Task<int> fetch_size(std::string url);
}
#define WEFT_DOC_VARS_task_join_set auto& urls = any<std::vector<std::string>>();
namespace weft_doc_context::task_poll {
extern bool done_;
extern weft::Waker waker_;
}  // namespace weft_doc_context::task_poll
namespace weft_doc_context::task_scope {
weft::Task<std::string> fetch(std::string url);
}
#define WEFT_DOC_VARS_task_scope auto& urls = any<std::vector<std::string>>();
namespace weft_doc_context::task_spawn {
extern weft::net::TcpStream conn;
weft::Task<void> handle_connection(weft::net::TcpStream conn);
weft::Task<void> uses_thread_local_cache();
std::vector<char> read_whole_file(const std::string& path);
}  // namespace weft_doc_context::task_spawn
#define WEFT_DOC_VARS_task_spawn std::string path = "/etc/hosts";
namespace weft_doc_context::task_task_builder {
weft::Task<void> accept_loop(weft::net::TcpListener& listener);
}
#define WEFT_DOC_VARS_task_task_builder auto& listener = any<weft::net::TcpListener>();
namespace weft_doc_context::executor_with_cleanup {
weft::Task<void> serve(weft::net::TcpStream& conn);
}
namespace weft_doc_context::task_yield_now {
void work(int i);
}

// --- include/weft/{fs,io,net,signal,time} -------------------------------------------------------

#define WEFT_DOC_FS_VARS                                         \
    std::filesystem::path dir = "/tmp/app", p = dir, path = dir; \
    auto& file = any<weft::fs::File>();                          \
    std::string data = "data", record = "record", text = "text";
#define WEFT_DOC_VARS_fs_dir WEFT_DOC_FS_VARS
#define WEFT_DOC_VARS_fs_file WEFT_DOC_FS_VARS
#define WEFT_DOC_VARS_fs_metadata WEFT_DOC_FS_VARS
#define WEFT_DOC_VARS_fs_open_options WEFT_DOC_FS_VARS
#define WEFT_DOC_VARS_fs_path_ops WEFT_DOC_FS_VARS
#define WEFT_DOC_VARS_fs_read WEFT_DOC_FS_VARS
#define WEFT_DOC_VARS_fs_read_dir WEFT_DOC_FS_VARS
#define WEFT_DOC_VARS_fs_seek_from WEFT_DOC_FS_VARS
#define WEFT_DOC_VARS_fs_write WEFT_DOC_FS_VARS
namespace weft_doc_context::fs_write {
std::vector<std::byte> make_blob();
}

namespace weft_doc_context::io_buf_reader {
void handle(const std::string& line);
using ReadHalf = decltype(std::declval<weft::net::TcpStream>().into_split().first);
}  // namespace weft_doc_context::io_buf_reader
#define WEFT_DOC_VARS_io_buf_reader auto& read_half = any<ReadHalf>();
#define WEFT_DOC_VARS_io_buf_writer             \
    auto& stream = any<weft::net::TcpStream>(); \
    auto& lines = any<std::vector<std::string>>();
#define WEFT_DOC_VARS_io_copy                   \
    auto& socket = any<weft::net::TcpStream>(); \
    auto& file = any<weft::fs::File>();
#define WEFT_DOC_VARS_io_copy_bidirectional     \
    auto& client = any<weft::net::TcpStream>(); \
    auto backend = weft::net::SocketAddr::localhost(6379);
#define WEFT_DOC_VARS_io_error                  \
    auto& stream = any<weft::net::TcpStream>(); \
    std::byte header_bytes[8];                  \
    std::span<std::byte> header(header_bytes);
#define WEFT_DOC_VARS_io_read auto& stream = any<weft::net::TcpStream>();
#define WEFT_DOC_VARS_io_write auto& stream = any<weft::net::TcpStream>();

#define WEFT_DOC_VARS_net_shutdown auto& stream = any<weft::net::TcpStream>();
#define WEFT_DOC_VARS_net_ucred auto& stream = any<weft::net::UnixStream>();
#define WEFT_DOC_VARS_net_udp_socket auto server = weft::net::SocketAddr::localhost(53);
namespace weft_doc_context::net_tcp_listener {
weft::Task<void> serve(weft::net::TcpStream stream);
}
namespace weft_doc_context::net_unix_listener {
weft::Task<void> serve(weft::net::UnixStream stream);
}

namespace weft_doc_context::signal_ctrl_c {
weft::Task<void> serve(weft::net::TcpListener& listener);
}
#define WEFT_DOC_VARS_signal_ctrl_c auto& listener = any<weft::net::TcpListener>();
namespace weft_doc_context::signal_signal {
void reload_config();
}

namespace weft_doc_context::time_elapsed {
weft::Task<int> count();
}
namespace weft_doc_context::time_interval {
void report_stats();
}
#define WEFT_DOC_VARS_time_interval         \
    auto& iv = any<weft::time::Interval>(); \
    auto& config_changed = any<weft::sync::Notify>();
namespace weft_doc_context::time_pause {
weft::Task<void> never_ready();
}
namespace weft_doc_context::time_timeout {
weft::Task<Request> read_request(weft::net::TcpStream& conn);
void send_408(weft::net::TcpStream& conn);
void handle(Request r);
struct Db {
    weft::Task<int> query(const std::string& q);
};
}  // namespace weft_doc_context::time_timeout
#define WEFT_DOC_VARS_time_timeout            \
    auto& conn = any<weft::net::TcpStream>(); \
    auto& db = any<Db>();                     \
    std::string q = "SELECT 1";               \
    auto request_deadline = weft::time::Instant::now() + 1s;
namespace weft_doc_context::time_timeout_result {
void use(std::optional<int> v);  // rx.recv()'s output
}
#define WEFT_DOC_VARS_time_timeout_result auto& rx = any<weft::sync::mpsc::Receiver<int>>();

// --- include/weft/stream --------------------------------------------------------------------

namespace weft_doc_context {
using Ints = decltype(weft::stream::iter(std::vector<int>{}));
using Strings = decltype(weft::stream::iter(std::vector<std::string>{}));
using Conns = decltype(weft::stream::iter(std::vector<weft::net::TcpStream>{}));
}  // namespace weft_doc_context
#define WEFT_DOC_VARS_stream_broadcast_stream auto& tx = any<weft::sync::broadcast::Sender<int>>();
namespace weft_doc_context::stream_buffer_unordered {
weft::Task<long> fetch_size(std::string url);
}
#define WEFT_DOC_VARS_stream_buffer_unordered auto& urls = any<std::vector<std::string>>();
namespace weft_doc_context::stream_buffered {
weft::Task<std::string> fetch(std::string url);
}
#define WEFT_DOC_VARS_stream_buffered auto& urls = any<Strings>();
namespace weft_doc_context::time_stream_chunks_timeout {
struct Db {
    weft::Task<void> insert_all(const std::vector<int>& rows);
};
}  // namespace weft_doc_context::time_stream_chunks_timeout
#define WEFT_DOC_VARS_time_stream_chunks_timeout       \
    auto& rx = any<weft::sync::mpsc::Receiver<int>>(); \
    auto& db = any<Db>();
#define WEFT_DOC_VARS_stream_collect \
    auto& s = any<Ints>();           \
    auto& t = any<Ints>();
#define WEFT_DOC_VARS_stream_filter auto& s = any<Ints>();
namespace weft_doc_context::stream_filter_map {
std::optional<int> parse_int(std::string s);
}
#define WEFT_DOC_VARS_stream_filter_map auto& lines = any<Strings>();
#define WEFT_DOC_VARS_stream_fold auto& s = any<Ints>();
#define WEFT_DOC_VARS_stream_for_each \
    auto& lines = any<Strings>();     \
    std::vector<std::string> out;
namespace weft_doc_context::stream_for_each_concurrent {
weft::Task<void> serve(weft::net::TcpStream c);
}
#define WEFT_DOC_VARS_stream_for_each_concurrent auto& conns = any<Conns>();
namespace weft_doc_context::future_futures_unordered {
struct Reply {
    bool ok() const;
};
weft::Task<Reply> ask(const std::string& peer);
}  // namespace weft_doc_context::future_futures_unordered
#define WEFT_DOC_VARS_future_futures_unordered auto& peers = any<std::vector<std::string>>();
namespace weft_doc_context::stream_lines_stream {
void handle(const std::string& line);
}
#define WEFT_DOC_VARS_stream_lines_stream auto& conn = any<weft::net::TcpStream>();
#define WEFT_DOC_VARS_stream_merge \
    auto& clicks = any<Ints>();    \
    auto& keys = any<Ints>();
namespace weft_doc_context::stream_receiver_stream {
struct Event {};
bool is_click(const Event& e);
}  // namespace weft_doc_context::stream_receiver_stream
namespace weft_doc_context::stream_stream_map {
struct Msg {};
void show(const std::string& room, const Msg& m);
}  // namespace weft_doc_context::stream_stream_map
#define WEFT_DOC_VARS_stream_stream_map                      \
    auto& lobby_rx = any<weft::sync::mpsc::Receiver<Msg>>(); \
    auto& dev_rx = any<weft::sync::mpsc::Receiver<Msg>>();
#define WEFT_DOC_VARS_stream_take auto& ticks = any<weft::stream::IntervalStream>();
#define WEFT_DOC_VARS_stream_take_while auto& lines = any<Strings>();
namespace weft_doc_context::stream_then {
weft::Task<std::string> fetch(std::string url);
}
#define WEFT_DOC_VARS_stream_then auto& urls = any<Strings>();
#define WEFT_DOC_VARS_time_stream_throttle auto& requests = any<Ints>();
namespace weft_doc_context::time_stream_timeout {
void mark_dead(const std::string& peer);
}
#define WEFT_DOC_VARS_time_stream_timeout \
    auto& heartbeats = any<Ints>();       \
    std::string peer = "10.0.0.2";

// --- include/weft/codec --------------------------------------------------------------------

namespace weft_doc_context::codec_framed_read {
void use(const std::string& line);
}
#define WEFT_DOC_VARS_codec_framed_read auto& conn = any<weft::net::TcpStream>();
#define WEFT_DOC_VARS_codec_framed_write auto& conn = any<weft::net::TcpStream>();
#define WEFT_DOC_VARS_codec_framed auto& conn = any<weft::net::TcpStream>();

// --- README.md, docs/*.md ---------------------------------------------------------------------

namespace weft_doc_context::docs_model {
struct Set {
    std::string key, value;
};
weft::Task<void> serve(const weft::net::TcpStream& conn);
int work(const std::string& h);
}  // namespace weft_doc_context::docs_model
#define WEFT_DOC_VARS_docs_model                     \
    auto& ex = any<weft::LocalExecutor>();           \
    auto& conn = any<weft::net::TcpStream>();        \
    auto& tx = any<weft::sync::mpsc::Sender<Set>>(); \
    std::string h = "key";

namespace weft_doc_context::docs_signal {
using weft::net::TcpListener;
weft::Task<void> accept_loop(TcpListener& listener, std::vector<weft::JoinHandle<void>>& conns);
}  // namespace weft_doc_context::docs_signal

#define WEFT_DOC_VARS_docs_codec              \
    auto& conn = any<weft::net::TcpStream>(); \
    auto& framed = any<weft::codec::Framed<weft::net::TcpStream, weft::codec::LinesCodec>>();
namespace weft_doc_context::docs_stream {
using weft::Context;
using weft::Poll;
using Item = int;
void handle(const std::string& line);
std::optional<int> parse_int(const std::string& s);
weft::Task<int> fetch_size(std::string url);
weft::Task<std::string> fetch(std::string url);
weft::Task<void> serve(weft::net::TcpStream& conn);
}  // namespace weft_doc_context::docs_stream
#define WEFT_DOC_VARS_docs_stream \
    auto& lines = any<Strings>(); \
    auto& numbers = any<Ints>();  \
    auto& urls = any<std::vector<std::string>>();

namespace weft_doc_context::docs_sync {
struct Event {
    std::string name;
};
void log_missed(std::uint64_t n);
void handle(const Event& e);
Config load_config();
weft::Task<Config> load_config(const char* path);
weft::Task<void> apply(Config c);
weft::Task<void> fetch(std::string url);
weft::Task<void> serve(weft::net::TcpStream conn, weft::sync::CancellationToken tok);
}  // namespace weft_doc_context::docs_sync
#define WEFT_DOC_VARS_docs_sync auto& conns = any<std::vector<weft::net::TcpStream>>();

namespace weft_doc_context::docs_time {
struct Connection {
    weft::Task<void> ping();
    void close();
};
weft::Task<void> never_ready();
}  // namespace weft_doc_context::docs_time

// --- include/weft/tls, docs/tls.md ------------------------------------------------------------

#define WEFT_DOC_VARS_tls_error                       \
    auto& connector = any<weft::tls::TlsConnector>(); \
    auto& tcp = any<weft::net::TcpStream>();
#define WEFT_DOC_VARS_tls_connector            \
    auto& addr = any<weft::net::SocketAddr>(); \
    auto& listener = any<weft::net::TcpListener>();

// weft::embedded (docs/embedded.md, include/weft/embedded/): the demo firmware's globals and
// board functions (examples/embedded/demo.cpp, board.hpp).
namespace weft_doc_context::docs_embedded {
namespace board {
void start_timer0(std::uint32_t period_ms);
void stop_timer0();
void print(const char* s);
void print_uint(std::uint32_t v);
}  // namespace board
extern std::uint32_t presses;
extern weft::embedded::Signal button;
extern weft::embedded::Executor<4> exec;
}  // namespace weft_doc_context::docs_embedded
namespace weft_doc_context::embedded_executor {
void toggle_led();
}  // namespace weft_doc_context::embedded_executor
