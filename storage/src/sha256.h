// SHA-256 through OpenSSL, for the audit chain.
// Thread contract: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace vigil::storage {

inline constexpr size_t kSha256Size = 32;
std::string sha256(std::string_view data);  // 32 raw bytes
std::string to_hex(std::string_view bytes);
std::string from_hex(std::string_view hex);  // empty on bad input

}  // namespace vigil::storage
