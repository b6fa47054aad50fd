#!/usr/bin/env python3
"""Checks that weft's headers and sources include only their own layer or a layer it may use.

Every `#include "..."` in include/ and src/ is read (both `"weft/..."` and a private header
named relative to the including file), each file is given a layer by its path, and an include
into a layer that the including file's layer may not use fails the check with `file:line` and
the rule broken. The README's layering is this table; ctest runs it under the label
`layering` (tests/CMakeLists.txt).

The layers (lowest first) and what each may include besides itself (transitively):

  layer      may use                        what lives there
  ---------  -----------------------------  ------------------------------------------------
  core       -                              future/ (FuturesUnordered too: JoinSet is built
                                            on it), task/, coro/, io/ (the AsyncRead/Write
                                            traits, their helpers, the in-memory duplex and
                                            the IoDriverKind enum), stream/stream.hpp (the
                                            Stream trait, as futures-core's),
                                            detail/{task,future,sync}/ (the spin lock and the
                                            waiter list are the primitives everything above
                                            waits with), detail/io/copy_buffer.hpp, src/task/,
                                            src/io/{duplex,error}.cpp
  executors  core                           executor/ (block_on, LocalExecutor, with_cleanup),
                                            detail/runtime/ (parker, local core, queues, the
                                            RuntimeCore interface), src/executor/,
                                            src/runtime/parker.cpp and futex.hpp
  sync       core, executors                sync/, src/sync/ (blocking_* calls park the thread
                                            as block_on does)
  stream     core, executors, sync          stream/ (the adaptors; they use no timer)
  drivers    core, executors, sync          time/, detail/time/, detail/io/, src/time/,
                                            src/io/ (the timers and the I/O driver),
                                            io/async_fd.hpp (readiness for any descriptor)
  runtime    drivers and below              runtime/, src/runtime/ (the Runtime composes the
                                            executors and the drivers)
  top        runtime, stream and below      net/, fs/, signal/, detail/net/, detail/fs/ and
                                            their src/ folders; process/, src/process/
  time_stream  drivers, stream and below    time/stream/ (the timer-based stream adaptors:
                                            timeout, throttle, chunks_timeout, interval_stream)
  codec      stream and below               codec/, detail/codec/, src/codec/ (framing: a
                                            byte buffer, Decoder/Encoder, Framed over any
                                            AsyncRead/AsyncWrite; no driver, no runtime)
  http       top and below                  detail/http/, src/http/ (the HTTP/1.1 request
                                            parser and response heads of weft-http and the
                                            console; plain functions over bytes today)
  console    http, time_stream and below    console/, src/console/ (the live dashboard: an
                                            HTTP server on net, the runtime's dump, metrics
                                            and stall reports). The runtime starts it by name
                                            (a link-time call, no include: autostart.cpp)
  tls        top and below                  tls/, detail/tls/, src/tls/ (weft::tls on OpenSSL 3,
                                            its own library: weft.hpp does not include it)
  all        everything                     weft.hpp (the console included)
  embedded   core                           embedded/, src/embedded/ (the executor for a
                                            microcontroller: no runtime, no driver, no
                                            threads; built against the freestanding core,
                                            docs/embedded.md; weft.hpp does not include it)

The most specific (longest) path prefix in LAYER_OF wins. A file that no prefix matches fails
the check: give it a layer. EXCEPTIONS lists the known violations still to fix, each with its
reason; the check fails if one of them no longer occurs, so the list only shrinks.

Usage: check_layering.py [ROOT]          (ROOT: the repository; default: this script's parent)
       check_layering.py --self-test     (shows that a violation and a stale exception fail)
"""

import os
import re
import sys
import tempfile

# Direct "may use" edges; the check closes them transitively.
MAY_USE = {
    "core": [],
    "executors": ["core"],
    "sync": ["core", "executors"],
    "stream": ["core", "executors", "sync"],
    "drivers": ["core", "executors", "sync"],
    "runtime": ["drivers"],
    "top": ["runtime", "stream"],
    "time_stream": ["drivers", "stream"],
    "codec": ["stream"],
    "http": ["top"],
    "console": ["http", "time_stream"],
    "tls": ["top"],
    "all": ["top", "time_stream", "codec", "console"],
    "embedded": ["core"],
}

