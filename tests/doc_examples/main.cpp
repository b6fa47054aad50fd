// The runner of the docs' whole programs (scripts/doc_examples.py): every ```cpp block with a
// main() is compiled into this binary under its own name, and `weft_doc_examples NAME` runs it
// (ctest runs each one so). `weft_doc_examples --list` names them.
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "program.hpp"

namespace weft_doc {
namespace {
struct Entry {
    int (*main0)() = nullptr;
    int (*main2)(int, char**) = nullptr;
};
std::map<std::string, Entry>& programs() {
    static std::map<std::string, Entry> all;
    return all;
}
}  // namespace

Program::Program(const char* name, int (*main)()) {
    programs()[name].main0 = main;
}
Program::Program(const char* name, int (*main)(int, char**)) {
    programs()[name].main2 = main;
}
}  // namespace weft_doc

int main(int argc, char** argv) {
    if (argc < 2 || std::strcmp(argv[1], "--list") == 0) {
        for (const auto& [name, entry] : weft_doc::programs())
            std::printf("%s\n", name.c_str());
        return 0;
    }
    auto it = weft_doc::programs().find(argv[1]);
    if (it == weft_doc::programs().end()) {
        std::fprintf(stderr, "no doc example named %s\n", argv[1]);
        return 2;
    }
    if (it->second.main0 != nullptr) return it->second.main0();
    return it->second.main2(argc - 1, argv + 1);
}
