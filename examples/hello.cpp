// Hello world: an async function awaiting another, driven by block_on.
#include <cstdio>
#include <string>

#include "weft/weft.hpp"

weft::Task<std::string> greeting(std::string name) {
    co_return "hello, " + name;
}

weft::Task<int> async_main() {
    std::string text = co_await greeting("weft");
    std::printf("%s\n", text.c_str());
    co_return 0;
}

int main() {
    return weft::block_on(async_main());
}