# Path prefix (relative to the repository) -> layer. Longest prefix wins.
LAYER_OF = {
    "include/weft/future/": "core",
    "include/weft/task/": "core",
    "include/weft/coro/": "core",
    "include/weft/io/": "core",
    "include/weft/io/async_fd.hpp": "drivers",
    "include/weft/stream/stream.hpp": "core",
    "include/weft/detail/task/": "core",
    "include/weft/detail/future/": "core",
    "include/weft/detail/sync/": "core",
    "include/weft/detail/sync/lock_guard.hpp": "sync",
    "include/weft/detail/io/copy_buffer.hpp": "core",
    "include/weft/config.hpp": "core",
    "src/task/": "core",
    "src/io/duplex.cpp": "core",
    "src/io/error.cpp": "core",
    "include/weft/executor/": "executors",
    "include/weft/detail/runtime/": "executors",
    "src/executor/": "executors",
    "src/runtime/parker.cpp": "executors",
    "src/runtime/futex.hpp": "executors",  # the parker's futex calls, shared with the pool
    "include/weft/sync/": "sync",
    "src/sync/": "sync",
    "include/weft/stream/": "stream",
    "include/weft/detail/stream/": "stream",
    "include/weft/time/": "drivers",
    "include/weft/time/stream/": "time_stream",
    "include/weft/detail/time/": "drivers",
    "include/weft/detail/io/": "drivers",
    "src/time/": "drivers",
    "src/io/": "drivers",
    "include/weft/runtime/": "runtime",
    "src/runtime/": "runtime",
    "include/weft/net/": "top",
    "include/weft/fs/": "top",
    "include/weft/signal/": "top",
    "include/weft/detail/net/": "top",
    "include/weft/detail/fs/": "top",
    "src/net/": "top",
    "src/fs/": "top",
    "src/signal/": "top",
    "include/weft/process/": "top",
    "src/process/": "top",
    "include/weft/codec/": "codec",
    "include/weft/detail/codec/": "codec",
    "src/codec/": "codec",
    "include/weft/detail/http/": "http",
    "src/http/": "http",
    "include/weft/console/": "console",
    "src/console/": "console",
    "include/weft/tls/": "tls",
    "include/weft/detail/tls/": "tls",
    "src/tls/": "tls",
    "include/weft/weft.hpp": "all",
    "include/weft/embedded/": "embedded",
    "src/embedded/": "embedded",
}

# (including file, included file) -> why it is still allowed. Each must still occur.
EXCEPTIONS = {
    ("include/weft/sync/mpsc.hpp", "include/weft/time/sleep.hpp"):
        "Sender::send_timeout sleeps on the runtime's timer (as Tokio's send_timeout needs its "
        "time feature); removing it from sync needs an API change (a time-layer free function)",
}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCE_EXT = (".hpp", ".h", ".cpp", ".cc", ".ipp")


def closure(may_use):
    out = {}
    for layer in may_use:
        seen, stack = set(), list(may_use[layer])
        while stack:
            d = stack.pop()
            if d in seen:
                continue
            seen.add(d)
            stack.extend(may_use[d])
        if layer in seen:
            raise SystemExit(f"layering table: {layer} may use itself through a cycle")
        out[layer] = seen | {layer}
    return out


def layer_of(rel, table):
    best = None
    for prefix, layer in table.items():
        if rel == prefix or (prefix.endswith("/") and rel.startswith(prefix)):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, layer)
    return best[1] if best else None


def files_under(root):
    for top in ("include", "src"):
        for d, _, names in os.walk(os.path.join(root, top)):
            for n in sorted(names):
                if n.endswith(SOURCE_EXT):
                    yield os.path.relpath(os.path.join(d, n), root).replace(os.sep, "/")


