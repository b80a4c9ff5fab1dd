// LZF, the byte-oriented LZ77 variant RDB files use for long strings.
//
// Stream format: a control byte c, then
//   c < 32:  a literal run of c + 1 bytes follows;
//   c >= 32: a back reference: length L = c >> 5 (if L == 7, L += next byte), offset
//            O = ((c & 31) << 8) + next byte; copy L + 2 bytes starting O + 1 bytes back.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ember::persist {

// Compresses `in` into out[0, out_cap). Returns the compressed size, or 0 when the result
// would not fit in out_cap bytes (the caller then stores the string uncompressed).
size_t LzfCompress(std::string_view in, char* out, size_t out_cap);

// Decompresses `in`, which must expand to exactly `out_len` bytes, into *out. Returns false
// on malformed input (a reference before the start, a run past either end, a size
// mismatch); never reads or writes out of bounds.
bool LzfDecompress(std::string_view in, size_t out_len, std::string* out);

}  // namespace ember::persist
