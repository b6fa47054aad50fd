// The current spawner (spawner.hpp): the executor weft::spawn targets on this thread. Every
// executor enters it (LocalExecutor::run, both runtimes' threads and block_on).

#include "weft/detail/task/spawner.hpp"

namespace weft::detail {

namespace {
constinit thread_local Spawner* tl_spawner = nullptr;
}  // namespace

Spawner* current_spawner() noexcept {
    return tl_spawner;
}
SpawnerScope::SpawnerScope(Spawner* s) noexcept : prev_(tl_spawner) {
    tl_spawner = s;
}
SpawnerScope::~SpawnerScope() {
    tl_spawner = prev_;
}

}  // namespace weft::detail
