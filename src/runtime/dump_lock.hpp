#pragma once
// Internal: one task dump at a time (dump.cpp). A multi-thread runtime's shutdown cancels tasks
// without claiming them (no poll can race with it then, but a dump could), so it excludes
// dumps too, with the same lock, as does a spawn that finds the runtime closed. Those may nest
// on one thread (a destructor run by the shutdown spawns): the lock is taken once per thread.

#include <mutex>

namespace weft::detail {

std::mutex& dump_mutex() noexcept;

class DumpExclusion {
  public:
    DumpExclusion() {
        if (!held_here_) {
            dump_mutex().lock();
            held_here_ = owner_ = true;
        }
    }
    ~DumpExclusion() {
        if (owner_) {
            held_here_ = false;
            dump_mutex().unlock();
        }
    }
    DumpExclusion(const DumpExclusion&) = delete;
    DumpExclusion& operator=(const DumpExclusion&) = delete;

  private:
    static inline thread_local bool held_here_ = false;
    bool owner_ = false;
};

}  // namespace weft::detail
