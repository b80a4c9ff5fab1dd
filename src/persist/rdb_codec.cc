#include "persist/rdb_codec.h"

#include <array>

#include "persist/rdb_format.h"

namespace ember::persist {

namespace {

// Indexed by ValueType. A type gains snapshot support by filling its row.
const std::array<const RdbEncoder*, 6> kEncoders = {
    &kStringEncoder,  // kString
    nullptr,          // kList
    nullptr,          // kSet
    nullptr,          // kZSet
    nullptr,          // kHash
    nullptr,          // kStream
};

struct TypeRow {
  const char* name;
  RdbDecodeFn decode;
};

// Indexed by RDB type byte.
constexpr std::array<TypeRow, kRdbTypeCount> kTypes = {{
    {"string", DecodeString},                 // 0
    {"list (linked list)", nullptr},          // 1
    {"set (hashtable)", nullptr},             // 2
    {"zset (skiplist, v1 scores)", nullptr},  // 3
    {"hash (hashtable)", nullptr},            // 4
    {"zset (skiplist)", nullptr},             // 5
    {"module (pre-GA)", nullptr},             // 6
    {"module", nullptr},                      // 7
    {"unknown", nullptr},                     // 8
    {"hash (zipmap)", nullptr},               // 9
    {"list (ziplist)", nullptr},              // 10
    {"set (intset)", nullptr},                // 11
    {"zset (ziplist)", nullptr},              // 12
    {"hash (ziplist)", nullptr},              // 13
    {"list (quicklist)", nullptr},            // 14
    {"stream (listpacks)", nullptr},          // 15
    {"hash (listpack)", nullptr},             // 16
    {"zset (listpack)", nullptr},             // 17
    {"list (quicklist v2)", nullptr},         // 18
    {"stream (listpacks v2)", nullptr},       // 19
}};

}  // namespace

const RdbEncoder* EncoderFor(ValueType t) {
  auto i = static_cast<size_t>(t);
  return i < kEncoders.size() ? kEncoders[i] : nullptr;
}

RdbDecodeFn DecoderFor(uint8_t rdb_type) {
  return rdb_type < kTypes.size() ? kTypes[rdb_type].decode : nullptr;
}

std::string_view RdbTypeName(uint8_t type) {
  return type < kTypes.size() ? kTypes[type].name : "unknown";
}

}  // namespace ember::persist