def resolve(root, rel, target):
    """The repository path an include names, or None if it is not one of weft's files."""
    if target.startswith("weft/"):
        cand = "include/" + target
        if os.path.exists(os.path.join(root, cand)):
            return cand
        if target == "weft/config.hpp":  # generated into the build tree
            return "include/weft/config.hpp"
        return cand  # a missing header is the compiler's to report; still check its layer
    local = os.path.normpath(os.path.join(os.path.dirname(rel), target)).replace(os.sep, "/")
    if os.path.exists(os.path.join(root, local)):
        return local
    return None


def check(root, table=LAYER_OF, may_use=MAY_USE, exceptions=EXCEPTIONS, out=sys.stdout):
    allowed = closure(may_use)
    errors, used = [], set()
    count = 0
    for rel in sorted(files_under(root)):
        src_layer = layer_of(rel, table)
        if src_layer is None:
            errors.append(f"{rel}:1: no layer for this file: add its path to LAYER_OF in "
                          f"scripts/check_layering.py")
            continue
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                inc = resolve(root, rel, m.group(1))
                if inc is None:
                    continue
                count += 1
                inc_layer = layer_of(inc, table)
                if inc_layer is None:
                    errors.append(f"{rel}:{lineno}: includes {inc}, which has no layer: add "
                                  f"its path to LAYER_OF in scripts/check_layering.py")
                elif inc_layer not in allowed[src_layer]:
                    if (rel, inc) in exceptions:
                        used.add((rel, inc))
                        continue
                    may = ", ".join(sorted(allowed[src_layer]))
                    errors.append(f"{rel}:{lineno}: {src_layer} file includes {inc} "
                                  f"({inc_layer}); {src_layer} may include only: {may}")
    for (rel, inc), why in sorted(exceptions.items()):
        if (rel, inc) not in used:
            errors.append(f"{rel}:1: exception ({rel} -> {inc}) is no longer needed: remove it "
                          f"from EXCEPTIONS in scripts/check_layering.py (it said: {why})")
    for e in errors:
        print(e, file=out)
    if errors:
        print(f"layering: {len(errors)} problem(s) in {count} includes", file=out)
        return 1
    print(f"layering: {count} includes follow the layers "
          f"({len(used)} known exception(s) still open)", file=out)
    return 0


def self_test():
    """A tree with an upward include, and one with a stale exception, must both fail."""
    import io

    def tree(files):
        d = tempfile.mkdtemp(prefix="weft_layering_")
        for rel, text in files.items():
            p = os.path.join(d, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w", encoding="utf-8") as f:
                f.write(text)
        return d

    ok = tree({
        "include/weft/future/future.hpp": "#pragma once\n",
        "include/weft/executor/block_on.hpp": '#include "weft/future/future.hpp"\n',
    })
    bad = tree({
        "include/weft/future/future.hpp": '#pragma once\n#include "weft/executor/block_on.hpp"\n',
        "include/weft/executor/block_on.hpp": "#pragma once\n",
    })
    failures = []
    buf = io.StringIO()
    if check(ok, exceptions={}, out=buf) != 0:
        failures.append("a tree that follows the layers failed:\n" + buf.getvalue())
    buf = io.StringIO()
    if check(bad, exceptions={}, out=buf) != 1 or \
            "include/weft/future/future.hpp:2: core file includes" not in buf.getvalue():
        failures.append("an upward include was not reported at file:line:\n" + buf.getvalue())
    buf = io.StringIO()
    stale = {("include/weft/future/future.hpp", "include/weft/net/x.hpp"): "test"}
    if check(ok, exceptions=stale, out=buf) != 1 or "no longer needed" not in buf.getvalue():
        failures.append("an unused exception was not reported:\n" + buf.getvalue())
    for f in failures:
        print("self-test: " + f)
    print("layering self-test: " + ("FAILED" if failures else "ok"))
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        sys.exit(self_test())
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))
    sys.exit(check(root))
