#pragma once
/// \file
/// `Command`: a builder for a child process (Tokio's `tokio::process::Command`), `Stdio` and
/// `Output`.

#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weft/coro/task.hpp"
#include "weft/process/child.hpp"

namespace weft::process {

/// What a child's stdin, stdout or stderr is connected to.
class Stdio {
  public:
    enum class Kind { Inherit, Null, Piped };
    /// The parent's own descriptor.
    static Stdio inherit() noexcept { return Stdio(Kind::Inherit); }
    /// /dev/null.
    static Stdio null() noexcept { return Stdio(Kind::Null); }
    /// A new pipe; the parent's end appears in `Child::stdin`/`stdout`/`stderr`.
    static Stdio piped() noexcept { return Stdio(Kind::Piped); }
    Kind kind() const noexcept { return kind_; }

  private:
    explicit Stdio(Kind k) noexcept : kind_(k) {}
    Kind kind_;
};

/// What `Command::output` collects: the status and everything the child wrote to its stdout
/// and stderr (bytes as they came, in `std::string`s).
struct Output {
    ExitStatus status;
    std::string stdout;
    std::string stderr;
};

/// A child process to start: Tokio's `tokio::process::Command`. The setters return the
/// command, for chaining; a command may be spawned many times.
///
/// ```cpp
/// weft::process::Command cmd("sh");
/// cmd.arg("-c").arg("echo hi; echo oops >&2");
/// weft::process::Output out = co_await cmd.output();
/// // out.status.success(), out.stdout == "hi\n", out.stderr == "oops\n"
/// ```
///
/// A `program` without a `/` is looked up in the parent's `PATH` (posix_spawnp(3)), even when
/// `env` changes `PATH` for the child. Every descriptor weft opens is close-on-exec; the child
/// gets only its stdin, stdout and stderr, and whatever the application left inheritable. The
/// child starts with an empty signal mask and `SIGPIPE` at its default action.
class Command {
  public:
    /// A command that runs `program` with no arguments, the parent's environment and working
    /// directory, and stdin, stdout and stderr inherited (for `spawn` and `status`).
    explicit Command(std::string program) : program_(std::move(program)) {}

    /// Adds one argument.
    Command& arg(std::string a) {
        args_.push_back(std::move(a));
        return *this;
    }
    /// Adds several arguments.
    Command& args(std::initializer_list<std::string_view> as) {
        for (std::string_view a : as)
            args_.emplace_back(a);
        return *this;
    }
    template <class Range>
    Command& args(const Range& as) {
        for (const auto& a : as)
            args_.emplace_back(a);
        return *this;
    }
    /// Sets `key=value` in the child's environment.
    Command& env(std::string key, std::string value) {
        env_[std::move(key)] = std::move(value);
        return *this;
    }
    /// Sets several variables.
    template <class Range>
    Command& envs(const Range& kvs) {
        for (const auto& [k, v] : kvs)
            env_[std::string(k)] = std::string(v);
        return *this;
    }
    /// Removes `key` from the child's environment.
    Command& env_remove(std::string key) {
        env_[std::move(key)] = std::nullopt;
        return *this;
    }
    /// Starts the child's environment empty (variables set afterwards still apply).
    Command& env_clear() {
        env_.clear();
        env_clear_ = true;
        return *this;
    }
    /// The child's working directory.
    Command& current_dir(std::filesystem::path dir) {
        cwd_ = std::move(dir);
        return *this;
    }
    /// What the child's stdin is (default: inherit, or null for `output`).
    Command& stdin(Stdio s) noexcept {
        stdin_ = s;
        return *this;
    }
    /// What the child's stdout is (default: inherit; `output` always pipes it).
    Command& stdout(Stdio s) noexcept {
        stdout_ = s;
        return *this;
    }
    /// What the child's stderr is (default: inherit; `output` always pipes it).
    Command& stderr(Stdio s) noexcept {
        stderr_ = s;
        return *this;
    }
    /// Whether dropping the `Child` (or a cancelled `output`/`status`) sends it `SIGKILL`
    /// (default: false; the child keeps running and is reaped when it exits).
    Command& kill_on_drop(bool on) noexcept {
        kill_on_drop_ = on;
        return *this;
    }

    /// Starts the child. Needs a runtime (its pipes and pidfd are registered with the current
    /// runtime's I/O driver).
    ///
    /// **Throws** `std::system_error` naming the program: `std::errc::no_such_file_or_directory`
    /// for a missing program, `EACCES` for one that cannot be run, `EMFILE` when the process is
    /// out of descriptors (nothing is left behind: every descriptor is closed, and a child that
    /// was started is killed and reaped); `std::logic_error` outside a runtime.
    Child spawn() const;
    /// Runs the child to its end and collects its stdout and stderr (read concurrently, so a
    /// child filling both pipes cannot deadlock). stdin is /dev/null unless set. The child is
    /// spawned at the first poll; spawn errors are thrown by the `co_await`.
    ///
    /// **Cancel safety:** dropping it drops the `Child`: with `kill_on_drop(true)` the child is
    /// killed, else it runs on (and is reaped when it exits); what it wrote so far is lost.
    Task<Output> output() const;
    /// Runs the child to its end and returns its status; stdin, stdout and stderr are
    /// inherited unless set (a pipe asked for is closed at once). Cancel safety as `output`.
    Task<ExitStatus> status() const;

    /// The program, as given.
    const std::string& get_program() const noexcept { return program_; }
    /// The arguments (without the program).
    const std::vector<std::string>& get_args() const noexcept { return args_; }

  private:
    Child spawn_with(Stdio in, Stdio out, Stdio err) const;
    static Task<Output> run_output(Command cmd);
    static Task<ExitStatus> run_status(Command cmd);

    std::string program_;
    std::vector<std::string> args_;
    std::map<std::string, std::optional<std::string>> env_;  // nullopt: removed
    bool env_clear_ = false;
    std::optional<std::filesystem::path> cwd_;
    std::optional<Stdio> stdin_, stdout_, stderr_;
    bool kill_on_drop_ = false;
};

}  // namespace weft::process
