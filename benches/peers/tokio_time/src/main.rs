//! tokio-time-bench: Tokio peer benchmarks for weft that the shared peer
//! (/work/shared/peers/tokio) lacks: the cost of `tokio::time::timeout`.
//! `key=value` arguments, one `bench=... impl=tokio k=v ...` line on stdout per
//! run. See README.md.

#[path = "../../common/util.rs"]
mod util;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use util::{
    bench_args, check_wrapping_sum, die, report_throughput, run_as_task, unknown_bench, Args, Line,
    RtSpec,
};

const USAGE: &str = "usage: tokio-time-bench <benchmark> [key=value ...]

common: rt=current|multi [multi], workers=N [2], iters=K [1]
  timeouts          n=10000000   timeout(1s, ready(i)).await, n times in one task
  timeouts_pending  n=1000000    timeout(10s, pending()) polled once, then dropped
";

fn main() {
    let (bench, args) = bench_args(USAGE);
    match bench.as_str() {
        "timeouts" => timeouts(&args),
        "timeouts_pending" => timeouts_pending(&args),
        other => unknown_bench(other, USAGE),
    }
}

/// Reads the arguments common to both benchmarks.
fn common(a: &Args, default_n: u64) -> (RtSpec, u64, usize) {
    let rt = RtSpec::from_args(a, "multi");
    let n: u64 = a.num("n", default_n);
    let iters: usize = a.num("iters", 1);
    a.finish();
    if iters == 0 {
        die("iters must be >= 1");
    }
    (rt, n, iters)
}

/// timeouts: `n` times `timeout(1s, ready(i)).await` in one task, summing the
/// outputs. The inner future is ready on the first poll, so the timer is never
/// registered: this is the cost of creating a Timeout (clock read, runtime
/// handle clone), polling it once and dropping it.
fn timeouts(a: &Args) {
    let (rt, n, iters) = common(a, 10_000_000);
    let runtime = rt.build();
    let mut secs = Vec::with_capacity(iters);
    for _ in 0..iters {
        let (s, sum) = run_as_task(&runtime, async move {
            let t0 = Instant::now();
            let mut sum = 0u64;
            for i in 0..n {
                match tokio::time::timeout(Duration::from_secs(1), std::future::ready(i)).await {
                    Ok(v) => sum = sum.wrapping_add(v),
                    Err(_) => die("timeout elapsed around a ready future"),
                }
            }
            (t0.elapsed().as_secs_f64(), sum)
        });
        check_wrapping_sum("timeouts", sum, n);
        secs.push(s);
    }
    report_throughput(Line::new("timeouts").rt(&rt).kv("n", n), n, &secs);
}

/// Polls the pinned future once; resolves to whether that poll was Ready.
struct PollOnce<'a, F>(Pin<&'a mut F>);

impl<'a, F: Future> Future for PollOnce<'a, F> {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        Poll::Ready(self.0.as_mut().poll(cx).is_ready())
    }
}

/// timeouts_pending: `n` times create `timeout(10s, pending())`, poll it once
/// (which registers its timer entry in the driver's wheel, storing the task's
/// waker) and drop it (which takes the driver lock and removes the entry).
///
/// The loop runs under `tokio::task::unconstrained`: the timer's poll spends one
/// unit of Tokio's cooperative budget (128 per task poll), and once it is spent
/// `Sleep` returns Pending *without* registering, so a budgeted loop would
/// measure registration only for the first 128 iterations.
fn timeouts_pending(a: &Args) {
    let (rt, n, iters) = common(a, 1_000_000);
    let runtime = rt.build();
    let mut secs = Vec::with_capacity(iters);
    for _ in 0..iters {
        secs.push(run_as_task(
            &runtime,
            tokio::task::unconstrained(async move {
                let t0 = Instant::now();
                for _ in 0..n {
                    let t = tokio::time::timeout(Duration::from_secs(10), std::future::pending::<()>());
                    tokio::pin!(t);
                    if PollOnce(t.as_mut()).await {
                        die("timeouts_pending: a 10 s timeout around pending() was ready");
                    }
                }
                t0.elapsed().as_secs_f64()
            }),
        ));
    }
    report_throughput(Line::new("timeouts_pending").rt(&rt).kv("n", n), n, &secs);
}
