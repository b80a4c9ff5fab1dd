#pragma once

// Inlined: keys are short, and the library call's dispatch costs more than hashing them.
// Same function and values as libxxhash's XXH3_64bits.
#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

#include <cstdint>
#include <string_view>

namespace ember {

// The key hash: partition from the top bits, bucket from the low bits.
inline uint64_t HashKey(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

}  // namespace ember
