#!/usr/bin/env bash
# Flags the coroutine code that GCC 12 miscompiles (docs/model.md, "Known compiler issue"):
# inside the operand of a `co_await`, up to the end of its statement,
#   - a braced initialisation of a type: `Set{"k", "v"}`, `std::array<T, 2>{a, b}`, `Name{}`;
#   - a braced list passed as an argument: `tx.send({a, b})`;
#   - a lambda that captures anything other than references (`[x]`, `[=]`, `[p = std::move(p)]`,
#     `[*this]`): its closure is an aggregate temporary.
# GCC 12 destroys such a temporary twice (a double free, or a use after free) when it has a
# member with a destructor. Build the value or the callable in a statement of its own and
# co_await with the named local instead:
#     auto cmd = Command{key};              auto h = weft::spawn([conn] { ... });
#     co_await tx.send(std::move(cmd));     co_await h;
#
# What it does not see: a temporary built *before* the `co_await` in the same statement
# (`f(Set{...}, co_await g())`), a parenthesised aggregate initialisation (`Set("k", "v")`,
# which it cannot tell from a function call), and a macro that expands to a co_await.
#
# Silence a line that is known to be safe (for example, captures that are all trivially
# destructible) with the comment `check-coawait: allow` on that line or the line above it.
#
# Usage: scripts/check_coawait_temporaries.sh [PATH...]
#   Directories are searched for *.cpp, *.cc, *.hpp, *.h and *.md (in Markdown, only the
#   ```cpp / ```c++ code blocks are read); files named explicitly are read whatever their
#   extension. With no PATH: the repository's include/, src/, examples/, tests/, benches/,
#   docs/ and README.md. Prints file:line: messages; exits 1 if anything was flagged.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    root="$(cd "$(dirname "$0")/.." && pwd)"
    set -- "$root/include" "$root/src" "$root/examples" "$root/apps" "$root/tests" "$root/benches" \
        "$root/docs" "$root/README.md"
fi

files=()
for p in "$@"; do
    if [ -d "$p" ]; then
        while IFS= read -r f; do files+=("$f"); done < <(
            find "$p" -type f \( -name '*.cpp' -o -name '*.cc' -o -name '*.hpp' -o -name '*.h' \
                -o -name '*.md' \) | LC_ALL=C sort)
    elif [ -f "$p" ]; then
        files+=("$p")
    else
        echo "check_coawait_temporaries: no such file or directory: $p" >&2
        exit 2
    fi
done
[ "${#files[@]}" -eq 0 ] && exit 0

exec awk '
function is_ident(ch) { return ch ~ /[A-Za-z0-9_]/ }
function is_space(ch) { return ch == " " || ch == "\t" || ch == "\n" || ch == "\r" }

