#pragma once
/// \file
/// `RawWaker` and `RawWakerVTable`: the untyped parts a `Waker` is built from.

namespace weft {

struct RawWakerVTable;

/// A data pointer plus the table of functions that act on it: Rust's `RawWaker`.
///
/// Build one to make your own wakers (see `Waker::from_raw`). `data` is whatever the vtable's
/// functions need: a task header, a thread parker, a counter.
struct RawWaker {
    const void* data = nullptr;
    const RawWakerVTable* vtable = nullptr;
};

/// The four operations of a waker, Rust's `RawWakerVTable`.
///
/// - `clone(data)`: make another handle to the same wake target (usually a refcount increment).
/// - `wake(data)`: wake the target *and* release this handle (consumes).
/// - `wake_by_ref(data)`: wake the target, keep this handle.
/// - `drop(data)`: release this handle without waking.
///
/// Every function must be callable from any thread: wakers cross threads freely.
///
/// ```cpp
/// static weft::RawWaker counting_clone(const void* p);
/// static void counting_wake(const void* p);
/// static void counting_wake_by_ref(const void* p);
/// static void counting_drop(const void* p);
/// constexpr weft::RawWakerVTable kCounting{counting_clone, counting_wake,
///                                           counting_wake_by_ref, counting_drop};
/// ```
struct RawWakerVTable {
    RawWaker (*clone)(const void* data);
    void (*wake)(const void* data);
    void (*wake_by_ref)(const void* data);
    void (*drop)(const void* data);
};

}  // namespace weft
