#pragma once

#include <xxhash.h>

#include <cstdint>
#include <string_view>

namespace ember {

// The key hash: partition from the top bits, bucket from the low bits.
inline uint64_t HashKey(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

}  // namespace ember
