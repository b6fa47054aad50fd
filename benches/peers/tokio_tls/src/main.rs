//! tokio-tls-bench: the Tokio peer of weft's tls_bench (benches/tls_bench.cpp). Client and
//! server in one current-thread runtime over 127.0.0.1:
//!   tls_handshake  full TLS handshakes on fresh TCP connections, one after another
//!   tls_echo       one connection, `len` bytes written and read back `n_echo` times
//!   tcp_echo       the same over plain TCP
//! One `bench=... impl=tokio ...` line per row; the echo rows add cpu_us_per_msg (the process's
//! user + system CPU time, both ends, per message).

#[path = "../../common/util.rs"]
mod util;

use std::time::Instant;

use tokio_native_tls::native_tls;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use util::{bench_args, die, med_min_max, Line};

const USAGE: &str = "usage: tokio-tls-bench all [n_handshakes=500] [n_echo=20000] [len=1024] [iters=3]";

fn cpu_secs() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    s(u.ru_utime) + s(u.ru_stime)
}

/// A CA and a server certificate for localhost (ECDSA P-256), as tls_bench makes them.
fn make_certs() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tokio-tls-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| die(&format!("mkdir: {e}")));
    let script = "set -e
K='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'
openssl req -x509 $K -keyout ca.key -out ca.pem -days 2 -subj /CN=bench-ca
printf 'subjectAltName=DNS:localhost\\n' > server.ext
openssl req $K -keyout server.key -out server.csr -subj /CN=localhost
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext
";
    let ok = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        die("making certificates with the openssl command failed");
    }
    dir
}

async fn echo_loop<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, len: usize) {
    let mut buf = vec![0u8; len];
    loop {
        let n = s.read(&mut buf).await.expect("server read");
        if n == 0 {
            return;
        }
        s.write_all(&buf[..n]).await.expect("server write");
        s.flush().await.expect("server flush");
    }
}

async fn ping<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, n: u64, len: usize) {
    let msg = vec![b'e'; len];
    let mut back = vec![0u8; len];
    for _ in 0..n {
        s.write_all(&msg).await.expect("client write");
        s.flush().await.expect("client flush");
        s.read_exact(&mut back).await.expect("client read");
        if back[len - 1] != b'e' {
            die("echo mismatch");
        }
    }
}

fn main() {
    let (bench, a) = bench_args(USAGE);
    if bench != "all" {
        die(USAGE);
    }
    let n_hs: u64 = a.num("n_handshakes", 500);
    let n_echo: u64 = a.num("n_echo", 20000);
    let len: usize = a.num("len", 1024);
    let iters: usize = a.num("iters", 3);
    a.finish();
    let dir = make_certs();
    let cert = std::fs::read(dir.join("server.pem")).expect("server.pem");
    let key = std::fs::read(dir.join("server.key")).expect("server.key");
    let ca = std::fs::read(dir.join("ca.pem")).expect("ca.pem");
    let identity = native_tls::Identity::from_pkcs8(&cert, &key).expect("identity");
    let acceptor = tokio_native_tls::TlsAcceptor::from(
        native_tls::TlsAcceptor::builder(identity).build().expect("acceptor"),
    );
    let connector = tokio_native_tls::TlsConnector::from(
        native_tls::TlsConnector::builder()
            .add_root_certificate(native_tls::Certificate::from_pem(&ca).expect("ca"))
            .disable_built_in_roots(true)
            .build()
            .expect("connector"),
    );
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = l.local_addr().expect("local_addr");
        let l = std::rc::Rc::new(l);
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async move {
                // Handshakes.
                let mut secs = Vec::new();
                for _ in 0..iters {
                    let (l2, acc) = (l.clone(), acceptor.clone());
                    let server = tokio::task::spawn_local(async move {
                        for _ in 0..n_hs {
                            let (tcp, _) = l2.accept().await.expect("accept");
                            let _tls = acc.accept(tcp).await.expect("server handshake");
                        }
                    });
                    let t0 = Instant::now();
                    for _ in 0..n_hs {
                        let tcp = TcpStream::connect(addr).await.expect("connect");
                        let _tls = connector.connect("localhost", tcp).await.expect("client handshake");
                    }
                    server.await.expect("server task");
                    secs.push(t0.elapsed().as_secs_f64());
                }
                let (med, min, max) = med_min_max(&secs);
                Line::new("tls_handshake")
                    .kv("n", n_hs)
                    .fix("secs", med, 4)
                    .fix("min_secs", min, 4)
                    .fix("max_secs", max, 4)
                    .sci("per_sec", n_hs as f64 / med)
                    .print();

                // Echo, over TLS then plain TCP.
                for tls in [true, false] {
                    let (mut secs, mut cpus) = (Vec::new(), Vec::new());
                    for _ in 0..iters {
                        let c = TcpStream::connect(addr).await.expect("connect");
                        let (s, _) = l.accept().await.expect("accept");
                        c.set_nodelay(true).expect("nodelay");
                        s.set_nodelay(true).expect("nodelay");
                        if tls {
                            let acc = acceptor.clone();
                            let (st, ct) = tokio::join!(acc.accept(s), connector.connect("localhost", c));
                            let (st, mut ct) = (st.expect("server handshake"), ct.expect("client handshake"));
                            let server = tokio::task::spawn_local(echo_loop(st, len));
                            let c0 = cpu_secs();
                            let t0 = Instant::now();
                            ping(&mut ct, n_echo, len).await;
                            secs.push(t0.elapsed().as_secs_f64());
                            cpus.push(cpu_secs() - c0);
                            ct.shutdown().await.expect("shutdown");
                            drop(ct);
                            server.await.expect("server task");
                        } else {
                            let server = tokio::task::spawn_local(echo_loop(s, len));
                            let mut c = c;
                            let c0 = cpu_secs();
                            let t0 = Instant::now();
                            ping(&mut c, n_echo, len).await;
                            secs.push(t0.elapsed().as_secs_f64());
                            cpus.push(cpu_secs() - c0);
                            c.shutdown().await.expect("shutdown");
                            server.await.expect("server task");
                        }
                    }
                    let (med, min, max) = med_min_max(&secs);
                    let (cpu, _, _) = med_min_max(&cpus);
                    Line::new(if tls { "tls_echo" } else { "tcp_echo" })
                        .kv("len", len)
                        .kv("n", n_echo)
                        .fix("secs", med, 4)
                        .fix("min_secs", min, 4)
                        .fix("max_secs", max, 4)
                        .sci("per_sec", n_echo as f64 / med)
                        .fix("cpu_us_per_msg", cpu / n_echo as f64 * 1e6, 2)
                        .print();
                }
            })
            .await;
    });
    let _ = std::fs::remove_dir_all(dir);
}
