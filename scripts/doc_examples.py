#!/usr/bin/env python3
"""Docs that cannot rot: every ```cpp block in weft's docs becomes compiled (and run) code.

Scans README.md, docs/*.md and the headers under include/weft/ (blocks inside `///` or `//`
comment lines, the comment prefix stripped) and writes, into an output folder:

  <group>.cpp   the snippets of a group of sources (README and docs/; a layer of include/weft/),
                one translation unit each, so a build parses `weft/weft.hpp` a few times, not
                once a block. They are checked with -fsyntax-only: compiled in full, no code.
  programs.cpp  every whole program, each in its own namespace, registered by name; linked into
                the `weft_doc_examples` binary (tests/doc_examples/main.cpp runs one by name).
  tests.cmake   an add_test() per program, read by ctest (TEST_INCLUDE_FILES).

How a block is checked is said by the words after `cpp` in its fence:

  ```cpp              the default. A block with `int main(` is a whole program: compiled, linked
                      and run by ctest (it must exit 0 within the TIMEOUT). Any other block is a
                      snippet: its declarations (types, functions, prototypes, templates, using-
                      and namespace-alias declarations; beside a function definition also
                      variables with a written type) go to namespace scope, its statements into
                      the body of a function, a `weft::Task<void>` coroutine when they co_await.
  ```cpp fragment     the whole block at namespace scope.
  ```cpp body         the whole block in the function body (nothing moved to namespace scope).
  ```cpp no-run: why  a whole program that is compiled but not run (it serves forever, say).
  ```cpp ignore: why  not compiled at all; keep these rare (say why, next to it).

A snippet may use names it does not declare (`tx`, `rx`, `use(v)`): tests/doc_examples/
context.hpp declares them per source file, as a reader would assume them: types and functions
in namespace `weft_doc_context::<file id>`, variables in macro `WEFT_DOC_VARS_<file id>` (put
at the top of each snippet's function, whose own block may then redeclare them). Only declared,
never defined: snippets are never linked. `#line` directives point errors at the doc's lines.

Usage: doc_examples.py --source-dir DIR --out-dir DIR [--groups | --list]
"""

import argparse
import os
import re
import sys

FENCE_OPEN = re.compile(r"^(\s*)```(\S*)(.*)$")
COMMENT = re.compile(r"^\s*//[/!]?(?: |$)")
KNOWN = {"fragment", "body", "no-run", "ignore"}


class Block:
    def __init__(self, path, line, info, lines):
        self.path = path  # relative to the source dir
        self.line = line  # 1-based line of the first code line
        self.info = info  # words after ```cpp
        self.lines = lines
        self.mode, self.reason = parse_info(path, line - 1, info)

    @property
    def text(self):
        return "\n".join(self.lines) + "\n"


def parse_info(path, line, info):
    info = info.strip()
    if not info:
        return "auto", ""
    word, _, reason = info.partition(":")
    word = word.strip()
    if word not in KNOWN:
        sys.exit(f"{path}:{line}: unknown doc-example annotation '{info}' (known: {sorted(KNOWN)})")
    if word in ("ignore", "no-run") and not reason.strip():
        sys.exit(f"{path}:{line}: '```cpp {word}' needs a reason: '```cpp {word}: why'")
    return word, reason.strip()


def sources(src):
    out = []
    if os.path.exists(os.path.join(src, "README.md")):
        out.append("README.md")
    docs = os.path.join(src, "docs")
    if os.path.isdir(docs):
        out += sorted("docs/" + f for f in os.listdir(docs) if f.endswith(".md"))
    for root, _, files in os.walk(os.path.join(src, "include", "weft")):
        for f in files:
            if f.endswith(".hpp"):
                out.append(os.path.relpath(os.path.join(root, f), src).replace(os.sep, "/"))
    return sorted(out)


# The units snippets are checked in, by layer: each costs a parse of weft/weft.hpp (about 2 s),
# so a few large ones build faster on CI's 2 cores than one per folder.
UNIT_OF_FOLDER = {"coro": "core", "future": "core", "task": "core", "executor": "core",
                  "detail": "core", "weft": "core", "runtime": "runtime", "time": "runtime",
                  "signal": "runtime", "io": "io", "net": "io", "fs": "io"}


def group_of(rel):
    parts = rel.split("/")
    if rel == "README.md" or parts[0] == "docs":
        return "docs"
    # include/weft/<module>/... ; include/weft/weft.hpp is "weft"
    folder = parts[2] if len(parts) > 3 else "weft"
    return UNIT_OF_FOLDER.get(folder, folder)


