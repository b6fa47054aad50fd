#pragma once
/// \file
/// `MissedTickBehavior`: what an `Interval` does after it fell behind.

namespace weft::time {

/// What an `Interval` does when ticks were missed (the task was busy or the machine slow, and
/// `tick()` was awaited more than 5 ms after a tick was due). Tokio's semantics.
///
/// With a period of 10 ms, ticks due at 0, 10, 20, ..., and a tick taken late at 35 ms:
/// - `Burst` (default): the missed ticks come at once (20 and 30 complete immediately), then
///   40, 50, ...: the total number of ticks catches up.
/// - `Delay`: the schedule restarts from the late tick: 45, 55, ...
/// - `Skip`: the missed ticks are dropped and the schedule stays on its grid: 40, 50, ...
///
/// ```cpp
/// auto iv = weft::time::interval(10ms);
/// iv.set_missed_tick_behavior(weft::time::MissedTickBehavior::Skip);
/// ```
enum class MissedTickBehavior { Burst, Delay, Skip };

}  // namespace weft::time
