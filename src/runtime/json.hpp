#pragma once
// Internal: JSON string escaping, the one home for it (task dumps, metrics' consumers, the
// console). Defined in dump.cpp.

#include <string>
#include <string_view>

namespace weft::detail {

/// Appends `s` to `out` as a JSON string literal (quotes, backslashes and control characters
/// escaped; other bytes, UTF-8 included, as they are).
void append_json_string(std::string& out, std::string_view s);

}  // namespace weft::detail
