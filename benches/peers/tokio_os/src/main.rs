//! tokio-os-bench: the Tokio peer of weft's process_bench (benches/process_bench.cpp): spawning
//! a program and waiting for it, and moving bytes through a child's pipes; and of weft's
//! async_fd_bench: two tasks passing a token through two eventfds under AsyncFd.
//! `key=value` arguments, one `bench=... impl=tokio k=v ...` line on stdout per run.
//! See README.md.

#[path = "../../common/util.rs"]
mod util;

use std::process::Stdio;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;
use util::{bench_args, die, report_throughput, run_as_task, unknown_bench, Args, Line, RtSpec};

const USAGE: &str = "usage: tokio-os-bench <benchmark> [key=value ...]

common: rt=current|multi [multi], workers=N [2], iters=K [3]
  spawn_wait  n=500 conc=1   spawn `true` and wait for it, n times, conc at once
  pipe        mb=64          write mb MiB into `cat` and read them back (per_sec: bytes/s)
  eventfd     n=200000       two tasks pass a token through two eventfds (AsyncFd), n round trips
  pool_roundtrip n=10000 iters=5
                             n empty spawn_blocking calls awaited one by one from block_on
                             (fs_bench pool_roundtrip; per_sec: trips/s)
";

fn main() {
    let (bench, args) = bench_args(USAGE);
    match bench.as_str() {
        "spawn_wait" => spawn_wait(&args),
        "pipe" => pipe(&args),
        "eventfd" => eventfd(&args),
        "pool_roundtrip" => pool_roundtrip(&args),
        other => unknown_bench(other, USAGE),
    }
}

async fn run_true(k: u64) {
    let status = Command::new("true").status().await.unwrap_or_else(|e| die(&format!("spawn true: {e}")));
    if !status.success() {
        die(&format!("true #{k} failed: {status}"));
    }
}

/// spawn_wait: `n` runs of `true`, `conc` of them at a time (each of `conc` tasks runs its
/// share one after another).
fn spawn_wait(a: &Args) {
    let rt = RtSpec::from_args(a, "multi");
    let n: u64 = a.num("n", 500);
    let conc: u64 = a.num("conc", 1);
    let iters: usize = a.num("iters", 3);
    a.finish();
    if conc == 0 || iters == 0 {
        die("conc and iters must be >= 1");
    }
    let runtime = rt.build();
    let mut secs = Vec::with_capacity(iters);
    for _ in 0..iters {
        secs.push(run_as_task(&runtime, async move {
            let t0 = Instant::now();
            let mut tasks = Vec::new();
            for c in 0..conc {
                tasks.push(tokio::spawn(async move {
                    let mut k = c;
                    while k < n {
                        run_true(k).await;
                        k += conc;
                    }
                }));
            }
            for t in tasks {
                t.await.expect("spawn_wait task panicked");
            }
            t0.elapsed().as_secs_f64()
        }));
    }
    report_throughput(Line::new("spawn_wait").rt(&rt).kv("n", n).kv("conc", conc), n, &secs);
}

/// pipe: `mb` MiB written into `cat`'s stdin in 64 KiB writes by one task while another reads
/// its stdout back in 64 KiB reads; per_sec is bytes through the child per second.
fn pipe(a: &Args) {
    let rt = RtSpec::from_args(a, "multi");
    let mb: u64 = a.num("mb", 64);
    let iters: usize = a.num("iters", 3);
    a.finish();
    let bytes = mb << 20;
    let runtime = rt.build();
    let mut secs = Vec::with_capacity(iters);
    for _ in 0..iters {
        secs.push(run_as_task(&runtime, async move {
            let t0 = Instant::now();
            let mut child = Command::new("cat")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| die(&format!("spawn cat: {e}")));
            let mut stdin = child.stdin.take().unwrap();
            let mut stdout = child.stdout.take().unwrap();
            let writer = tokio::spawn(async move {
                let buf = vec![7u8; 65536];
                let mut left = bytes;
                while left > 0 {
                    let k = std::cmp::min(left, buf.len() as u64) as usize;
                    stdin.write_all(&buf[..k]).await.expect("write to cat");
                    left -= k as u64;
                }
                drop(stdin); // EOF: cat exits
            });
            let mut buf = vec![0u8; 65536];
            let mut got = 0u64;
            loop {
                let k = stdout.read(&mut buf).await.expect("read from cat");
                if k == 0 {
                    break;
                }
                got += k as u64;
            }
            writer.await.expect("writer panicked");
            let status = child.wait().await.expect("wait for cat");
            if got != bytes || !status.success() {
                die(&format!("pipe: {got} of {bytes} bytes back, cat {status}"));
            }
            t0.elapsed().as_secs_f64()
        }));
    }
    report_throughput(Line::new("pipe").rt(&rt).kv("mb", mb), bytes, &secs);
}

