// Constants of the RDB file format (version 10, as Redis 7.0 writes it). See
// docs/snapshot_format.md for the layout.
#pragma once

#include <cstdint>
#include <string_view>

namespace ember::persist {

inline constexpr int kRdbVersion = 10;
inline constexpr std::string_view kRdbMagic = "REDIS";

// Value type bytes (a key record starts with one of these).
enum RdbType : uint8_t {
  kRdbString = 0,
  kRdbList = 1,
  kRdbSet = 2,
  kRdbZSet = 3,
  kRdbHash = 4,
  kRdbZSet2 = 5,
  kRdbModule = 6,
  kRdbModule2 = 7,
  kRdbHashZipmap = 9,
  kRdbListZiplist = 10,
  kRdbSetIntset = 11,
  kRdbZSetZiplist = 12,
  kRdbHashZiplist = 13,
  kRdbListQuicklist = 14,
  kRdbStreamListpacks = 15,
  kRdbHashListpack = 16,
  kRdbZSetListpack = 17,
  kRdbListQuicklist2 = 18,
  kRdbStreamListpacks2 = 19,
  kRdbTypeCount = 20,
};

// Opcodes (never valid type bytes).
enum RdbOpcode : uint8_t {
  kRdbOpFunction2 = 245,
  kRdbOpFunctionPreGa = 246,
  kRdbOpModuleAux = 247,
  kRdbOpIdle = 248,
  kRdbOpFreq = 249,
  kRdbOpAux = 250,
  kRdbOpResizeDb = 251,
  kRdbOpExpireTimeMs = 252,
  kRdbOpExpireTime = 253,
  kRdbOpSelectDb = 254,
  kRdbOpEof = 255,
};

// Length prefixes: the top two bits of the first byte.
inline constexpr uint8_t kRdbLen6 = 0;      // 00xxxxxx
inline constexpr uint8_t kRdbLen14 = 1;     // 01xxxxxx xxxxxxxx (big-endian)
inline constexpr uint8_t kRdbLen32 = 0x80;  // 10000000 + 4 bytes big-endian
inline constexpr uint8_t kRdbLen64 = 0x81;  // 10000001 + 8 bytes big-endian
inline constexpr uint8_t kRdbEncVal = 3;    // 11xxxxxx: a special string encoding follows
inline constexpr uint8_t kRdbEncInt8 = 0;   // then 1 byte, little-endian two's complement
inline constexpr uint8_t kRdbEncInt16 = 1;  // 2 bytes
inline constexpr uint8_t kRdbEncInt32 = 2;  // 4 bytes
inline constexpr uint8_t kRdbEncLzf = 3;    // compressed length, raw length, LZF data

// Name of a type byte for messages ("list (quicklist2)"); "unknown" when not a type.
std::string_view RdbTypeName(uint8_t type);

}  // namespace ember::persist