# Index of the previous non-space character before i (0 if none).
function prev_nonspace(i) {
    for (i = i - 1; i >= 1; i--) if (!is_space(c[i])) return i
    return 0
}
# The identifier that ends at i (or "").
function word_ending_at(i,    s) {
    s = ""
    while (i >= 1 && is_ident(c[i])) { s = c[i] s; i-- }
    return s
}
# Index of the bracket that closes the one at i (n + 1 if unbalanced).
function match_close(i,    d, ch) {
    d = 0
    for (; i <= n; i++) {
        ch = c[i]
        if (ch == "(" || ch == "[" || ch == "{") d++
        else if (ch == ")" || ch == "]" || ch == "}") { d--; if (d == 0) return i }
    }
    return n + 1
}
function report(i, what) {
    if (allowed[ln[i]] || allowed[ln[i] - 1] || ((fname, i) in seen)) return
    seen[fname, i] = 1
    printf "%s:%d: %s inside a co_await expression: GCC 12 destroys it twice; build it in a statement of its own (see docs/model.md, \"Known compiler issue\")\n", fname, ln[i], what
    bad = 1
}
# True if the capture list text captures anything by copy.
function captures_by_copy(caps,    k, m, item, parts) {
    gsub(/[ \t\n\r]/, "", caps)
    if (caps == "") return 0
    # Commas inside an init-capture (f(a, b)) are rare; split on every comma.
    m = split(caps, parts, ",")
    for (k = 1; k <= m; k++) {
        item = parts[k]
        if (item == "&" || item == "this") continue
        if (item ~ /^&[A-Za-z_]/) continue
        if (item ~ /^\.\.\./ || item ~ /^[A-Za-z0-9_]*\)/) continue  # pieces of a split call
        return 1
    }
    return 0
}
# Scans the operand of the co_await whose keyword ends at index p.
function scan_operand(p,    q, d, ch, pr, w, cl, b) {
    d = 0
    for (q = p + 1; q <= n; q++) {
        ch = c[q]
        if (ch == ";" && d == 0) return
        if (ch == ")" || ch == "]" || ch == "}") { d--; if (d < 0) return; continue }
        if (ch == "(") { d++; continue }
        if (ch == "[") {
            pr = prev_nonspace(q)
            w = word_ending_at(pr)
            if (pr > 0 && (is_ident(c[pr]) || c[pr] == ")" || c[pr] == "]") &&
                w != "co_await" && w != "return") { d++; continue }  # a subscript
            # A lambda: its captures, then its body is skipped (it is a function of its own).
            cl = match_close(q)
            caps = ""
            for (b = q + 1; b < cl; b++) caps = caps c[b]
            if (captures_by_copy(caps)) report(q, "a lambda capturing by copy (its closure is an aggregate temporary)")
            for (b = cl + 1; b <= n; b++) {
                if (c[b] == "(") { b = match_close(b); continue }
                if (c[b] == "{" || c[b] == ";" || c[b] == ")" || c[b] == ",") break
            }
            if (b <= n && c[b] == "{") q = match_close(b)
            else q = cl
            continue
        }
        if (ch == "{") {
            pr = prev_nonspace(q)
            if (pr > 0 && (is_ident(c[pr]) || c[pr] == ">")) {
                report(q, "a braced initialisation of a type")
            } else if (pr > 0 && (c[pr] == "(" || c[pr] == "," || c[pr] == "=")) {
                report(q, "a braced list (an aggregate or initializer_list temporary)")
            }
            q = match_close(q)  # one report per braced initialiser
            continue
        }
    }
}
function process(    i, j, t, ch, st, delim, k, nl) {
    if (fname == "") return
    # 1. The text, with comments and literals blanked (newlines kept) and line numbers.
    n = 0; st = 0; line = 1
    for (j = 1; j <= nlines; j++) {
        t = lines[j] "\n"
        for (k = 1; k <= length(t); k++) { n++; raw[n] = substr(t, k, 1); ln[n] = j }
    }
    for (i = 1; i <= n; i++) {
        ch = raw[i]
        if (st == 0) {
            if (ch == "/" && i < n && raw[i + 1] == "/") { st = 1; c[i] = " "; continue }
            if (ch == "/" && i < n && raw[i + 1] == "*") { st = 2; c[i] = " "; continue }
            if (ch == "R" && i < n && raw[i + 1] == "\"" && (i == 1 || !is_ident(raw[i - 1]))) {
                delim = ""
                for (k = i + 2; k <= n && raw[k] != "("; k++) delim = delim raw[k]
                st = 5; c[i] = " "; continue
            }
            if (ch == "\"") { st = 3; c[i] = "\""; continue }
            if (ch == "\047" && !(i > 1 && is_ident(raw[i - 1]) && raw[i - 1] ~ /[0-9]/)) {
                st = 4; c[i] = " "; continue
            }
            c[i] = ch
        } else if (st == 1) {
            if (ch == "\n") { st = 0; c[i] = ch } else c[i] = " "
        } else if (st == 2) {
            c[i] = (ch == "\n") ? ch : " "
            if (ch == "*" && i < n && raw[i + 1] == "/") { c[i + 1] = " "; i++; st = 0 }
        } else if (st == 3 || st == 4) {
            if (ch == "\\") { c[i] = " "; i++; c[i] = (raw[i] == "\n") ? "\n" : " "; continue }
            if ((st == 3 && ch == "\"") || (st == 4 && ch == "\047")) { c[i] = (st == 3) ? "\"" : " "; st = 0; continue }
            c[i] = (ch == "\n") ? ch : " "
        } else if (st == 5) {
            c[i] = (ch == "\n") ? ch : " "
            if (ch == ")") {
                k = length(delim)
                if (substr(rawjoin(i + 1, k + 1), 1, k + 1) == delim "\"") {
                    for (j = 1; j <= k + 1; j++) c[i + j] = " "
                    i += k + 1; st = 0
                }
            }
        }
    }
    # 2. Every co_await keyword.
    for (i = 1; i + 7 <= n; i++) {
        if (c[i] != "c" || c[i + 1] != "o" || c[i + 2] != "_") continue
        if (c[i+3] c[i+4] c[i+5] c[i+6] c[i+7] != "await") continue
        if ((i > 1 && is_ident(c[i - 1])) || (i + 8 <= n && is_ident(c[i + 8]))) continue
        scan_operand(i + 7)
    }
    delete raw; delete c; delete ln; delete lines; delete allowed
    nlines = 0
}
function rawjoin(from, len,    s, k) {
    s = ""
    for (k = 0; k < len && from + k <= n; k++) s = s raw[from + k]
    return s
}
FNR == 1 { process(); fname = FILENAME; nlines = 0; md = (FILENAME ~ /\.md$/); fence = 0 }
{
    text = $0
    if (md) {
        if (text ~ /^[ \t]*```/) {
            if (!fence && text ~ /^[ \t]*```[ \t]*(cpp|c\+\+|C\+\+|cxx)[ \t]*$/) fence = 1
            else fence = 0
            text = ""
        } else if (!fence) {
            text = ""
        }
    }
    lines[++nlines] = text
    if ($0 ~ /check-coawait: allow/) allowed[FNR] = 1
}
END { process(); exit bad }
' "${files[@]}"
