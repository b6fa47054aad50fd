#include "weft/detail/io/io_source.hpp"

#include <unistd.h>

namespace weft::detail {

IoSource::IoSource(int fd, const char* what, bool lazy) {
    IoDriver* d = IoDriver::current();
    try {
        if (d == nullptr) IoDriver::current_or_throw(what);  // throws the logic_error
        io_ = d->register_fd(fd, lazy);
    } catch (...) {
        ::close(fd);
        throw;
    }
    d->add_ref();
    driver_ = d;
    fd_ = fd;
}

IoSource IoSource::borrow(int fd, const char* what) {
    IoDriver& d = IoDriver::current_or_throw(what);
    IoSource s;
    s.io_ = d.register_fd(fd);
    d.add_ref();
    s.driver_ = &d;
    s.fd_ = fd;
    return s;
}

int IoSource::release() noexcept {
    if (fd_ < 0) return -1;
    driver_->deregister(io_);
    driver_->release();
    driver_ = nullptr;
    io_ = nullptr;
    return std::exchange(fd_, -1);
}

void IoSource::reset() noexcept {
    if (fd_ < 0) return;
    driver_->deregister(io_);  // before close: the number may be reused at once
    ::close(fd_);
    driver_->release();
    driver_ = nullptr;
    io_ = nullptr;
    fd_ = -1;
}

}  // namespace weft::detail
