#pragma once
// A whole program in the docs (scripts/doc_examples.py), registered under its name in the
// weft_doc_examples binary, whose main.cpp runs it by that name.

namespace weft_doc {
struct Program {
    Program(const char* name, int (*main)());
    Program(const char* name, int (*main)(int, char**));
};
}  // namespace weft_doc
