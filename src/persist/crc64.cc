#include "persist/crc64.h"

#include <array>

namespace ember::persist {

namespace {

// Reflected CRC: the polynomial's bits are reversed and the register shifts right. Eight
// tables let the loop consume eight bytes per step (slicing-by-8).
constexpr uint64_t Reverse64(uint64_t v) {
  uint64_t r = 0;
  for (int i = 0; i < 64; ++i) {
    r = (r << 1) | (v & 1);
    v >>= 1;
  }
  return r;
}

constexpr uint64_t kPolyReflected = Reverse64(0xad93d23594c935a9ULL);

struct Tables {
  std::array<std::array<uint64_t, 256>, 8> t{};
  constexpr Tables() {
    for (uint64_t b = 0; b < 256; ++b) {
      uint64_t c = b;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
      t[0][b] = c;
    }
    for (size_t b = 0; b < 256; ++b) {
      for (size_t s = 1; s < 8; ++s) t[s][b] = (t[s - 1][b] >> 8) ^ t[0][t[s - 1][b] & 0xff];
    }
  }
};

constexpr Tables kTables;

}  // namespace

uint64_t Crc64(uint64_t crc, std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  const auto& t = kTables.t;
  while (n >= 8) {
    uint64_t v = crc;
    for (int i = 0; i < 8; ++i) v ^= static_cast<uint64_t>(p[i]) << (8 * i);
    crc = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^ t[4][(v >> 24) & 0xff] ^
          t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff] ^ t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

}  // namespace ember::persist
