//! tokio-stream-bench: Tokio peer benchmarks for weft's streams and JoinSet that
//! the shared peer (/work/shared/peers/tokio) lacks: an `async_stream::stream!`
//! generator consumed by a loop, `buffer_unordered` over ready futures, and
//! `tokio::task::JoinSet`. `key=value` arguments, one `bench=... impl=tokio
//! k=v ...` line on stdout per run. See README.md; the workloads are the same
//! as weft's benches/stream_bench.cpp.

#[path = "../../common/util.rs"]
mod util;

use std::time::Instant;

use futures::StreamExt;
use tokio::task::JoinSet;

use util::{bench_args, die, report_throughput, run_as_task, unknown_bench, Args, Line, RtSpec};

const USAGE: &str = "usage: tokio-stream-bench <benchmark> [key=value ...]

common: rt=current|multi [multi], workers=N [2], iters=K [1]
  generator         n=10000000          stream! yielding 0..n (i32), consumed by a next() loop
  buffer_unordered  n=1000000 limit=64  iter(0..n).map(|i| async move { i }).buffer_unordered(limit)
  join_set          n=1000000           spawn n tasks returning i into a JoinSet, join_next until empty
";

fn main() {
    let (bench, args) = bench_args(USAGE);
    match bench.as_str() {
        "generator" => generator_bench(&args),
        "buffer_unordered" => buffer_unordered_bench(&args),
        "join_set" => join_set_bench(&args),
        other => unknown_bench(other, USAGE),
    }
}

/// 0 + 1 + ... + (n - 1).
fn triangle(n: i32) -> i64 {
    let n = i64::from(n);
    n * (n - 1) / 2
}

/// Reads `rt`, `n` and `iters`. The generator's items are i32 (weft's `int`); those of
/// buffer_unordered and join_set i64 (weft's `long`, see stream_bench.cpp for why).
fn common(a: &Args, default_n: i32) -> (RtSpec, i32, usize) {
    let rt = RtSpec::from_args(a, "multi");
    let n: i32 = a.num("n", default_n);
    let iters: usize = a.num("iters", 1);
    if n < 0 || iters == 0 {
        die("n must be >= 0 and iters >= 1");
    }
    (rt, n, iters)
}

/// generator: a `stream!` yielding 0, 1, ..., n - 1, consumed in the same task
/// by `while let Some(v) = s.next().await`. Count and sum checked.
fn generator_bench(a: &Args) {
    let (rt, n, iters) = common(a, 10_000_000);
    a.finish();
    let runtime = rt.build();
    let mut secs = Vec::with_capacity(iters);
    for _ in 0..iters {
        let (s, count, sum) = run_as_task(&runtime, async move {
            let t0 = Instant::now();
            let s = async_stream::stream! {
                for i in 0..n {
                    yield i;
                }
            };
            futures::pin_mut!(s);
            let (mut count, mut sum) = (0i64, 0i64);
            while let Some(v) = s.next().await {
                count += 1;
                sum += i64::from(v);
            }
            (t0.elapsed().as_secs_f64(), count, sum)
        });
        if count != i64::from(n) || sum != triangle(n) {
            die("generator: wrong count or sum");
        }
        secs.push(s);
    }
    report_throughput(Line::new("generator").rt(&rt).kv("n", n), n as u64, &secs);
}

/// buffer_unordered: `n` immediately ready futures, at most `limit` at once,
/// consumed to the end in the same task. Count and sum checked.
fn buffer_unordered_bench(a: &Args) {
    let (rt, n, iters) = common(a, 1_000_000);
    let limit: usize = a.num("limit", 64);
    a.finish();
    if limit == 0 {
        die("limit must be >= 1");
    }
    let runtime = rt.build();
    let mut secs = Vec::with_capacity(iters);
    for _ in 0..iters {
        let (s, count, sum) = run_as_task(&runtime, async move {
            let t0 = Instant::now();
            let s = futures::stream::iter(0..i64::from(n))
                .map(|i| async move { i })
                .buffer_unordered(limit);
            futures::pin_mut!(s);
            let (mut count, mut sum) = (0i64, 0i64);
            while let Some(v) = s.next().await {
                count += 1;
                sum += v;
            }
            (t0.elapsed().as_secs_f64(), count, sum)
        });
        if count != i64::from(n) || sum != triangle(n) {
            die("buffer_unordered: wrong count or sum");
        }
        secs.push(s);
    }
    let line = Line::new("buffer_unordered").rt(&rt).kv("limit", limit).kv("n", n);
    report_throughput(line, n as u64, &secs);
}

/// join_set: spawn `n` tasks, task i returning i, into one JoinSet, then
/// `join_next` until it is empty. Count and sum checked.
fn join_set_bench(a: &Args) {
    let (rt, n, iters) = common(a, 1_000_000);
    a.finish();
    let runtime = rt.build();
    let mut secs = Vec::with_capacity(iters);
    for _ in 0..iters {
        let (s, count, sum) = run_as_task(&runtime, async move {
            let t0 = Instant::now();
            let mut set = JoinSet::new();
            for i in 0..i64::from(n) {
                set.spawn(async move { i });
            }
            let (mut count, mut sum) = (0i64, 0i64);
            while let Some(r) = set.join_next().await {
                count += 1;
                sum += r.unwrap_or_else(|_| die("join_set: a task failed"));
            }
            (t0.elapsed().as_secs_f64(), count, sum)
        });
        if count != i64::from(n) || sum != triangle(n) {
            die("join_set: wrong count or sum");
        }
        secs.push(s);
    }
    report_throughput(Line::new("join_set").rt(&rt).kv("n", n), n as u64, &secs);
}
