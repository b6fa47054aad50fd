#pragma once
/// \file
/// `RuntimeFlavor`: which scheduler a `Runtime` runs its tasks on.

namespace weft {

/// Which scheduler a `Runtime` uses: Tokio's `RuntimeFlavor`.
///
/// ```cpp
/// weft::Runtime rt = weft::RuntimeBuilder::new_current_thread().build();
/// assert(rt.flavor() == weft::RuntimeFlavor::CurrentThread);
/// ```
enum class RuntimeFlavor {
    CurrentThread,  ///< every task runs on the thread inside `block_on`
    MultiThread,    ///< a pool of worker threads with work stealing
};

}  // namespace weft
