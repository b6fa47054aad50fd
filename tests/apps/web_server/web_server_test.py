#!/usr/bin/env python3
"""Integration tests of weft-http: the real binary, driven by the real clients.

Usage: web_server_test.py --bin PATH/weft-http CASE

Each CASE starts weft-http on 127.0.0.1 port 0 (reading the port from its first line,
"listening on 127.0.0.1:PORT"), with a temporary --root where the case needs one, drives it with
curl, ab, wrk or nc (or, where a client cannot say what is checked, a plain socket), and always
kills the server at the end. Exit 0: passed; 1: failed; 77: skipped (a client is not installed).
Timing: nothing here measures speed; the only time bounds are generous ones (the suite runs under
ASan on a loaded two-core machine).
"""
import argparse
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
BIN = None


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


def need(tool):
    if shutil.which(tool) is None:
        print(f"SKIP: {tool} is not installed")
        sys.exit(SKIP)


class Server:
    """weft-http in a child process; stopped (SIGKILL if need be) when the case ends."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([BIN, "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        line = self._readline(30)
        m = re.match(r"listening on 127\.0\.0\.1:(\d+)", line)
        if not m:
            self.kill()
            raise Failed(f"weft-http did not say where it listens: {line!r}")
        self.port = int(m.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def _readline(self, timeout):
        fd = self.proc.stdout
        deadline = time.monotonic() + timeout
        buf = b""
        while not buf.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                break
            c = os.read(fd.fileno(), 1)
            if not c:
                break
            buf += c
        return buf.decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Sends `sig`, waits, returns the exit status."""
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Failed(f"weft-http did not exit within {timeout} s of signal {sig}")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()


def run(cmd, timeout=60, input=None):
    """Runs a client; returns (exit status, stdout + stderr as text)."""
    r = subprocess.run(cmd, input=input, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout)
    return r.returncode, r.stdout.decode(errors="replace")


def curl(*args, timeout=60):
    need("curl")
    rc, out = run(["curl", "-sS", *args], timeout=timeout)
    return rc, out


def curl_status(url, *args):
    rc, out = curl("-o", "/dev/null", "-w", "%{http_code}", *args, url)
    check(rc == 0, f"curl {url} failed: {out}")
    return int(out.strip()[-3:])


def nc(port, data, timeout=30):
    """Writes `data` in one write with nc, returns all it read until the server closed."""
    need("nc")
    rc, out = run(["nc", "127.0.0.1", str(port)], input=data, timeout=timeout)
    return out


def statuses(text):
    return [int(s) for s in re.findall(r"^HTTP/1\.1 (\d{3}) ", text, re.M)]


def make_root():
    """A temporary tree: root/ with files, a subdirectory and symlinks in and out; a secret
    beside root/ that no request may reach."""
    top = tempfile.mkdtemp(prefix="weft-http-test-")
    root = os.path.join(top, "root")
    os.makedirs(os.path.join(root, "sub"))
    files = {
        "index.html": "<h1>root index</h1>\n",
        "style.css": "body { color: red; }\n",
        "data.json": '{"a": 1}\n',
        "notes.txt": "plain text\n",
        "image.png": "\x89PNG fake\n",
        "blob": "no extension\n",
        "sub/index.html": "<h1>sub index</h1>\n",
        "big.bin": "x" * (600 * 1024),  # over the in-memory limit: streamed in chunks
    }
    for name, text in files.items():
        with open(os.path.join(root, name), "w", encoding="latin-1") as f:
            f.write(text)
    with open(os.path.join(top, "secret.txt"), "w") as f:
        f.write("TOP SECRET\n")
    os.symlink(os.path.join(top, "secret.txt"), os.path.join(root, "escape"))
    os.symlink("..", os.path.join(root, "up"))
    os.symlink("index.html", os.path.join(root, "inside.html"))
    return top, root


# ---------------------------------------------------------------------------------------------
# The Rust book's routes (no --root).

