// Built against an installed weft through find_package(weft): proves the exported target works.
#include <weft/weft.hpp>

weft::Task<int> inner() {
    co_return 20;
}
weft::Task<int> outer() {
    co_return 1 + co_await inner();
}

int main() {
    weft::LocalExecutor ex;
    int v = ex.run([&]() -> weft::Task<int> { co_return co_await ex.spawn(outer()) * 2; });
    return v == 42 ? 0 : 1;
}
