//! tokio-sync-bench: Tokio peer benchmarks for weft's sync primitives that the
//! shared peer (/work/shared/peers/tokio) lacks: oneshot create+send+recv,
//! Mutex and Semaphore, uncontended and contended. `key=value` arguments, one
//! `bench=... impl=tokio k=v ...` line on stdout per run. See README.md; the
//! workloads are the same as weft's benches/sync_bench.cpp.

#[path = "../../common/util.rs"]
mod util;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{oneshot, Mutex, Semaphore};

use util::{
    bench_args, check_wrapping_sum, die, report_throughput, run_as_task, unknown_bench, Args, Line,
    RtSpec,
};

const USAGE: &str = "usage: tokio-sync-bench <benchmark> [key=value ...]

common: rt=current|multi [multi], workers=N [2], iters=K [1]
  oneshot    n=10000000                     in one task: channel(), send(i), rx.await
  mutex      mode=uncontended n=10000000    in one task: lock, increment, unlock
  mutex      mode=contended tasks=16 n=1000000
                                            tasks lock, increment, yield_now holding it, unlock
  semaphore  mode=uncontended n=10000000    in one task: acquire 1 of 1 permit, release
  semaphore  mode=contended tasks=16 permits=4 n=1000000
                                            as the contended mutex, on `permits` permits
";

fn main() {
    let (bench, args) = bench_args(USAGE);
    match bench.as_str() {
        "oneshot" => oneshot_bench(&args),
        "mutex" => lock_bench(&args, false),
        "semaphore" => lock_bench(&args, true),
        other => unknown_bench(other, USAGE),
    }
}

/// `n` split over `tasks`: the share of task `t`.
fn share(n: u64, tasks: u64, t: u64) -> u64 {
    n / tasks + u64::from(t < n % tasks)
}

/// oneshot: in one task, `n` times: create a channel, send i, await the
/// receiver (ready at once). Sum checked.
fn oneshot_bench(a: &Args) {
    let rt = RtSpec::from_args(a, "multi");
    let n: u64 = a.num("n", 10_000_000);
    let iters: usize = a.num("iters", 1);
    a.finish();
    let runtime = rt.build();
    let mut secs = Vec::with_capacity(iters);
    for _ in 0..iters {
        let (s, sum) = run_as_task(&runtime, async move {
            let t0 = Instant::now();
            let mut sum = 0u64;
            for i in 0..n {
                let (tx, rx) = oneshot::channel::<u64>();
                if tx.send(i).is_err() {
                    die("oneshot: send failed");
                }
                sum = sum.wrapping_add(rx.await.unwrap_or_else(|_| die("oneshot: recv failed")));
            }
            (t0.elapsed().as_secs_f64(), sum)
        });
        check_wrapping_sum("oneshot", sum, n);
        secs.push(s);
    }
    report_throughput(Line::new("oneshot").rt(&rt).kv("n", n), n, &secs);
}

struct SemShared {
    sem: Semaphore,
    holders: AtomicU64,
    max_holders: AtomicU64,
    count: AtomicU64,
}

/// mutex / semaphore, `mode=uncontended` or `mode=contended` (see USAGE).
fn lock_bench(a: &Args, sem: bool) {
    let name = if sem { "semaphore" } else { "mutex" };
    let rt = RtSpec::from_args(a, "multi");
    let mode = a.str("mode", "uncontended");
    let contended = match mode.as_str() {
        "uncontended" => false,
        "contended" => true,
        _ => die("mode must be uncontended or contended"),
    };
    let n: u64 = a.num("n", if contended { 1_000_000 } else { 10_000_000 });
    let tasks: u64 = if contended { a.num("tasks", 16) } else { 1 };
    let permits: u64 = if contended && sem { a.num("permits", 4) } else { 1 };
    let iters: usize = a.num("iters", 1);
    a.finish();
    if tasks == 0 || permits == 0 {
        die("tasks and permits must be >= 1");
    }
    let runtime = rt.build();
    let mut secs = Vec::with_capacity(iters);
    for _ in 0..iters {
        secs.push(match (sem, contended) {
            (false, false) => run_as_task(&runtime, async move {
                let m = Mutex::new(0u64);
                let t0 = Instant::now();
                for _ in 0..n {
                    let mut g = m.lock().await;
                    *g += 1;
                }
                let s = t0.elapsed().as_secs_f64();
                if m.into_inner() != n {
                    die("mutex: wrong count");
                }
                s
            }),
            (true, false) => run_as_task(&runtime, async move {
                let sem = Semaphore::new(1);
                let mut count = 0u64;
                let t0 = Instant::now();
                for _ in 0..n {
                    let _p = sem.acquire().await.unwrap_or_else(|_| die("semaphore closed"));
                    count += 1;
                }
                let s = t0.elapsed().as_secs_f64();
                if count != n || sem.available_permits() != 1 {
                    die("semaphore: wrong count");
                }
                s
            }),
            (false, true) => run_as_task(&runtime, async move {
                let m = Arc::new(Mutex::new(0u64));
                let t0 = Instant::now();
                let mut hs = Vec::with_capacity(tasks as usize);
                for t in 0..tasks {
                    let m = m.clone();
                    let k = share(n, tasks, t);
                    hs.push(tokio::spawn(async move {
                        for _ in 0..k {
                            let mut g = m.lock().await;
                            *g += 1;
                            tokio::task::yield_now().await; // still locked: the others queue
                        }
                    }));
                }
                for h in hs {
                    h.await.expect("mutex task failed");
                }
                let s = t0.elapsed().as_secs_f64();
                if *m.lock().await != n {
                    die("mutex: wrong count");
                }
                s
            }),
            (true, true) => run_as_task(&runtime, async move {
                let sh = Arc::new(SemShared {
                    sem: Semaphore::new(permits as usize),
                    holders: AtomicU64::new(0),
                    max_holders: AtomicU64::new(0),
                    count: AtomicU64::new(0),
                });
                let t0 = Instant::now();
                let mut hs = Vec::with_capacity(tasks as usize);
                for t in 0..tasks {
                    let sh = sh.clone();
                    let k = share(n, tasks, t);
                    hs.push(tokio::spawn(async move {
                        for _ in 0..k {
                            let _p = sh.sem.acquire().await.unwrap_or_else(|_| die("closed"));
                            let h = sh.holders.fetch_add(1, Ordering::Relaxed) + 1;
                            sh.max_holders.fetch_max(h, Ordering::Relaxed);
                            sh.count.fetch_add(1, Ordering::Relaxed);
                            tokio::task::yield_now().await; // still holding the permit
                            sh.holders.fetch_sub(1, Ordering::Relaxed);
                        }
                    }));
                }
                for h in hs {
                    h.await.expect("semaphore task failed");
                }
                let s = t0.elapsed().as_secs_f64();
                if sh.count.load(Ordering::Relaxed) != n
                    || sh.max_holders.load(Ordering::Relaxed) > permits
                    || sh.sem.available_permits() != permits as usize
                {
                    die("semaphore: wrong count, or too many holders");
                }
                s
            }),
        });
    }
    let mut line = Line::new(name).rt(&rt).kv("mode", &mode);
    if contended {
        line = line.kv("tasks", tasks);
        if sem {
            line = line.kv("permits", permits);
        }
    }
    report_throughput(line.kv("n", n), n, &secs);
}
