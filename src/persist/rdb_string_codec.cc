// The string type: RDB type 0, the value a string object. Ember keeps canonical integers as
// kInt entries; they are saved as integer-encoded strings and come back as kInt.
#include "persist/rdb_codec.h"
#include "persist/rdb_format.h"
#include "persist/rdb_reader.h"
#include "persist/rdb_writer.h"

namespace ember::persist {

namespace {

uint8_t StringTypeByte(const Entry*) { return kRdbString; }

void EncodeStringValue(const Entry* e, RdbWriter& w) {
  if (e->encoding() == Encoding::kInt) {
    w.IntString(e->int_value());
  } else {
    w.String(e->str_bytes());
  }
}

}  // namespace

const RdbEncoder kStringEncoder = {StringTypeByte, EncodeStringValue};

bool DecodeString(RdbReader& r, const EntryInit& init, Entry** out) {
  std::string v;
  if (!r.String(&v)) return false;
  int64_t as_int = 0;
  Encoding enc = ChooseStringEncoding(v, &as_int);
  *out = enc == Encoding::kInt ? NewIntEntry(init, as_int) : NewStringEntry(init, v, enc);
  return true;
}

}  // namespace ember::persist