def case_get_root():
    with Server() as s:
        rc, out = curl("-i", s.url + "/")
        check(rc == 0 and statuses(out) == [200], f"GET /: {out}")
        check("<h1>Hello!</h1>" in out, "the hello page")
        check(re.search(r"^Content-Length: \d+", out, re.M | re.I), "Content-Length")


def case_not_found():
    with Server() as s:
        for path in ("/nope", "/index.html", "/sleep/x"):
            rc, out = curl("-i", s.url + path)
            check(statuses(out) == [404], f"GET {path}: {out}")
            check("Oops!" in out and "Sorry, I don't know what you're asking for." in out,
                  f"the 404 page for {path}")


def case_head():
    with Server() as s:
        rc, get = curl("-i", s.url + "/")
        body_len = len(get.split("\r\n\r\n", 1)[1].encode())
        rc, out = curl("-I", s.url + "/")
        check(rc == 0 and statuses(out) == [200], f"HEAD /: {out}")
        m = re.search(r"^Content-Length: (\d+)", out, re.M | re.I)
        check(m and int(m.group(1)) == body_len, f"HEAD's Content-Length is GET's: {out}")
        rc, out = curl("-I", s.url + "/nope")
        check(statuses(out) == [404], f"HEAD /nope: {out}")


def case_keep_alive():
    with Server() as s:
        rc, out = curl("-v", s.url + "/", s.url + "/nope")
        check(rc == 0, out)
        check("Re-using existing connection" in out, f"curl reused the connection: {out}")
        check(out.count("< HTTP/1.1 200") == 1 and out.count("< HTTP/1.1 404") == 1, out)


