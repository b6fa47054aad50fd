#pragma once
// A fresh directory for a test's files (sockets, files), made with mkdtemp under the system's
// temporary directory and removed with everything in it at the end of the test.

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>

namespace weft_test {

class TempDir {
  public:
    /// `prefix` starts the directory's name: "weft-fs" makes /tmp/weft-fs-XXXXXX.
    explicit TempDir(const char* prefix) {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            throw std::system_error(errno, std::system_category(), "mkdtemp");
        }
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& get() const noexcept { return path_; }
    std::filesystem::path operator/(const char* name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

}  // namespace weft_test
