#include "persist/rdb_writer.h"

#include <cstring>

#include "base/strutil.h"
#include "persist/crc64.h"
#include "persist/lzf.h"
#include "persist/rdb_codec.h"
#include "persist/rdb_format.h"

namespace ember::persist {

namespace {

void PutLe(std::string& buf, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) buf.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PutBe(std::string& buf, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) buf.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

void RdbWriter::Header() {
  char v[8];
  snprintf(v, sizeof(v), "%04d", kRdbVersion);
  buf_.append(kRdbMagic);
  buf_.append(v, 4);
}

void RdbWriter::Aux(std::string_view key, std::string_view value) {
  Byte(kRdbOpAux);
  String(key);
  String(value);
}

void RdbWriter::SelectDb(int db, uint64_t keys, uint64_t expires) {
  Byte(kRdbOpSelectDb);
  Length(static_cast<uint64_t>(db));
  Byte(kRdbOpResizeDb);
  Length(keys);
  Length(expires);
}

std::string RdbWriter::WriteEntry(const Entry* e) {
  const RdbEncoder* enc = EncoderFor(e->type());
  if (enc == nullptr) {
    return "cannot save key '" + std::string(e->key()) + "': type " +
           std::string(TypeName(e->type())) + " has no snapshot encoding yet";
  }
  if (e->has_expire()) {
    Byte(kRdbOpExpireTimeMs);
    PutLe(buf_, static_cast<uint64_t>(e->expire_ms()), 8);
  }
  Byte(enc->type_byte(e));
  String(e->key());
  enc->value(e, *this);
  return "";
}

void RdbWriter::Finish() {
  Byte(kRdbOpEof);
  uint64_t crc = opts_.checksum ? Crc64(crc_, buf_) : 0;
  PutLe(buf_, crc, 8);
  // The trailer itself is not part of the checksum; nothing may be written after it.
}

void RdbWriter::Length(uint64_t len) {
  if (len < (1 << 6)) {
    Byte(static_cast<uint8_t>((kRdbLen6 << 6) | len));
  } else if (len < (1 << 14)) {
    Byte(static_cast<uint8_t>((kRdbLen14 << 6) | (len >> 8)));
    Byte(static_cast<uint8_t>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    Byte(kRdbLen32);
    PutBe(buf_, len, 4);
  } else {
    Byte(kRdbLen64);
    PutBe(buf_, len, 8);
  }
}

void RdbWriter::IntString(int64_t v) {
  if (v >= INT8_MIN && v <= INT8_MAX) {
    Byte((kRdbEncVal << 6) | kRdbEncInt8);
    PutLe(buf_, static_cast<uint64_t>(v), 1);
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    Byte((kRdbEncVal << 6) | kRdbEncInt16);
    PutLe(buf_, static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    Byte((kRdbEncVal << 6) | kRdbEncInt32);
    PutLe(buf_, static_cast<uint64_t>(v), 4);
  } else {
    std::string s = std::to_string(v);
    Length(s.size());
    buf_.append(s);
  }
}

// Only strings that read back identically: canonical decimal (no "+", no leading zeros,
// no "-0") within int32, as Redis's rdbTryIntegerEncoding demands.
bool RdbWriter::TryIntEncoding(std::string_view s) {
  if (s.empty() || s.size() > 11) return false;
  int64_t v;
  if (!ParseInt64(s, &v) || v < INT32_MIN || v > INT32_MAX) return false;
  if (std::to_string(v) != s) return false;
  IntString(v);
  return true;
}

bool RdbWriter::TryLzf(std::string_view s) {
  // Compressed output must save at least 4 bytes to be worth the two extra lengths.
  if (s.size() <= 4) return false;
  scratch_.resize(s.size() - 4);
  size_t n = LzfCompress(s, scratch_.data(), scratch_.size());
  if (n == 0) return false;
  Byte((kRdbEncVal << 6) | kRdbEncLzf);
  Length(n);
  Length(s.size());
  buf_.append(scratch_.data(), n);
  return true;
}

void RdbWriter::String(std::string_view s) {
  if (s.size() <= 11 && TryIntEncoding(s)) return;
  if (opts_.compress && s.size() > 20 && TryLzf(s)) return;
  Length(s.size());
  buf_.append(s);
}

std::string RdbWriter::TakeBuffer() {
  if (opts_.checksum) crc_ = Crc64(crc_, buf_);
  taken_ += buf_.size();
  std::string out;
  out.swap(buf_);
  return out;
}

}  // namespace ember::persist
