#pragma once
/// \file
/// Umbrella header: everything in weft.

#include "weft/coro/task.hpp"
#include "weft/executor/block_on.hpp"
#include "weft/executor/local_executor.hpp"
#include "weft/future/future.hpp"
#include "weft/future/join.hpp"
#include "weft/future/join_all.hpp"
#include "weft/future/pending.hpp"
#include "weft/future/pin_check.hpp"
#include "weft/future/poll_fn.hpp"
#include "weft/future/ready.hpp"
#include "weft/future/select.hpp"
#include "weft/future/try_join.hpp"
#include "weft/task/context.hpp"
#include "weft/task/join_error.hpp"
#include "weft/task/join_handle.hpp"
#include "weft/task/poll.hpp"
#include "weft/task/raw_waker.hpp"
#include "weft/task/waker.hpp"
#include "weft/task/yield_now.hpp"