def case_sleep_does_not_block():
    # /sleep takes 5 s (the book's); meanwhile other requests are answered at once.
    with Server() as s:
        need("curl")
        slow = subprocess.Popen(["curl", "-sS", s.url + "/sleep"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        try:
            time.sleep(0.3)
            t0 = time.monotonic()
            for _ in range(5):
                check(curl_status(s.url + "/") == 200, "GET / while /sleep sleeps")
            fast = time.monotonic() - t0
            check(slow.poll() is None,
                  f"/sleep answered within {fast:.1f} s: it did not sleep, or the others waited")
            out, _ = slow.communicate(timeout=60)
            check(b"<h1>Hello!</h1>" in out, f"/sleep's page: {out!r}")
        finally:
            if slow.poll() is None:
                slow.kill()
                slow.wait()


# ---------------------------------------------------------------------------------------------
# Files under --root.

def case_static_files():
    top, root = make_root()
    try:
        with Server("--root", root) as s:
            rc, out = curl(s.url + "/")
            check(out == "<h1>root index</h1>\n", f"GET / is index.html: {out!r}")
            rc, out = curl(s.url + "/sub/")
            check(out == "<h1>sub index</h1>\n", f"GET /sub/: {out!r}")
            rc, out = curl("-i", s.url + "/sub")
            check(statuses(out) == [301] and re.search(r"^Location: /sub/\r?$", out, re.M),
                  f"GET /sub redirects to /sub/: {out}")
            rc, out = curl(s.url + "/inside.html")
            check(out == "<h1>root index</h1>\n", "a symlink inside the root is followed")
            rc, out = curl("-i", s.url + "/missing.html")
            check(statuses(out) == [404] and "Oops!" in out, f"a miss gets the 404 page: {out}")
            check(curl_status(s.url + "/sleep") == 404, "/sleep is not special with --root")
            rc, out = curl(s.url + "/big.bin")
            check(out == "x" * (600 * 1024), f"a streamed file arrives whole ({len(out)} bytes)")
            rc, out = curl("-v", s.url + "/big.bin", s.url + "/notes.txt")
            check("Re-using existing connection" in out and out.endswith("plain text\n"),
                  "keep-alive after a streamed file")
    finally:
        shutil.rmtree(top)


def case_file_changes():
    # Small files are cached for --file-cache-ms (default 1 s): a change is seen after that at
    # the latest, and at once with the cache off.
    top, root = make_root()
    path = os.path.join(root, "notes.txt")
    try:
        with Server("--root", root, "--file-cache-ms", "0") as s:
            check(curl(s.url + "/notes.txt")[1] == "plain text\n", "before")
            with open(path, "w") as f:
                f.write("changed\n")
            check(curl(s.url + "/notes.txt")[1] == "changed\n", "no cache: seen at once")
        with Server("--root", root) as s:
            check(curl(s.url + "/notes.txt")[1] == "changed\n", "cached")
            check(curl_status(s.url + "/style.css") == 200, "cached too")
            with open(path, "w") as f:
                f.write("changed again\n")
            os.remove(os.path.join(root, "style.css"))
            deadline = time.monotonic() + 20
            while (curl(s.url + "/notes.txt")[1] != "changed again\n" or
                   curl_status(s.url + "/style.css") != 404):
                check(time.monotonic() < deadline, "the change was never seen")
                time.sleep(0.2)
    finally:
        shutil.rmtree(top)


def case_mime_types():
    top, root = make_root()
    try:
        with Server("--root", root) as s:
            want = {"/": "text/html", "/style.css": "text/css", "/data.json": "application/json",
                    "/notes.txt": "text/plain", "/image.png": "image/png",
                    "/blob": "application/octet-stream"}
            for path, mime in want.items():
                rc, out = curl("-o", "/dev/null", "-w", "%{content_type}", s.url + path)
                check(out.startswith(mime), f"{path}: {out!r}, want {mime}")
    finally:
        shutil.rmtree(top)


def case_if_modified_since():
    top, root = make_root()
    try:
        os.utime(os.path.join(root, "notes.txt"), (1_600_000_000, 1_600_000_000))
        with Server("--root", root) as s:
            rc, out = curl("-i", s.url + "/notes.txt")
            m = re.search(r"^Last-Modified: (.*?)\r?$", out, re.M | re.I)
            check(m and m.group(1) == "Sun, 13 Sep 2020 12:26:40 GMT", f"Last-Modified: {out}")
            rc, out = curl("-i", "-H", f"If-Modified-Since: {m.group(1)}", s.url + "/notes.txt")
            check(statuses(out) == [304], f"not modified since its own date: {out}")
            check(re.search(r"^Content-Length: 11\r?$", out, re.M), f"304's Content-Length: {out}")
            check(out.endswith("\r\n\r\n"), f"304 has no body: {out!r}")
            rc, out = curl("-i", "-H", "If-Modified-Since: Sat, 12 Sep 2020 00:00:00 GMT",
                           s.url + "/notes.txt")
            check(statuses(out) == [200] and out.endswith("plain text\n"), f"modified since: {out}")
            # curl's own -z sends the header too.
            rc, out = curl("-i", "-z", "Mon, 01 Jan 2024 00:00:00 GMT", s.url + "/notes.txt")
            check(statuses(out) == [304], f"curl -z: {out}")
            rc, out = curl("-i", "-H", "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT",
                           s.url + "/notes.txt")
            check(statuses(out) == [200], f"a date in the future is ignored: {out}")
            rc, out = curl("-i", "-H", "If-Modified-Since: yesterday", s.url + "/notes.txt")
            check(statuses(out) == [200], f"a date that is not one is ignored: {out}")
    finally:
        shutil.rmtree(top)


def case_traversal():
    top, root = make_root()
    try:
        with Server("--root", root) as s:
            for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
                         "/sub/../../secret.txt", "/..%2fsecret.txt", "/escape", "/up/secret.txt",
                         "/up/", "/sub/%2e%2e/%2e%2e/secret.txt", "/.%2e/secret.txt"):
                rc, out = curl("-i", "--path-as-is", s.url + path)
                st = statuses(out)
                check(st in ([403], [404]), f"{path}: {st} {out}")
                check("TOP SECRET" not in out, f"{path} leaked the secret")
            check(curl_status(s.url + "/escape") == 403, "a symlink out of the root is 403")
            for path in ("/a%00b", "/a%zz"):
                st = curl_status(s.url + path, "--path-as-is")
                check(st == 400, f"{path}: {st}")
            # Raw, from nc, as a client that does not normalise anything would send it.
            out = nc(s.port, b"GET /../secret.txt HTTP/1.0\r\n\r\n")
            check(statuses(out) == [403] and "TOP SECRET" not in out, f"nc ..: {out}")
    finally:
        shutil.rmtree(top)


# ---------------------------------------------------------------------------------------------
# Load generators.

def ab_case(keep_alive):
    need("ab")
    with Server() as s:
        args = ["ab", "-n", "500", "-c", "10"] + (["-k"] if keep_alive else []) + [s.url + "/"]
        rc, out = run(args, timeout=120)
        check(rc == 0, f"ab failed: {out}")
        check(re.search(r"^Complete requests:\s+500$", out, re.M), f"ab: {out}")
        check(re.search(r"^Failed requests:\s+0$", out, re.M), f"ab failures: {out}")
        check(not re.search(r"^Non-2xx responses", out, re.M), f"ab non-2xx: {out}")
        if keep_alive:
            m = re.search(r"^Keep-Alive requests:\s+(\d+)$", out, re.M)
            check(m and int(m.group(1)) == 500, f"ab -k kept the connections alive: {out}")


def case_ab():
    ab_case(False)


def case_ab_keep_alive():
    ab_case(True)


def case_wrk():
    need("wrk")
    with Server() as s:
        rc, out = run(["wrk", "-t1", "-c4", "-d1s", s.url + "/"], timeout=60)
        check(rc == 0, f"wrk failed: {out}")
        m = re.search(r"(\d+) requests in", out)
        check(m and int(m.group(1)) > 0, f"wrk made requests: {out}")
        check("Socket errors" not in out, f"wrk saw socket errors: {out}")
        check("Non-2xx" not in out, f"wrk saw errors: {out}")


# ---------------------------------------------------------------------------------------------
# Hand-written requests.

def case_nc_pipelined():
    with Server() as s:
        reqs = (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
                b"GET /nope HTTP/1.1\r\nHost: a\r\n\r\n"
                b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"
                b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        out = nc(s.port, reqs)
        check(statuses(out) == [200, 404, 200, 200], f"answers in order: {out}")
        check(out.count("<h1>Hello!</h1>") == 2 and out.count("Oops!") == 1, out)
        # HTTP/1.0 closes after one answer unless it asks to keep the connection.
        out = nc(s.port, b"GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n")
        check(statuses(out) == [200] and "Connection: close" in out, f"HTTP/1.0: {out}")
        out = nc(s.port, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /x HTTP/1.0\r\n\r\n")
        check(statuses(out) == [200, 404], f"HTTP/1.0 keep-alive: {out}")


def case_nc_malformed():
    with Server() as s:
        # nc ends only when the server closes: that it returns at all shows the close.
        out = nc(s.port, b"GET / HTTP/1.1\r\nHost: a\r\n\r\nthis is not http\r\n\r\n"
                         b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        check(statuses(out) == [200, 400], f"200, then 400 and closed: {out}")
        check(out.rstrip().endswith("</html>"), "nothing after the 400")
        check(curl_status(s.url + "/") == 200, "the server is unaffected")


def case_bad_inputs():
    with Server("--max-connections", "64") as s:
        cases = [
            (b"garbage\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\n\r\n", 400),  # no Host
            (b"GET / HTTP/1.1\r\nHost: a\r\n Folded: x\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
            (b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
            (b"BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n", 501),
            (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411),
            (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
            (b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"v" * 20000 + b"\r\n\r\n", 431),
            (b"GET / HTTP/1.1\r\nHost: a\r\n" + b"X: v\r\n" * 200 + b"\r\n", 431),
            (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\n", 413),
        ]
        for data, want in cases:
            out = nc(s.port, data)
            check(statuses(out) == [want], f"{data[:60]!r}...: want {want}, got {out[:300]}")
            check("Connection: close" in out, f"{want} closes the connection")
        # A method it does not serve is a well-formed request: 405, and the connection goes on.
        out = nc(s.port, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                         b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        check(statuses(out) == [405, 200] and "Allow: GET, HEAD" in out, f"POST: {out}")
        check(curl_status(s.url + "/") == 200, "the server is unaffected")


def case_header_timeout():
    # A silent client and a slow one each get 408 after ~1 s and are closed; meanwhile (and
    # after) others are served at once.
    with Server("--header-timeout-ms", "1000") as s:
        silent = socket.create_connection(("127.0.0.1", s.port))
        slow = socket.create_connection(("127.0.0.1", s.port))
        slow.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")  # never finishes its head
        t0 = time.monotonic()
        check(curl_status(s.url + "/") == 200, "served while two clients stall")
        for sock, name in ((silent, "silent"), (slow, "slow")):
            sock.settimeout(30)
            data = b""
            while True:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            sock.close()
            text = data.decode(errors="replace")
            check(statuses(text) == [408], f"the {name} client: {text!r}")
        check(time.monotonic() - t0 < 25, "the 408s came within the (generous) bound")
        # An idle keep-alive connection is closed without a 408 once it has had an answer.
        need("nc")
        idle = socket.create_connection(("127.0.0.1", s.port))
        idle.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        idle.settimeout(30)
        data = b""
        while True:
            chunk = idle.recv(4096)
            if not chunk:
                break
            data += chunk
        idle.close()
        check(statuses(data.decode(errors="replace")) == [200], f"idle keep-alive: {data!r}")
        check(curl_status(s.url + "/") == 200, "served after")


def case_write_timeout():
    # A client that asks for 50 copies of a 600 KiB file and never reads is dropped once a write
    # has waited --write-timeout-ms; another client is served meanwhile.
    top, root = make_root()
    try:
        with Server("--root", root, "--write-timeout-ms", "500") as s:
            hog = socket.create_connection(("127.0.0.1", s.port))
            hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            hog.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n" * 50)
            check(curl_status(s.url + "/notes.txt") == 200, "served while the hog does not read")
            time.sleep(5)  # the server gives up on it meanwhile
            hog.settimeout(30)
            got = 0
            try:
                while True:
                    chunk = hog.recv(1 << 20)
                    if not chunk:
                        break
                    got += len(chunk)
            except ConnectionResetError:
                pass
            hog.close()
            check(got < 50 * 600 * 1024, f"the hog got everything ({got} bytes): not dropped")
            check(curl_status(s.url + "/notes.txt") == 200, "served after")
    finally:
        shutil.rmtree(top)


def case_max_connections():
    with Server("--max-connections", "1") as s:
        held = socket.create_connection(("127.0.0.1", s.port))
        held.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        held.settimeout(30)
        check(b"200 OK" in held.recv(4096), "the first connection is served")
        # It stays open (keep-alive): a second client waits in the backlog, unanswered.
        rc, out = curl("-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", s.url + "/")
        check(rc == 28, f"a second client is not served while the first holds the only slot: "
                        f"rc={rc} {out}")
        held.close()
        check(curl_status(s.url + "/", "--max-time", "30") == 200,
              "served once the first connection is gone")


def case_sigterm_exits_0():
    s = Server()
    with s:
        check(curl_status(s.url + "/") == 200, "served")
        rc = s.stop(signal.SIGTERM)
        check(rc == 0, f"exit status {rc} after SIGTERM")
        rc, out = curl("-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", s.url + "/")
        check(rc != 0, "refused after shutdown")


def case_sigint_exits_0():
    # Idle connections, one before its first request and one kept alive after an answer, are
    # closed by the shutdown broadcast: the exit does not wait for the (long) shutdown timeout.
    with Server("--shutdown-timeout-ms", "60000") as s:
        silent = socket.create_connection(("127.0.0.1", s.port))
        kept = socket.create_connection(("127.0.0.1", s.port))
        kept.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        kept.settimeout(30)
        check(b"200 OK" in kept.recv(4096), "answered")
        rc = s.stop(signal.SIGINT, timeout=30)
        for sock in (silent, kept):
            sock.settimeout(30)
            check(sock.recv(4096) == b"", "closed by the server")
            sock.close()
        check(rc == 0, f"exit status {rc} after SIGINT")


def case_shutdown_lets_requests_finish():
    # A request in flight when SIGTERM comes is answered (with Connection: close); then exit 0.
    with Server("--sleep-ms", "2000") as s:
        need("curl")
        slow = subprocess.Popen(["curl", "-sS", "-i", s.url + "/sleep"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        try:
            time.sleep(0.8)  # curl has connected and sent by now (no correctness depends on it)
            rc = s.stop(signal.SIGTERM)
            out, _ = slow.communicate(timeout=60)
            out = out.decode(errors="replace")
            check(rc == 0, f"exit status {rc}")
            check(statuses(out) == [200] and "<h1>Hello!</h1>" in out,
                  f"the request in flight was answered: {out}")
            check("Connection: close" in out, f"and told the connection ends: {out}")
        finally:
            if slow.poll() is None:
                slow.kill()
                slow.wait()
    # A connection that will not finish is cut at the shutdown timeout, and the exit is still 0.
    with Server("--sleep-ms", "60000", "--shutdown-timeout-ms", "500") as s:
        stuck = socket.create_connection(("127.0.0.1", s.port))
        stuck.sendall(b"GET /sleep HTTP/1.1\r\nHost: a\r\n\r\n")
        time.sleep(0.5)
        rc = s.stop(signal.SIGTERM, timeout=30)
        stuck.close()
        check(rc == 0, f"exit status {rc} after the shutdown timeout")


# ---------------------------------------------------------------------------------------------
# HTTPS (--tls-cert/--tls-key; registered only in a build with weft::tls).

def make_certs():
    """A CA and a certificate for localhost signed by it, made by the openssl command."""
    need("openssl")
    top = tempfile.mkdtemp(prefix="weft-http-tls-")
    k = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    with open(os.path.join(top, "server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for cmd in (["req", "-x509", *k, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                 "-subj", "/CN=weft-http-test-ca"],
                ["req", *k, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
                ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext"]):
        r = subprocess.run(["openssl", *cmd], cwd=top, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        check(r.returncode == 0, f"openssl {cmd[0]}: {r.stdout!r}")
    return top


def case_https():
    top = make_certs()
    try:
        ca = os.path.join(top, "ca.pem")
        with Server("--tls-cert", os.path.join(top, "server.pem"),
                    "--tls-key", os.path.join(top, "server.key")) as s:
            url = f"https://localhost:{s.port}"
            rc, out = curl("-i", "--cacert", ca, url + "/", url + "/nope")
            check(rc == 0 and statuses(out) == [200, 404], f"GET over TLS: {out}")
            check("<h1>Hello!</h1>" in out, "the hello page over TLS")
            # Not trusted without the CA; plain HTTP on the TLS port fails: those clients
            # only, the server goes on.
            rc, out = curl(url + "/")
            check(rc != 0, f"curl trusted an unknown CA: {out}")
            rc, out = curl(f"http://127.0.0.1:{s.port}/", timeout=30)
            check(rc != 0, f"plain HTTP got an answer on the TLS port: {out}")
            check(curl_status(url + "/", "--cacert", ca) == 200, "still serving")
    finally:
        shutil.rmtree(top, ignore_errors=True)


def main():
    global BIN
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("case")
    a = p.parse_args()
    BIN = a.bin
    fn = globals().get("case_" + a.case)
    if fn is None:
        print(f"no such case: {a.case}")
        return 2
    try:
        fn()
    except Failed as e:
        print(f"FAIL: {a.case}: {e}")
        return 1
    print(f"ok: {a.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