/// An eventfd in non-blocking mode, closed on drop.
struct EventFd(std::os::unix::io::RawFd);

impl EventFd {
    fn new() -> EventFd {
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            die("eventfd failed");
        }
        EventFd(fd)
    }
}

impl std::os::unix::io::AsRawFd for EventFd {
    fn as_raw_fd(&self) -> std::os::unix::io::RawFd {
        self.0
    }
}

impl Drop for EventFd {
    fn drop(&mut self) {
        unsafe { libc::close(self.0) };
    }
}

fn efd_write(fd: i32) {
    let one: u64 = 1;
    let r = unsafe { libc::write(fd, &one as *const u64 as *const libc::c_void, 8) };
    if r != 8 {
        die("eventfd write failed");
    }
}

/// Waits until `efd` is readable and reads its counter (Tokio's AsyncFd pattern: readable(),
/// then try_io, clearing the readiness on EAGAIN).
async fn efd_read(efd: &tokio::io::unix::AsyncFd<EventFd>) -> u64 {
    loop {
        let mut guard = efd.readable().await.expect("readable");
        let r = guard.try_io(|inner| {
            let mut v: u64 = 0;
            let r = unsafe { libc::read(inner.get_ref().0, &mut v as *mut u64 as *mut libc::c_void, 8) };
            if r < 0 {
                Err(std::io::Error::last_os_error())
            } else {
                Ok(v)
            }
        });
        match r {
            Ok(Ok(v)) => return v,
            Ok(Err(e)) => die(&format!("eventfd read: {e}")),
            Err(_would_block) => continue,
        }
    }
}

/// eventfd: a ping task and a pong task pass a token `n` times through two eventfds, each
/// waiting under AsyncFd (per_sec: round trips/s).
fn eventfd(a: &Args) {
    let rt = RtSpec::from_args(a, "multi");
    let n: u64 = a.num("n", 200_000);
    let iters: usize = a.num("iters", 3);
    a.finish();
    let runtime = rt.build();
    let mut secs = Vec::with_capacity(iters);
    for _ in 0..iters {
        secs.push(run_as_task(&runtime, async move {
            let ping = std::sync::Arc::new(tokio::io::unix::AsyncFd::new(EventFd::new()).expect("AsyncFd"));
            let pong = std::sync::Arc::new(tokio::io::unix::AsyncFd::new(EventFd::new()).expect("AsyncFd"));
            let t0 = Instant::now();
            let (ping2, pong2) = (ping.clone(), pong.clone());
            let echo = tokio::spawn(async move {
                for _ in 0..n {
                    efd_read(&ping2).await;
                    efd_write(pong2.get_ref().0);
                }
            });
            for _ in 0..n {
                efd_write(ping.get_ref().0);
                efd_read(&pong).await;
            }
            echo.await.expect("echo task panicked");
            t0.elapsed().as_secs_f64()
        }));
    }
    report_throughput(Line::new("eventfd").rt(&rt).kv("n", n), n, &secs);
}

/// pool_roundtrip: n empty spawn_blocking calls awaited one at a time, in block_on on the main
/// thread (as weft's fs_bench pool_roundtrip: its loop runs in Runtime::block_on too).
fn pool_roundtrip(a: &Args) {
    let rt = RtSpec::from_args(a, "multi");
    let n: u64 = a.num("n", 10_000);
    let iters: usize = a.num("iters", 5);
    a.finish();
    let runtime = rt.build();
    let body = || {
        runtime.block_on(async move {
            let t0 = Instant::now();
            let mut sum = 0u64;
            for i in 0..n {
                sum += tokio::task::spawn_blocking(move || i & 1).await.expect("blocking task panicked");
            }
            if sum != n / 2 {
                die("pool_roundtrip: wrong sum");
            }
            t0.elapsed().as_secs_f64()
        })
    };
    body(); // warm-up, as weft's
    let secs: Vec<f64> = (0..iters).map(|_| body()).collect();
    report_throughput(Line::new("fs_pool_roundtrip").kv("n", n).kv("unit", "trips").rt(&rt), n, &secs);
}
