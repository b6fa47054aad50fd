#include "weft/io/error.hpp"

namespace weft::io {

namespace {
class IoCategory final : public std::error_category {
  public:
    const char* name() const noexcept override { return "weft.io"; }
    std::string message(int c) const override {
        switch (static_cast<Errc>(c)) {
            case Errc::unexpected_eof:
                return "unexpected end of stream";
            case Errc::write_zero:
                return "write accepted zero bytes";
        }
        return "unknown weft.io error";
    }
};
}  // namespace

const std::error_category& io_category() noexcept {
    static const IoCategory category;
    return category;
}

}  // namespace weft::io

namespace weft::detail {

void throw_os_error(int err, const std::string& what) {
    throw std::system_error(err, std::system_category(), what);
}

}  // namespace weft::detail
