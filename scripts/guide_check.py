#!/usr/bin/env python3
"""The guide cannot rot: every C++ block in docs/guide/ is a verbatim excerpt of a built program.

The guide's programs live under examples/guide/ (CMake builds each one, ctest runs it: label
`guide`); a chapter may also quote the apps (apps/, built and tested too) and the other examples.
This checks, for docs/guide/*.md:

  * every ```cpp block appears as consecutive lines of a .cpp/.hpp file under examples/ or apps/
    (a block may drop a constant indentation; blank lines must match);
    ```cpp not-compiled: <why> skips a block (a deliberate compile error), and needs its reason;
  * every examples/guide/*.cpp is linked from some chapter, so no program is orphaned;
  * every relative link in the guide points at a file that exists;
  * the index (docs/guide/README.md) links every chapter, and every chapter it links exists.

Usage: guide_check.py [--root DIR] [--stats] [--self-test]
  --stats      also print each chapter's prose word count (code blocks not counted)
  --self-test  check that the checker fails on a broken guide (run by ctest)
"""

import argparse
import os
import re
import shutil
import sys
import tempfile

FENCE = re.compile(r"^\s*```(\S*)\s*(.*)$")
LINK = re.compile(r"\]\(([^)\s]+)\)")
CHAPTER = re.compile(r"^\d\d-[a-z0-9-]+\.md$")


def blocks(path):
    """Yields (line, lang, info, lines) for each fenced block of a Markdown file."""
    with open(path, encoding="utf-8") as f:
        text = f.read().split("\n")
    i = 0
    while i < len(text):
        m = FENCE.match(text[i])
        if not m:
            i += 1
            continue
        start, lang, info = i + 1, m.group(1), m.group(2)
        body = []
        i += 1
        while i < len(text) and not re.match(r"^\s*```\s*$", text[i]):
            body.append(text[i])
            i += 1
        if i == len(text):
            yield start, "unterminated", info, body
        else:
            yield start, lang, info, body
        i += 1


def trim(lines):
    lines = [line.rstrip() for line in lines]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def source_files(root):
    out = {}
    for top in ("examples", "apps"):
        for base, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if name.endswith((".cpp", ".hpp")):
                    path = os.path.join(base, name)
                    with open(path, encoding="utf-8") as f:
                        out[os.path.relpath(path, root)] = [l.rstrip() for l in f.read().split("\n")]
    return out


def found_in(block, lines):
    """True if block's lines are consecutive lines of `lines`, under one added indentation."""
    first = block[0]
    for i, line in enumerate(lines):
        if not line.endswith(first):
            continue
        indent = line[: len(line) - len(first)]
        if indent.strip() or i + len(block) > len(lines):
            continue
        if all((lines[i + k] == indent + b) if b else not lines[i + k]
               for k, b in enumerate(block)):
            return True
    return False


def words(path):
    prose, inside = [], False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if re.match(r"^\s*```", line):
                inside = not inside
            elif not inside:
                prose.append(line)
    return len(" ".join(prose).split())


