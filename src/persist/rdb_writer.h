// Serialises keys into the RDB format (version 10).
//
// The writer accumulates bytes in memory; the caller drains them with TakeBuffer (to a file)
// as often as it likes, and the running CRC-64 covers everything taken. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/entry.h"

namespace ember::persist {

struct RdbWriteOptions {
  bool compress = true;  // rdbcompression: LZF for strings longer than 20 bytes
  bool checksum = true;  // rdbchecksum: CRC-64 trailer (0 when off, as Redis writes it)
};

class RdbWriter {
 public:
  explicit RdbWriter(RdbWriteOptions opts = {}) : opts_(opts) {}

  // "REDIS0010".
  void Header();
  void Aux(std::string_view key, std::string_view value);
  // SELECTDB db, then RESIZEDB with the key and expire counts (hints for the loader).
  void SelectDb(int db, uint64_t keys, uint64_t expires);
  // One key record: EXPIRETIME_MS if the entry has a TTL, then the type byte, the key and
  // the value (through the type's encoder). Returns "" or an error naming the key when the
  // value's type has no snapshot encoding; nothing is written then.
  std::string WriteEntry(const Entry* e);
  // EOF and the 8-byte checksum.
  void Finish();

  // Primitives for the per-type encoders.
  void Byte(uint8_t b) { buf_.push_back(static_cast<char>(b)); }
  void Length(uint64_t len);
  // A string object: integer-encoded when it is a short canonical int32, LZF-compressed
  // when that is enabled, the string is longer than 20 bytes and compression saves space,
  // raw (length + bytes) otherwise.
  void String(std::string_view s);
  // An integer as a string object (INT8/16/32 when it fits, decimal text otherwise).
  void IntString(int64_t v);
  void Raw(std::string_view s) { buf_.append(s); }

  // Bytes written and not yet taken. Taking folds them into the checksum.
  const std::string& buffer() const { return buf_; }
  std::string TakeBuffer();
  uint64_t bytes_written() const { return taken_ + buf_.size(); }

 private:
  bool TryIntEncoding(std::string_view s);
  bool TryLzf(std::string_view s);

  RdbWriteOptions opts_;
  std::string buf_;
  std::string scratch_;  // LZF output
  uint64_t crc_ = 0;
  uint64_t taken_ = 0;
};

}  // namespace ember::persist
