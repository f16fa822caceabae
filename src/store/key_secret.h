// Key secrets: generation (kernel randomness), SHA-256 for storage, and the short prefix shown to people.
#pragma once

#include <string>

#include "base/status.h"

namespace glassbox::store {

// "gb-" + 43 base64url characters holding 32 bytes from getrandom(2).
Result<std::string> generate_secret();
// Lower-case hex SHA-256 of `text` (64 characters). The store keeps only this.
std::string sha256_hex(const std::string& text);
// The part of a secret that is safe to display and to name a key by: its first 11 characters.
std::string secret_prefix(const std::string& secret);
// Equality that takes the same time wherever the strings differ (for comparing secrets and hashes).
bool constant_time_equal(const std::string& a, const std::string& b);

}  // namespace glassbox::store