def file_id(rel):
    stem = re.sub(r"\.(md|hpp)$", "", rel)
    stem = re.sub(r"^include/weft/", "", stem)
    return re.sub(r"[^A-Za-z0-9]", "_", stem).lower()


def extract(src, rel):
    with open(os.path.join(src, rel), encoding="utf-8") as f:
        raw = f.read().split("\n")
    header = rel.endswith(".hpp")
    blocks = []
    i = 0
    while i < len(raw):
        line = raw[i]
        if header:
            m = COMMENT.match(line)
            if not m:
                i += 1
                continue
            line = line[m.end():]
        fm = FENCE_OPEN.match(line)
        if not fm:
            i += 1
            continue
        indent, lang, info = fm.group(1), fm.group(2), fm.group(3)
        body, start = [], i + 1
        i += 1
        while True:
            if i >= len(raw):
                sys.exit(f"{rel}:{start}: unterminated ``` block")
            line = raw[i]
            if header:
                m = COMMENT.match(line)
                if not m:
                    sys.exit(f"{rel}:{i + 1}: ``` block leaves the comment before it closes")
                line = line[m.end():]
            if line.strip() == "```":
                break
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            i += 1
        i += 1
        if lang == "cpp":
            blocks.append(Block(rel, start + 1, info, body))
    return blocks


# --- splitting a snippet into namespace-scope declarations and statements -----------------

