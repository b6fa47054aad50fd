#pragma once
// Shared by weft's bench programs: key=value arguments, repeated timing, the peers' line format.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline std::map<std::string, std::string> parse(int argc, char** argv) {
    std::map<std::string, std::string> kv;
    for (int i = 2; i < argc; ++i) {
        const char* eq = std::strchr(argv[i], '=');
        if (eq) kv[std::string(argv[i], static_cast<std::size_t>(eq - argv[i]))] = eq + 1;
    }
    return kv;
}
inline long arg(const std::map<std::string, std::string>& kv, const char* k, long def) {
    auto it = kv.find(k);
    return it == kv.end() ? def : std::atol(it->second.c_str());
}
inline std::string str(const std::map<std::string, std::string>& kv, const char* k,
                       const char* def) {
    auto it = kv.find(k);
    return it == kv.end() ? def : it->second;
}

struct Timing {
    double median, min, max;
};
template <class F>
inline Timing repeat(long iters, F&& body) {
    std::vector<double> secs;
    for (long i = 0; i < iters; ++i)
        secs.push_back(body());
    std::sort(secs.begin(), secs.end());
    return {secs[secs.size() / 2], secs.front(), secs.back()};
}
inline double since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

inline long status_kb(const char* key) {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind(key, 0) == 0) return std::atol(line.c_str() + std::strlen(key));
    }
    return -1;
}

inline void print(const char* bench, const std::string& params, double ops, Timing t) {
    std::printf("bench=%s impl=weft %s secs=%.4f min_secs=%.4f max_secs=%.4f per_sec=%.3e\n", bench,
                params.c_str(), t.median, t.min, t.max, ops / t.median);
}

}  // namespace bench
