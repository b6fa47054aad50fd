#!/bin/sh
# Compiler launcher for the docs' snippets (tests/doc_examples.cmake): runs the compile command
# it is given with -fsyntax-only, which checks the code in full but writes no object, then
# leaves an empty object file so the build sees the step done. Snippets are never run, so the
# names they assume (tests/doc_examples/context.hpp) need no definitions. A unit that fails
# loses its object, which test doc_examples.compiled looks for.
out=""
prev=""
for arg in "$@"; do
    [ "$prev" = "-o" ] && out="$arg"
    prev="$arg"
done
[ -z "$out" ] || rm -f "$out"
"$@" -fsyntax-only || exit
[ -z "$out" ] || : >"$out"
