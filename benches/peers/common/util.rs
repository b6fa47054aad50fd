//! Helpers shared by the benchmarks: `key=value` arguments, runtime construction
//! and the one-line machine-readable output. Same behaviour and output format as
//! the shared Tokio peer (/work/shared/peers/tokio/src/util.rs), cut down to what
//! these binaries need. Kept compilable with Debian 12's rustc 1.63.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::future::Future;
use std::io::Write;
use std::str::FromStr;

use tokio::runtime::{Builder, Runtime};

/// Command-line arguments of the form `key=value` (a leading `--` is accepted too).
pub struct Args {
    kv: BTreeMap<String, String>,
    used: RefCell<BTreeSet<String>>,
}

impl Args {
    pub fn parse(items: &[String]) -> Args {
        let mut kv = BTreeMap::new();
        for item in items {
            let s = item.trim_start_matches('-');
            match s.split_once('=') {
                Some((k, v)) if !k.is_empty() => {
                    kv.insert(k.to_string(), v.to_string());
                }
                _ => die(&format!("bad argument '{item}' (expected key=value)")),
            }
        }
        Args { kv, used: RefCell::new(BTreeSet::new()) }
    }

    fn raw(&self, key: &str) -> Option<&str> {
        self.used.borrow_mut().insert(key.to_string());
        self.kv.get(key).map(|s| s.as_str())
    }

    pub fn str(&self, key: &str, default: &str) -> String {
        self.raw(key).unwrap_or(default).to_string()
    }

    /// Numbers may contain `_` separators (`n=1_000_000`).
    pub fn num<T: FromStr>(&self, key: &str, default: T) -> T {
        match self.raw(key) {
            None => default,
            Some(v) => v
                .replace('_', "")
                .parse()
                .unwrap_or_else(|_| die(&format!("bad number for {key}: '{v}'"))),
        }
    }

    /// Call after reading every argument: rejects keys nobody asked for (typos).
    pub fn finish(&self) {
        let used = self.used.borrow();
        let unknown: Vec<&String> = self.kv.keys().filter(|k| !used.contains(*k)).collect();
        if !unknown.is_empty() {
            die(&format!("unknown argument(s): {unknown:?}"));
        }
    }
}

/// The command line of every peer: `<benchmark> [key=value ...]`. Prints `usage` and exits (0
/// when asked for help, 2 without a benchmark); otherwise returns the benchmark and its arguments.
pub fn bench_args(usage: &str) -> (String, Args) {
    let argv: Vec<String> = std::env::args().collect();
    if argv.len() < 2 || argv[1] == "-h" || argv[1] == "--help" || argv[1] == "help" {
        print!("{usage}");
        std::process::exit(if argv.len() < 2 { 2 } else { 0 });
    }
    let args = Args::parse(&argv[2..]);
    (argv[1].clone(), args)
}

/// A benchmark name that is none of the peer's: says so, with `usage`, and exits 2.
pub fn unknown_bench(name: &str, usage: &str) -> ! {
    eprint!("unknown benchmark '{name}'\n\n{usage}");
    std::process::exit(2);
}

pub fn die(msg: &str) -> ! {
    eprintln!("{}: {msg}", env!("CARGO_PKG_NAME"));
    std::process::exit(2);
}

/// Which Tokio scheduler to use: `rt=current` (current_thread) or `rt=multi workers=N`.
#[derive(Clone, Copy)]
pub struct RtSpec {
    pub multi: bool,
    pub workers: usize,
}

impl RtSpec {
    pub fn from_args(a: &Args, default_rt: &str) -> RtSpec {
        let rt = a.str("rt", default_rt);
        let workers = a.num("workers", 2usize);
        match rt.as_str() {
            "current" | "current_thread" => RtSpec { multi: false, workers: 1 },
            "multi" | "multi_thread" => {
                if workers == 0 {
                    die("workers must be >= 1");
                }
                RtSpec { multi: true, workers }
            }
            other => die(&format!("rt must be current or multi, not '{other}'")),
        }
    }

    pub fn build(&self) -> Runtime {
        let mut b = if self.multi {
            let mut b = Builder::new_multi_thread();
            b.worker_threads(self.workers);
            b
        } else {
            Builder::new_current_thread()
        };
        b.enable_all().build().expect("building the tokio runtime")
    }

    pub fn name(&self) -> &'static str {
        if self.multi {
            "multi"
        } else {
            "current"
        }
    }
}

/// Runs `fut` as a spawned task and waits for it. On the multi-thread scheduler
/// this puts the benchmark body on a worker thread instead of on the extra
/// thread that calls `block_on`.
pub fn run_as_task<F, T>(rt: &Runtime, fut: F) -> T
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    rt.block_on(async move { tokio::spawn(fut).await.expect("benchmark task panicked") })
}

/// One output line: `bench=NAME impl=tokio k=v ...`, printed when `print` is called.
pub struct Line(String);

impl Line {
    pub fn new(bench: &str) -> Line {
        Line(format!("bench={bench} impl=tokio"))
    }

    /// `rt=NAME workers=N`, exactly as the shared peer prints it
    /// (`rt=current workers=1` on the current_thread scheduler).
    pub fn rt(self, rt: &RtSpec) -> Line {
        self.kv("rt", rt.name()).kv("workers", rt.workers)
    }

    pub fn kv(mut self, k: &str, v: impl Display) -> Line {
        self.0.push_str(&format!(" {k}={v}"));
        self
    }

    pub fn sci(self, k: &str, v: f64) -> Line {
        self.kv(k, format!("{v:.3e}"))
    }

    pub fn fix(self, k: &str, v: f64, prec: usize) -> Line {
        self.kv(k, format!("{v:.prec$}"))
    }

    pub fn print(self) {
        let out = std::io::stdout();
        let mut out = out.lock();
        let _ = writeln!(out, "{}", self.0);
        let _ = out.flush();
    }
}

/// Dies unless `sum` is 0 + 1 + ... + (n-1), modulo 2^64 like the benches' wrapping sums.
#[allow(dead_code)] // not every peer sums
pub fn check_wrapping_sum(bench: &str, sum: u64, n: u64) {
    let expect = ((n as u128) * (n as u128).saturating_sub(1) / 2) as u64;
    if sum != expect {
        die(&format!("{bench}: sum {sum} != expected {expect}"));
    }
}

/// (median, min, max) of a non-empty sample.
pub fn med_min_max(xs: &[f64]) -> (f64, f64, f64) {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    let med = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
    (med, v[0], v[n - 1])
}

/// Prints the usual throughput line for a benchmark repeated `secs.len()` times
/// in one process: secs is the median iteration, per_sec = ops / median.
pub fn report_throughput(line: Line, ops: u64, secs: &[f64]) {
    let (med, min, max) = med_min_max(secs);
    line.kv("iters", secs.len())
        .fix("secs", med, 4)
        .fix("min_secs", min, 4)
        .fix("max_secs", max, 4)
        .sci("per_sec", ops as f64 / med)
        .print();
}
