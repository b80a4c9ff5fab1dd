// Per-type snapshot hooks: the writer and the loader dispatch through these tables instead of
// switching on the type, so adding a type adds an encoder/decoder file and one table row
// (rdb_codec.cc).
#pragma once

#include <cstdint>
#include <string>

#include "store/entry.h"

namespace ember::persist {

class RdbWriter;
class RdbReader;

// How a type is saved: the RDB type byte for e's current encoding, and the value (the
// writer puts the key between the two).
struct RdbEncoder {
  uint8_t (*type_byte)(const Entry* e);
  void (*value)(const Entry* e, RdbWriter& w);
};
// Reads a value of its RDB type and builds the entry for `init` (key, expire) in *out.
// Returns false with the reader's error set on malformed input.
using RdbDecodeFn = bool (*)(RdbReader& r, const EntryInit& init, Entry** out);

// nullptr when the type cannot be saved yet.
const RdbEncoder* EncoderFor(ValueType t);
// nullptr when the RDB type byte cannot be loaded (unknown or not implemented).
RdbDecodeFn DecoderFor(uint8_t rdb_type);

// The string type (rdb_string_codec.cc).
extern const RdbEncoder kStringEncoder;
bool DecodeString(RdbReader& r, const EntryInit& init, Entry** out);

}  // namespace ember::persist
