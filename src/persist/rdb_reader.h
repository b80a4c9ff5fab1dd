// Parses RDB files (versions 1..10) into a Keyspace.
//
// Every read is bounds-checked: garbage, truncated, wrong-version or bad-checksum input gives
// an error message, never a crash. Types Ember does not implement yet are refused with a
// message naming the type and the key.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "store/database.h"

namespace ember::persist {

// Cursor over the file bytes with the primitives the per-type decoders use. Each returns
// false after recording the first error (later calls keep failing).
class RdbReader {
 public:
  explicit RdbReader(std::string_view data) : data_(data) {}

  bool Byte(uint8_t* b);
  bool Bytes(size_t n, std::string_view* out);
  // A length; *encoded is set when the prefix announces a special string encoding, *len is
  // then the encoding number.
  bool Length(uint64_t* len, bool* encoded = nullptr);
  // A string object in any encoding (raw, INT8/16/32, LZF).
  bool String(std::string* out);
  bool Fail(std::string msg);

  size_t pos() const { return pos_; }
  std::string_view data() const { return data_; }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  std::string error_;
};

struct RdbLoadInfo {
  int version = 0;
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;  // skipped because their TTL had passed
  std::map<std::string, std::string> aux;
  size_t consumed = 0;  // bytes up to the end of the checksum (an AOF continues after it)
};

// Loads a whole RDB image into `into`, whose databases must be empty (load into a fresh
// Keyspace and swap it in on success: on error `into` holds a partial dataset). Keys whose
// expire time is at or before now_ms are skipped, as a Redis master does (pass INT64_MIN to
// keep them all: an AOF preamble, to which later commands of the AOF may still refer).
// Returns "" or the error; info->consumed is the length of the RDB image.
std::string LoadRdb(std::string_view data, Keyspace& into, int64_t now_ms, RdbLoadInfo* info);

}  // namespace ember::persist