def check(root, stats=False):
    guide = os.path.join(root, "docs", "guide")
    errors = []
    chapters = sorted(f for f in os.listdir(guide) if CHAPTER.match(f))
    if not chapters:
        errors.append(f"{guide}: no chapters (NN-name.md)")
    sources = source_files(root)
    linked = set()  # every file some page of the guide links to
    indexed = set()  # the files the index links to
    for md in ["README.md"] + chapters:
        path = os.path.join(guide, md)
        rel = os.path.relpath(path, root)
        if not os.path.exists(path):
            errors.append(f"{rel}: missing")
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for n, line in enumerate(text.split("\n"), 1):
            for target in LINK.findall(line):
                if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                    continue
                file = os.path.normpath(os.path.join(guide, target.split("#")[0]))
                if not os.path.exists(file):
                    errors.append(f"{rel}:{n}: link to a missing file: {target}")
                linked.add(os.path.relpath(file, root))
                if md == "README.md":
                    indexed.add(os.path.relpath(file, root))
        for line, lang, info, body in blocks(path):
            if lang == "unterminated":
                errors.append(f"{rel}:{line}: code block never closed")
                continue
            if lang != "cpp":
                continue
            if info.startswith("not-compiled"):
                if not info.partition(":")[2].strip():
                    errors.append(f"{rel}:{line}: '```cpp not-compiled' needs a reason after ':'")
                continue
            if info:
                errors.append(f"{rel}:{line}: unknown annotation '{info}' (known: not-compiled: why)")
                continue
            block = trim(body)
            if not block:
                errors.append(f"{rel}:{line}: empty cpp block")
            elif not any(found_in(block, lines) for lines in sources.values()):
                errors.append(f"{rel}:{line}: this cpp block is not in any file under examples/ or "
                              f"apps/ (it must be a verbatim excerpt of a built program); it begins: "
                              f"{block[0].strip()}")
        if stats and md != "README.md":
            print(f"{md}: {words(path)} words")
    for chapter in chapters:
        if f"docs/guide/{chapter}" not in indexed:
            errors.append(f"docs/guide/README.md: does not link chapter {chapter}")
    for src in sorted(sources):
        if re.match(r"examples/guide/ch\d\d_\w+\.cpp$", src) and src not in linked:
            errors.append(f"{src}: no chapter of the guide links this program")
    return errors


def self_test(root):
    """The checker must catch a changed excerpt, an orphaned program and a dead link."""
    tmp = tempfile.mkdtemp()
    try:
        for top in ("docs/guide", "examples/guide", "apps"):
            os.makedirs(os.path.join(tmp, top))
        prog = "int main() {\n    int x = 1;\n    return x - 1;\n}\n"
        with open(os.path.join(tmp, "examples/guide/ch01_a.cpp"), "w") as f:
            f.write(prog)
        index = "# Guide\n[one](01-one.md)\n"
        good = ("# One\n[a](../../examples/guide/ch01_a.cpp)\n```cpp\nint x = 1;\n"
                "return x - 1;\n```\n")
        cases = {
            "a faithful excerpt passes": (good, None),
            "a changed line fails": (good.replace("x - 1", "x + 1"), "not in any file"),
            "an unlinked program fails": (good.replace("[a](../../examples/guide/ch01_a.cpp)", ""),
                                          "no chapter of the guide links"),
            "a dead link fails": (good + "[b](nowhere.md)\n", "missing file"),
            "a chapter the index does not link fails": (good + "[two](02-two.md)\n",
                                                         "does not link chapter 02-two.md"),
            "an unexplained skip fails": (good + "```cpp not-compiled\nx\n```\n", "needs a reason"),
        }
        failed = 0
        for name, (chapter, expect) in cases.items():
            with open(os.path.join(tmp, "docs/guide/README.md"), "w") as f:
                f.write(index)
            with open(os.path.join(tmp, "docs/guide/01-one.md"), "w") as f:
                f.write(chapter)
            two = os.path.join(tmp, "docs/guide/02-two.md")
            if "index" in name:  # a second chapter, linked from the first but not the index
                with open(two, "w") as f:
                    f.write("# Two\n")
            elif os.path.exists(two):
                os.remove(two)
            errors = check(tmp)
            ok = not errors if expect is None else any(expect in e for e in errors)
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {errors or 'no errors'}")
            failed += not ok
        return failed
    finally:
        shutil.rmtree(tmp)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    parser.add_argument("--stats", action="store_true")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    if args.self_test:
        sys.exit(1 if self_test(root) else 0)
    errors = check(root, args.stats)
    for e in errors:
        print(e)
    if errors:
        print(f"guide_check: {len(errors)} problem(s)")
        sys.exit(1)
    print("guide_check: every cpp block is a verbatim excerpt of a built program")


if __name__ == "__main__":
    main()
