#pragma once
// Helpers shared by the I/O tests: every test runs on both I/O drivers and both runtime
// flavours.

#include <gtest/gtest.h>

#include <string>

#include "weft/weft.hpp"

namespace weft_test {

struct IoParam {
    weft::IoDriverKind driver;
    bool current_thread;
};

inline weft::Runtime io_runtime(const IoParam& p) {
    auto b = p.current_thread ? weft::RuntimeBuilder::new_current_thread()
                              : weft::Runtime::builder().worker_threads(2);
    return b.io_driver(p.driver).build();
}

inline std::string io_param_name(const testing::TestParamInfo<IoParam>& info) {
    return std::string(weft::to_string(info.param.driver)) +
           (info.param.current_thread ? "_current" : "_multi");
}

inline auto all_io_params() {
    return testing::Values(
        IoParam{weft::IoDriverKind::Epoll, true}, IoParam{weft::IoDriverKind::Epoll, false},
        IoParam{weft::IoDriverKind::Uring, true}, IoParam{weft::IoDriverKind::Uring, false});
}

}  // namespace weft_test
