#pragma once
// Internal: makes a runtime current on the calling thread for a scope. Every thread that runs
// a runtime's code enters its drivers (timers and sockets register with them); its own
// threads and block_on also enter its spawner (weft::spawn). A driver added to the runtime is
// entered here, once, instead of at every such place.

#include "weft/detail/task/driving.hpp"
#include "weft/detail/io/io_driver.hpp"
#include "weft/detail/task/spawner.hpp"
#include "weft/detail/time/time_driver.hpp"

namespace weft::detail {

class EnterDrivers {
  public:
    EnterDrivers(TimeDriver* time, IoDriver* io) noexcept : time_(time), io_(io) {}

  private:
    TimeDriver::Enter time_;
    IoDriver::Enter io_;
};

class EnterRuntime {
  public:
    EnterRuntime(Spawner* spawner, TimeDriver* time, IoDriver* io) noexcept
        : spawner_(spawner), drivers_(time, io) {}

  private:
    SpawnerScope spawner_;
    EnterDrivers drivers_;
};

}  // namespace weft::detail