def mask(text):
    """The text with comments, string and character literals blanked (same length)."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out[i:j] = " " * (j - i)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out[i:j] = [ch if ch == "\n" else " " for ch in text[i:j]]
            i = j
        elif c == 'R' and text.startswith('R"', i) and (i == 0 or not text[i - 1].isalnum()):
            k = text.find("(", i)
            delim = ")" + text[i + 2:k] + '"'
            j = text.find(delim, k)
            j = n if j < 0 else j + len(delim)
            out[i + 1:j] = [ch if ch == "\n" else " " for ch in text[i + 1:j]]
            i = j
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                i += 1  # digit separator: 1'000'000
                continue
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out[i + 1:j] = " " * (j - i - 1)
            i = j + 1
        else:
            i += 1
    return "".join(out)


def chunks(text):
    """Top-level pieces of a snippet: (start, end) offsets of each statement or declaration."""
    m = mask(text)
    out = []
    depth = 0
    start = 0
    i, n = 0, len(m)
    while i < n:
        c = m[i]
        if c == "#" and depth == 0 and m[start:i].strip() == "":
            j = m.find("\n", i)
            j = n if j < 0 else j
            out.append((i, j))
            start = i = j
            continue
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
            if c == "}" and depth == 0:
                rest = m[i + 1:].lstrip()
                head = m[start:i].lstrip()
                # `struct S {...};`, `x = {...};`, `if {...} else`, `do {...} while (...);`
                if not (rest.startswith((";", ",", ")", "else", "while", "catch", "(", ".", "->"))
                        or re.match(r"(struct|class|union|enum)\b", head)
                        or _needs_semicolon(m[start:i + 1])):
                    out.append((start, i + 1))
                    start = i + 1
        elif c == ";" and depth == 0:
            out.append((start, i + 1))
            start = i + 1
        i += 1
    if m[start:].strip():
        out.append((start, n))
    return [(s, e) for s, e in out if m[s:e].strip()]


def _needs_semicolon(piece):
    """Whether a piece ending in `}` at depth 0 goes on to a `;` (an initializer, a lambda)."""
    head = piece[:piece.find("{")]
    if re.search(r"(?<![=<>!])=(?!=)", head):  # `auto f = [] {...}`, `T x = {...}`
        return not re.match(r"\s*(template|if|for|while|switch)\b", head)
    if re.match(r"\s*(return|co_return|co_await|co_yield)\b", head):
        return True
    # `f([] {...})`, `[]() -> T {...}`: a lambda's body inside an expression
    return (head.strip().endswith(("]", ")", ">"))
            and not re.match(r"\s*(if|for|while|switch|else|try|catch|do)\b", head)
            and not _is_function_head(head))


DECL_START = re.compile(r"\s*(template|struct|class|union|enum|namespace|using|typedef"
                        r"|static_assert|static|concept|extern)\b|\s*(#|\[\[)")
CONTROL = re.compile(r"\s*(if|for|while|switch|do|try|else|return|co_return|co_await|co_yield"
                     r"|case|default)\b")


def _is_function_head(head):
    """`R name(args) const -> T` with a body next: a function definition."""
    h = head.strip()
    if not h or CONTROL.match(h):
        return False
    if "=" in re.sub(r"(operator\s*\S+|==|<=|>=|!=|= *default|= *delete)", "", h):
        return False
    return bool(re.match(r"[\w:<>,\s*&\[\]]+?[\w>*&]\s+[~\w:]+(operator\S*)?\s*\(", h + " ")) \
        or bool(re.match(r"\s*(auto|void|inline|static|constexpr|friend)\b", h))


def is_prototype(piece_masked):
    """`weft::Task<int> one();`, `void f(const void* p);`: a function declared, not defined."""
    s = " ".join(piece_masked.split())
    m = re.fullmatch(r"[\w:<>,\s*&]+?[\s*&]([\w:]+)\s*\((.*)\)\s*(const|noexcept|\s)*;", s)
    if not m or CONTROL.match(s) or s.startswith("auto "):
        return False
    params = m.group(2).strip()
    return params == "" or all(
        re.fullmatch(r"(const\s+)?[\w:<>]+[\s*&]+\w+", p.strip()) for p in params.split(","))


def is_declaration(piece_masked):
    if DECL_START.match(piece_masked) or is_prototype(piece_masked):
        # `using` is fine at either scope; a using-declaration goes up with the types it serves
        return True
    s = piece_masked.strip()
    if s.endswith("}"):
        head = s[:s.find("{")]
        return _is_function_head(head)
    return False


def is_variable(piece_masked):
    """`weft::sync::Semaphore limit(10);`: a variable declared with a written type."""
    s = " ".join(piece_masked.split())
    return bool(re.fullmatch(r"[\w:]+(<[\w:<>,\s]*>)?\s+\w+\s*(\([^;]*\)|\{[^;]*\}|=[^;]*)?;", s)) \
        and not CONTROL.match(s) and not re.search(r"\bco_(await|yield)\b", s) \
        and not s.startswith("auto ")


def strip_coro_lambdas(masked):
    """Masked text without the bodies of lambdas returning a Task/AsyncStream (their co_await is
    theirs, not the snippet's)."""
    out = masked
    for m in re.finditer(r"->\s*[\w:]*(Task|AsyncStream)\b[^{;]*\{", masked):
        j = m.end() - 1
        depth = 0
        k = j
        while k < len(masked):
            if masked[k] == "{":
                depth += 1
            elif masked[k] == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        out = out[:j] + " " * (k + 1 - j) + out[k + 1:]
    return out


def line_of(text, offset):
    return text.count("\n", 0, offset)


# --- writing the translation units ------------------------------------------------------------

def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def emit_lines(b, text, offset, out, rel_path):
    first = b.line + line_of(b.text, offset)
    out.append(f"#line {first} {cstr(rel_path)}")
    out.append(text.rstrip())


def snippet(b, idx, fid, includes):
    text = b.text
    masked = mask(text)
    decls, stmts = [], []
    if b.mode == "fragment":
        decls = [(0, len(text))]
    elif b.mode == "body":
        stmts = [(0, len(text))]
    else:
        pieces = chunks(text)
        funcs = any(is_declaration(masked[s:e]) and masked[s:e].strip().endswith("}")
                    for s, e in pieces)
        for s, e in pieces:
            # beside function definitions, `T name(args);` is a global they share
            up = is_declaration(masked[s:e]) or (funcs and is_variable(masked[s:e]))
            (decls if up else stmts).append((s, e))
    out = [f"namespace weft_doc::{fid}::b{b.line} {{",
           f"using namespace ::weft_doc_context;",
           f"using namespace ::weft_doc_context::{fid};"]
    for s, e in decls:
        piece = text[s:e]
        # leading blank lines/comments stay with their piece; offset of the first real char
        lead = len(piece) - len(piece.lstrip("\n"))
        if masked[s:e].lstrip().startswith("#"):
            includes.append(f"#line {b.line + line_of(text, s + lead)} {cstr(b.path)}")
            includes.append(piece.strip())
            continue
        emit_lines(b, piece[lead:], s + lead, out, b.path)
    if stmts:
        body_masked = "".join(strip_coro_lambdas(masked[s:e]) for s, e in stmts)
        coro = re.search(r"\bco_(await|return|yield)\b", body_masked)
        if coro:
            out.append(f"inline ::weft::Task<void> doc_example_{idx}() {{")
        else:
            out.append(f"inline auto doc_example_{idx}() {{")
        # the file's assumed variables (context.hpp), then the block in its own scope, so
        # that it may declare the same names
        out += ["#ifdef WEFT_DOC_VARS_" + fid, "WEFT_DOC_VARS_" + fid, "#endif", "{"]
        for s, e in stmts:
            piece = text[s:e]
            lead = len(piece) - len(piece.lstrip("\n"))
            emit_lines(b, piece[lead:], s + lead, out, b.path)
        out.append("}")
        if coro and not re.search(r"\bco_return\b", body_masked):
            out.append("co_return;")
        out.append("}")
    out.append(f"}}  // namespace weft_doc::{fid}::b{b.line}")
    return out


def program(b, fid, includes):
    text = b.text
    masked = mask(text)
    m = re.search(r"\bint\s+main\s*\(", masked)
    # the end of main's body gets a `return 0;`: a main outside the global namespace has no
    # implicit one
    k = masked.find("{", m.end())
    depth, j = 0, k
    while j < len(masked):
        if masked[j] == "{":
            depth += 1
        elif masked[j] == "}":
            depth -= 1
            if depth == 0:
                break
        j += 1
    body = text[:j] + "return 0;\n" + text[j:]
    bmask = masked[:j] + "return 0;\n" + masked[j:]
    kept = []
    for ln, (real, msk) in enumerate(zip(body.split("\n"), bmask.split("\n"))):
        if msk.lstrip().startswith("#"):
            includes.append(f"#line {b.line + ln} {cstr(b.path)}")
            includes.append(real)
            kept.append("")
        else:
            kept.append(real)
    ns = f"weft_doc::{fid}::p{b.line}"
    return [f"namespace {ns} {{", f"#line {b.line} {cstr(b.path)}", "\n".join(kept),
            f"}}  // namespace {ns}",
            f"static const ::weft_doc::Program doc_program_{fid}_{b.line}("
            f"{cstr(program_name(b))}, &{ns}::main);"]


def program_name(b):
    return f"{file_id(b.path)}.L{b.line - 1}"


def is_program(b):
    return b.mode in ("auto", "no-run") and re.search(r"\bint\s+main\s*\(", mask(b.text))


def write_if_changed(path, content):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == content:
                return
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(content)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--out-dir")
    ap.add_argument("--context", help="the header with the names snippets assume")
    ap.add_argument("--groups", action="store_true", help="print the group names and stop")
    ap.add_argument("--list", action="store_true", help="print every block and how it is checked")
    ap.add_argument("--dump", action="store_true", help="print every block's text")
    args = ap.parse_args()
    src = args.source_dir
    files = sources(src)
    groups = sorted({group_of(f) for f in files})
    if args.groups:
        print(";".join(groups + ["programs"]))
        return
    by_group = {g: [] for g in groups}
    total = 0
    for rel in files:
        for b in extract(src, rel):
            by_group[group_of(rel)].append(b)
            total += 1
            kind = "program" if is_program(b) else ("ignored" if b.mode == "ignore" else "snippet")
            if args.list:
                print(f"{rel}:{b.line - 1}: {kind} {b.mode} {b.reason}")
            if args.dump:
                print(f"===== {rel}:{b.line - 1} [{kind} {b.mode}]\n{b.text}")
    if args.list or args.dump:
        print(f"{total} blocks", file=sys.stderr)
        return
    os.makedirs(args.out_dir, exist_ok=True)
    tests = ["# Generated by scripts/doc_examples.py: one test per whole program in the docs."]
    # Programs are compiled and linked (one unit for them all); snippets are only checked
    # (-fsyntax-only: no code, so the names they assume need no definitions).
    progs = [b for g in groups for b in by_group[g] if is_program(b)]
    units = {g: [b for b in by_group[g] if not is_program(b)] for g in groups}
    units["programs"] = progs
    for g in groups + ["programs"]:
        includes, body, fids = [], [], []
        for idx, b in enumerate(units[g]):
            fid = file_id(b.path)
            if fid not in fids:
                fids.append(fid)
            if b.mode == "ignore":
                continue
            if is_program(b):
                body += program(b, fid, includes)
                if b.mode != "no-run":
                    name = "doc_examples." + program_name(b)
                    tests.append(f"add_test({name} ${{weft_doc_binary}} {program_name(b)})")
                    tests.append(f"set_tests_properties({name} PROPERTIES LABELS doc-examples "
                                 f"TIMEOUT 60 "
                                 f"FIXTURES_REQUIRED doc_examples_compiled)")
            else:
                body += snippet(b, idx, fid, includes)
        head = [f"// Generated by scripts/doc_examples.py from the ```cpp blocks of group '{g}'.",
                '#include "weft/weft.hpp"']
        head += includes
        head += ['#line 1 "doc_examples_context"', f'#include {cstr(args.context)}']
        head += [f"namespace weft_doc_context::{fid} {{}}" for fid in fids]
        write_if_changed(os.path.join(args.out_dir, g + ".cpp"), "\n".join(head + body) + "\n")
    write_if_changed(os.path.join(args.out_dir, "tests.cmake"), "\n".join(tests) + "\n")


if __name__ == "__main__":
    main()
