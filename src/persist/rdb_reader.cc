#include "persist/rdb_reader.h"

#include <mutex>

#include "base/strutil.h"
#include "persist/crc64.h"
#include "persist/lzf.h"
#include "persist/rdb_codec.h"
#include "persist/rdb_format.h"

namespace ember::persist {

namespace {

uint64_t GetLe(std::string_view b) {
  uint64_t v = 0;
  for (size_t i = 0; i < b.size(); ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(b[i])) << (8 * i);
  return v;
}

uint64_t GetBe(std::string_view b) {
  uint64_t v = 0;
  for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

// LZF expands at most ~90x (a 3-byte reference yields 264 bytes); anything claiming more is
// corrupt, and checking first keeps a forged length from allocating gigabytes.
constexpr uint64_t kMaxLzfRatio = 100;

}  // namespace

bool RdbReader::Fail(std::string msg) {
  if (error_.empty()) error_ = std::move(msg) + " (at offset " + std::to_string(pos_) + ")";
  return false;
}

bool RdbReader::Bytes(size_t n, std::string_view* out) {
  if (!ok()) return false;
  if (data_.size() - pos_ < n) return Fail("unexpected end of file (truncated RDB)");
  *out = data_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool RdbReader::Byte(uint8_t* b) {
  std::string_view s;
  if (!Bytes(1, &s)) return false;
  *b = static_cast<uint8_t>(s[0]);
  return true;
}

bool RdbReader::Length(uint64_t* len, bool* encoded) {
  if (encoded) *encoded = false;
  uint8_t b;
  if (!Byte(&b)) return false;
  std::string_view s;
  switch (b >> 6) {
    case kRdbLen6:
      *len = b & 0x3f;
      return true;
    case kRdbLen14:
      if (!Bytes(1, &s)) return false;
      *len = (static_cast<uint64_t>(b & 0x3f) << 8) | static_cast<uint8_t>(s[0]);
      return true;
    case kRdbEncVal:
      if (encoded == nullptr) return Fail("string encoding where a length was expected");
      *encoded = true;
      *len = b & 0x3f;
      return true;
    default:
      if (b == kRdbLen32) {
        if (!Bytes(4, &s)) return false;
      } else if (b == kRdbLen64) {
        if (!Bytes(8, &s)) return false;
      } else {
        return Fail("unknown length encoding " + std::to_string(b));
      }
      *len = GetBe(s);
      return true;
  }
}

bool RdbReader::String(std::string* out) {
  uint64_t len;
  bool encoded;
  if (!Length(&len, &encoded)) return false;
  std::string_view s;
  if (!encoded) {
    if (!Bytes(len > data_.size() ? data_.size() + 1 : static_cast<size_t>(len), &s)) return false;
    out->assign(s);
    return true;
  }
  switch (len) {
    case kRdbEncInt8:
    case kRdbEncInt16:
    case kRdbEncInt32: {
      size_t n = size_t{1} << len;
      if (!Bytes(n, &s)) return false;
      uint64_t u = GetLe(s);
      int64_t v = n == 1   ? static_cast<int8_t>(u)
                  : n == 2 ? static_cast<int16_t>(u)
                           : static_cast<int32_t>(u);
      *out = std::to_string(v);
      return true;
    }
    case kRdbEncLzf: {
      uint64_t clen, ulen;
      if (!Length(&clen) || !Length(&ulen)) return false;
      if (!Bytes(clen > data_.size() ? data_.size() + 1 : static_cast<size_t>(clen), &s))
        return false;
      if (ulen > clen * kMaxLzfRatio + 64) return Fail("implausible LZF uncompressed length");
      if (!LzfDecompress(s, static_cast<size_t>(ulen), out))
        return Fail("invalid LZF compressed string");
      return true;
    }
    default:
      return Fail("unknown string encoding " + std::to_string(len));
  }
}

std::string LoadRdb(std::string_view data, Keyspace& into, int64_t now_ms, RdbLoadInfo* info) {
  RdbReader r(data);
  std::string_view head;
  if (!r.Bytes(9, &head) || head.substr(0, 5) != kRdbMagic)
    return "Wrong signature trying to load DB from file (not an RDB file)";
  int64_t version = 0;
  for (char c : head.substr(5)) version = c >= '0' && c <= '9' ? version * 10 + (c - '0') : -1000;
  if (version < 1 || version > kRdbVersion) {
    return "Can't handle RDB format version " + std::string(head.substr(5)) +
           " (Ember reads versions 1 to " + std::to_string(kRdbVersion) + ")";
  }
  info->version = static_cast<int>(version);
  int db_index = 0;
  bool has_expire = false;
  int64_t expire_ms = 0;
  while (true) {
    uint8_t type;
    if (!r.Byte(&type)) return r.error();
    std::string_view s;
    switch (type) {
      case kRdbOpExpireTimeMs:
        if (!r.Bytes(8, &s)) return r.error();
        has_expire = true;
        expire_ms = static_cast<int64_t>(GetLe(s));
        continue;
      case kRdbOpExpireTime:
        if (!r.Bytes(4, &s)) return r.error();
        has_expire = true;
        expire_ms = static_cast<int64_t>(GetLe(s)) * 1000;
        continue;
      case kRdbOpIdle: {  // LRU idle time: Ember starts every loaded key fresh
        uint64_t idle;
        if (!r.Length(&idle)) return r.error();
        continue;
      }
      case kRdbOpFreq:  // LFU counter: likewise ignored
        if (!r.Bytes(1, &s)) return r.error();
        continue;
      case kRdbOpSelectDb: {
        uint64_t db;
        if (!r.Length(&db)) return r.error();
        if (db >= static_cast<uint64_t>(into.num_dbs())) {
          return "The RDB file selects database " + std::to_string(db) +
                 " but Ember is configured with " + std::to_string(into.num_dbs()) +
                 " databases (raise 'databases')";
        }
        db_index = static_cast<int>(db);
        continue;
      }
      case kRdbOpResizeDb: {  // size hints only: never trusted for allocation
        uint64_t a, b;
        if (!r.Length(&a) || !r.Length(&b)) return r.error();
        continue;
      }
      case kRdbOpAux: {
        std::string k, v;
        if (!r.String(&k) || !r.String(&v)) return r.error();
        info->aux[k] = v;
        continue;
      }
      case kRdbOpModuleAux:
        return "The RDB file contains module data, which Ember does not support";
      case kRdbOpFunction2:
      case kRdbOpFunctionPreGa:
        return "The RDB file contains Redis functions, which Ember does not support";
      case kRdbOpEof: {
        if (version >= 5) {
          size_t body = r.pos();
          if (!r.Bytes(8, &s)) return r.error();
          uint64_t stored = GetLe(s);
          // A zero checksum means the writer had rdbchecksum off.
          if (stored != 0) {
            uint64_t actual = Crc64(0, data.substr(0, body));
            if (actual != stored) {
              char buf[128];
              snprintf(buf, sizeof(buf), "Wrong RDB checksum expected: (%llx) got (%llx)",
                       static_cast<unsigned long long>(stored),
                       static_cast<unsigned long long>(actual));
              return buf;
            }
          }
        }
        info->consumed = r.pos();
        return "";
      }
      default:
        break;
    }
    // A key record.
    std::string key;
    if (!r.String(&key)) return r.error();
    RdbDecodeFn decode = DecoderFor(type);
    if (decode == nullptr) {
      return "Ember cannot load key '" + Printable(key) + "' (database " +
             std::to_string(db_index) + "): RDB type " + std::to_string(type) + ", " +
             std::string(RdbTypeName(type)) + ", is not supported yet";
    }
    EntryInit init{.key = key,
                   .has_expire = has_expire,
                   .expire_ms = expire_ms,
                   .access_time = LruClock(now_ms)};
    Entry* e = nullptr;
    if (!decode(r, init, &e)) return r.error();
    bool expired = has_expire && expire_ms <= now_ms;
    has_expire = false;
    if (expired) {
      FreeEntry(e);
      ++info->keys_expired;
      continue;
    }
    Database& db = into.db(db_index);
    std::lock_guard lk(db.PartitionFor(key).mu);
    if (db.Find(key, now_ms, /*no_touch=*/true) != nullptr) {
      FreeEntry(e);
      return "Duplicate key '" + Printable(key) + "' in database " + std::to_string(db_index);
    }
    db.Insert(e);
    ++info->keys_loaded;
  }
}

}  // namespace ember::persist
