#include "function_name.hpp"

#include <string_view>

namespace weft::detail {

std::string short_function(const char* f) {
    if (f == nullptr) return {};
    std::string_view s(f);
    // The parameter list: the first '(' outside template brackets.
    int depth = 0;
    std::size_t open = std::string_view::npos;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '<') ++depth;
        if (c == '>' && depth > 0) --depth;
        if (c == '(' && depth == 0) {
            open = i;
            break;
        }
    }
    if (open == std::string_view::npos) return std::string(s);
    std::string_view head = s.substr(0, open);
    // The return type ends at the last space outside template brackets.
    depth = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < head.size(); ++i) {
        char c = head[i];
        if (c == '<') ++depth;
        if (c == '>' && depth > 0) --depth;
        if (c == ' ' && depth == 0) start = i + 1;
    }
    return std::string(head.substr(start));
}

}  // namespace weft::detail
