#include "persist/lzf.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace ember::persist {

namespace {

constexpr size_t kMaxLiteral = 32;
constexpr size_t kMaxOffset = 8191;        // 13 bits
constexpr size_t kMaxMatch = 7 + 255 + 2;  // encoded length 7 + extension byte, plus 2
constexpr int kMaxHashBits = 14;
constexpr int kMinHashBits = 8;

inline uint32_t Hash3(const unsigned char* p, int bits) {
  uint32_t v = static_cast<uint32_t>(p[0]) << 16 | static_cast<uint32_t>(p[1]) << 8 | p[2];
  return (v * 2654435761u) >> (32 - bits);
}

}  // namespace

size_t LzfCompress(std::string_view in, char* out_chars, size_t out_cap) {
  const auto* src = reinterpret_cast<const unsigned char*>(in.data());
  auto* out = reinterpret_cast<unsigned char*>(out_chars);
  const size_t n = in.size();
  if (n == 0) return 0;
  // Positions + 1 of the last occurrence of each 3-byte hash (0: none). Sized to the input
  // (about two slots per byte, 256 to 16K) and reused by the thread: a 64-byte value must
  // not cost a 64 KB allocation and clear.
  int bits = kMinHashBits;
  while (bits < kMaxHashBits && (size_t{1} << bits) < 2 * n) ++bits;
  thread_local std::vector<uint32_t> table;
  table.assign(size_t{1} << bits, 0);
  size_t op = 0;
  size_t lit_start = 0;  // first byte of the pending literal run
  size_t ip = 0;
  // Emits src[lit_start, end) as literal runs of at most 32 bytes.
  auto flush_literals = [&](size_t end) -> bool {
    while (lit_start < end) {
      size_t run = std::min(kMaxLiteral, end - lit_start);
      if (op + 1 + run > out_cap) return false;
      out[op++] = static_cast<unsigned char>(run - 1);
      memcpy(out + op, src + lit_start, run);
      op += run;
      lit_start += run;
    }
    return true;
  };
  while (ip + 2 < n) {
    uint32_t h = Hash3(src + ip, bits);
    size_t cand = table[h];
    table[h] = static_cast<uint32_t>(ip + 1);
    if (cand != 0) {
      size_t ref = cand - 1;
      size_t off = ip - ref - 1;
      if (off <= kMaxOffset && memcmp(src + ref, src + ip, 3) == 0) {
        size_t len = 3;
        size_t max = std::min(kMaxMatch, n - ip);
        while (len < max && src[ref + len] == src[ip + len]) ++len;
        if (!flush_literals(ip)) return 0;
        size_t l = len - 2;
        if (l < 7) {
          if (op + 2 > out_cap) return 0;
          out[op++] = static_cast<unsigned char>((l << 5) | (off >> 8));
        } else {
          if (op + 3 > out_cap) return 0;
          out[op++] = static_cast<unsigned char>((7 << 5) | (off >> 8));
          out[op++] = static_cast<unsigned char>(l - 7);
        }
        out[op++] = static_cast<unsigned char>(off & 0xff);
        // Index a few positions inside the match so later repeats find it.
        size_t end = ip + len;
        for (size_t k = ip + 1; k < end && k + 2 < n; ++k)
          table[Hash3(src + k, bits)] = static_cast<uint32_t>(k + 1);
        ip = end;
        lit_start = ip;
        continue;
      }
    }
    ++ip;
  }
  if (!flush_literals(n)) return 0;
  return op;
}

bool LzfDecompress(std::string_view in, size_t out_len, std::string* out) {
  const auto* ip = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = ip + in.size();
  out->resize(out_len);
  auto* dst = reinterpret_cast<unsigned char*>(out->data());
  size_t op = 0;
  while (ip < end) {
    size_t c = *ip++;
    if (c < 32) {
      size_t run = c + 1;
      if (static_cast<size_t>(end - ip) < run || out_len - op < run) return false;
      memcpy(dst + op, ip, run);
      ip += run;
      op += run;
      continue;
    }
    size_t len = c >> 5;
    if (len == 7) {
      if (ip == end) return false;
      len += *ip++;
    }
    if (ip == end) return false;
    size_t back = ((c & 31) << 8) + *ip++ + 1;
    len += 2;
    if (back > op || out_len - op < len) return false;
    // Byte by byte: the source may overlap the destination (run-length style references).
    for (size_t k = 0; k < len; ++k, ++op) dst[op] = dst[op - back];
  }
  return op == out_len;
}

}  // namespace ember::persist
