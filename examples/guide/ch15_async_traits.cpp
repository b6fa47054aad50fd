// ch15_async_traits: an "async interface" in C++ is a virtual function that returns a
// weft::Task<T>. This program calls two implementations through one base class, shows how a
// member coroutine keeps `this` alive (and how not to), and compares the virtual interface
// with a concept (static polymorphism). Run it with no arguments.
#include <chrono>
#include <concepts>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

// ---- 1. The interface: virtual functions that return Task<T> ----

class Store {
  public:
    virtual ~Store() = default;
    virtual weft::Task<std::optional<std::string>> get(std::string key) = 0;
    virtual weft::Task<void> set(std::string key, std::string value) = 0;
};

// Answers at once: its coroutines never suspend.
class MemoryStore : public Store {
  public:
    weft::Task<std::optional<std::string>> get(std::string key) override {
        auto it = data_.find(key);
        if (it == data_.end()) co_return std::nullopt;
        co_return it->second;
    }
    weft::Task<void> set(std::string key, std::string value) override {
        data_[std::move(key)] = std::move(value);
        co_return;
    }

  private:
    std::map<std::string, std::string> data_;
};

// Pretends to be across a network: every call waits 10 ms, then asks the store it wraps.
class SlowStore : public Store {
  public:
    explicit SlowStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}
    weft::Task<std::optional<std::string>> get(std::string key) override {
        co_await weft::time::sleep(10ms);
        co_return co_await inner_->get(std::move(key));
    }
    weft::Task<void> set(std::string key, std::string value) override {
        co_await weft::time::sleep(10ms);
        co_await inner_->set(std::move(key), std::move(value));
    }

  private:
    std::unique_ptr<Store> inner_;
};

// Generic code sees only the base class: the call is a virtual call, its result a Task.
weft::Task<int> count_found(Store& store, std::vector<std::string> keys) {
    int found = 0;
    for (auto& key : keys) {
        if (co_await store.get(key)) ++found;
    }
    co_return found;
}

// ---- 2. `this` in a member coroutine ----

class Counter {
  public:
    // The Task's frame stores `this` (a plain pointer), not a copy of the Counter.
    weft::Task<int> add_slowly(int n) {
        co_await weft::time::sleep(1ms);
        total_ += n;
        co_return total_;
    }

  private:
    int total_ = 0;
};

// WRONG, compiled but never called: the Counter dies when this function returns, and the
// task it returns still points at it. Awaiting the task writes into freed stack memory.
weft::Task<int> dangling_counter_task() {
    Counter c;
    return c.add_slowly(1);  // returns a Task holding &c; c is destroyed right after
}

// Fix A: shared ownership. The coroutine takes a shared_ptr by value, so its frame keeps the
// object alive for as long as the task exists.
class SharedCounter : public std::enable_shared_from_this<SharedCounter> {
  public:
    weft::Task<int> add_slowly(int n) { return add_slowly_impl(shared_from_this(), n); }

  private:
    static weft::Task<int> add_slowly_impl(std::shared_ptr<SharedCounter> self, int n) {
        co_await weft::time::sleep(1ms);
        self->total_ += n;
        co_return self->total_;
    }
    int total_ = 0;
};

weft::Task<int> shared_counter_task() {
    auto c = std::make_shared<SharedCounter>();
    return c->add_slowly(1);  // fine: the task holds a reference count
}

// Fix B: let the task own the object. weft::spawn keeps the callable (and so its captures)
// alive for as long as the coroutine it returned is running.
weft::JoinHandle<int> spawn_owning_counter() {
    Counter c;
    return weft::spawn(
        [c = std::move(c)]() mutable -> weft::Task<int> { co_return co_await c.add_slowly(2); });
}

// ---- 3. Type erasure, and the static alternative ----

// A hand-written future (no coroutine): ready at its first poll.
struct FortyTwo {
    using Output = int;
    weft::Poll<int> poll(weft::Context&) { return 42; }
};

// Task<T> is weft's type-erased future: any coroutine body, or any future awaited inside one,
// becomes the same type.
weft::Task<int> erase(FortyTwo f) {
    co_return co_await f;
}
weft::Task<int> seven() {
    co_return 7;
}

// Static polymorphism: any type whose get() returns a future of optional<string>.
template <class S>
concept AsyncStore = requires(S& s, std::string key) {
    { s.get(key) } -> weft::Future;
    requires std::same_as<weft::output_t<decltype(s.get(key))>, std::optional<std::string>>;
};

// One copy of this function per store type: no virtual call, and the compiler sees the body.
template <AsyncStore S>
weft::Task<int> count_found_static(S& store, std::vector<std::string> keys) {
    int found = 0;
    for (auto& key : keys) {
        if (co_await store.get(key)) ++found;
    }
    co_return found;
}

// Satisfies AsyncStore without a coroutine: get() returns a ready future by value, so a call
// allocates nothing. It cannot derive from Store: its get() has another return type.
struct FixedStore {
    weft::ReadyFuture<std::optional<std::string>> get(const std::string& key) {
        if (key == "ann") return weft::ready(std::optional<std::string>("admin"));
        return weft::ready(std::optional<std::string>());
    }
};

int main() {
    return weft::run([]() -> weft::Task<int> {
        // 1. Two implementations behind one interface.
        std::vector<std::unique_ptr<Store>> stores;
        stores.push_back(std::make_unique<MemoryStore>());
        stores.push_back(std::make_unique<SlowStore>(std::make_unique<MemoryStore>()));
        for (auto& store : stores) {
            co_await store->set("ann", "admin");
            co_await store->set("bob", "user");
            auto start = std::chrono::steady_clock::now();
            std::vector<std::string> keys{"ann", "bob", "cyd"};
            int found = co_await count_found(*store, std::move(keys));
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start);
            std::printf("%-12s found %d of 3 keys in %lld ms\n",
                        dynamic_cast<SlowStore*>(store.get()) ? "SlowStore" : "MemoryStore", found,
                        static_cast<long long>(ms.count()));
        }

        // 2. `this` kept alive by a shared_ptr, or owned by the task.
        int a = co_await shared_counter_task();
        int b = co_await spawn_owning_counter();
        std::printf("shared counter: %d, owned counter: %d\n", a, b);

        // 3. Different bodies, one type: a vector of Task<int>.
        std::vector<weft::Task<int>> tasks;
        tasks.push_back(erase(FortyTwo{}));
        tasks.push_back(seven());
        std::vector<int> outs = co_await weft::join_all(std::move(tasks));
        std::printf("erased futures gave %d and %d\n", outs[0], outs[1]);

        MemoryStore direct;
        co_await direct.set("ann", "admin");
        std::vector<std::string> keys{"ann", "zed"};
        int found = co_await count_found_static(direct, std::move(keys));
        FixedStore fixed;
        std::vector<std::string> more{"ann", "bob"};
        int fixed_found = co_await count_found_static(fixed, std::move(more));
        std::printf("static dispatch found %d of 2 keys, then %d of 2\n", found, fixed_found);
        co_return 0;
    });
}
