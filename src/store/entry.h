// One key and its value in a single allocation.
//
// Layout: [Entry header 14 bytes][expire_ms: 8 bytes, only if kHasExpire]
//         [varint key length][key bytes][payload]
// payload: string kInt  -> int64 (8 bytes)
//          string bytes -> varint length + bytes (the value is last, so APPEND can realloc)
//          other types  -> ValueObject* owned by the entry
// Entries form the intrusive chains of KeyTable buckets through `next`. Entries are owned by
// the table that holds them; pointers to them are valid while the partition lock is held.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace ember {

// Redis's types. The tag lives in every entry so TYPE/WRONGTYPE never change shape.
enum class ValueType : uint8_t { kString = 0, kList, kSet, kZSet, kHash, kStream };

// Encodings as OBJECT ENCODING names them.
enum class Encoding : uint8_t {
  kInt = 0,
  kEmbStr,
  kRaw,
  kListpack,
  kQuicklist,
  kHashtable,
  kIntset,
  kSkiplist,
  kStream,
};

std::string_view TypeName(ValueType t);
std::string_view EncodingName(Encoding e);

// Base of values that are not plain strings (lists, hashes, ...). Each type derives from it,
// bringing its own memory accounting; persistence code dispatches on the type tag.
class ValueObject {
 public:
  virtual ~ValueObject() = default;
  virtual size_t MemoryUsage() const = 0;
  virtual std::unique_ptr<ValueObject> Clone() const = 0;
  // Roughly how many allocations freeing the value releases (elements, nodes). UNLINK and
  // FLUSH ASYNC free values above a threshold on a background thread, as Redis does.
  virtual size_t FreeEffort() const { return 1; }
};

#pragma pack(push, 1)
struct Entry {
  Entry* next;
  uint8_t type_enc;  // low 4 bits: ValueType, high 4 bits: Encoding
  uint8_t flags;
  uint8_t freq;      // LFU counter
  uint8_t atime[3];  // 24-bit access clock in seconds (OBJECT IDLETIME)

  static constexpr uint8_t kHasExpire = 1;
  // The allocation may be more than twice the bytes in use (ResizeStringValue's slack):
  // OverwriteStringInPlace must ask the allocator. Without it, an overwrite by a value of the
  // same size always fits and wastes nothing, so it needs no malloc_usable_size call.
  static constexpr uint8_t kSlack = 2;

  ValueType type() const { return static_cast<ValueType>(type_enc & 0x0f); }
  Encoding encoding() const { return static_cast<Encoding>(type_enc >> 4); }
  void set_type_enc(ValueType t, Encoding e) {
    type_enc = static_cast<uint8_t>(static_cast<uint8_t>(t) | (static_cast<uint8_t>(e) << 4));
  }
  bool has_expire() const { return flags & kHasExpire; }
  int64_t expire_ms() const {
    int64_t v;
    memcpy(&v, reinterpret_cast<const char*>(this) + sizeof(Entry), 8);
    return v;
  }
  // Only when has_expire().
  void set_expire_ms(int64_t v) { memcpy(reinterpret_cast<char*>(this) + sizeof(Entry), &v, 8); }

  uint32_t access_time() const { return atime[0] | (atime[1] << 8) | (atime[2] << 16); }
  void set_access_time(uint32_t t) {
    atime[0] = t & 0xff;
    atime[1] = (t >> 8) & 0xff;
    atime[2] = (t >> 16) & 0xff;
  }

  inline std::string_view key() const;
  // For strings with byte encodings: the bytes. For kInt: use int_value().
  inline std::string_view str_bytes() const;
  int64_t int_value() const;
  ValueObject* object() const;

  // Offset of the payload from the entry start.
  inline size_t payload_offset() const;
};
#pragma pack(pop)
static_assert(sizeof(Entry) == 14);

// Number of bytes a varint takes.
inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
size_t PutVarint(char* p, uint64_t v);
size_t GetVarint(const char* p, uint64_t* v);
// GetVarint with the one-byte case (lengths below 128: almost every key) inline.
inline size_t GetVarintFast(const char* p, uint64_t* v) {
  if (static_cast<uint8_t>(*p) < 0x80) {
    *v = static_cast<uint8_t>(*p);
    return 1;
  }
  return GetVarint(p, v);
}

std::string_view Entry::key() const {
  const char* p = reinterpret_cast<const char*>(this) + sizeof(Entry) + (has_expire() ? 8 : 0);
  uint64_t len;
  p += GetVarintFast(p, &len);
  return {p, static_cast<size_t>(len)};
}

size_t Entry::payload_offset() const {
  std::string_view k = key();
  return static_cast<size_t>(k.data() + k.size() - reinterpret_cast<const char*>(this));
}

std::string_view Entry::str_bytes() const {
  const char* p = reinterpret_cast<const char*>(this) + payload_offset();
  uint64_t len;
  p += GetVarintFast(p, &len);
  return {p, static_cast<size_t>(len)};
}

// Construction and destruction. All entries are malloc'ed; FreeEntry releases the value too.
struct EntryInit {
  std::string_view key;
  bool has_expire = false;
  int64_t expire_ms = 0;
  uint32_t access_time = 0;
};
Entry* NewStringEntry(const EntryInit& init, std::string_view value, Encoding enc);
Entry* NewIntEntry(const EntryInit& init, int64_t value);
Entry* NewObjectEntry(const EntryInit& init, ValueType type, Encoding enc,
                      std::unique_ptr<ValueObject> obj);
void FreeEntry(Entry* e);
// Copy of `src` under a new key (COPY, RENAME); expiry as given.
Entry* CloneEntry(const Entry* src, const EntryInit& init);
// Bytes the allocator really holds for the entry (MEMORY USAGE).
size_t EntryAllocSize(const Entry* e);
size_t EntryMemoryUsage(const Entry* e);

// Renders a string value (any encoding) into `buf` when needed; the view is valid while
// both the entry and buf live. buf must hold 21 bytes.
std::string_view StringValue(const Entry* e, char* buf);

// Chooses Redis's encoding for a freshly SET string: int for canonical integers
// (<= 20 chars), embstr up to 44 bytes, raw beyond.
Encoding ChooseStringEncoding(std::string_view v, int64_t* as_int);

// ---- In-place string updates (APPEND, SETRANGE, SET/INCR over an existing string). ----

// The value bytes of a byte-encoded (embstr/raw) string entry, writable; valid until the
// entry is resized or freed.
char* MutableStrBytes(Entry* e);

// Makes the value of string entry `e` new_len bytes long: the first min(old, new_len) bytes
// are kept (an int-encoded value is first rendered in decimal), the rest is zero-filled, and
// the encoding becomes raw (as Redis makes APPEND/SETRANGE results). Grows in place when the
// allocation has room; otherwise reallocates with slack (double up to 1 MiB, then +1 MiB;
// none when the old value is empty) so a loop of appends is amortised O(1). Returns the
// entry, which may have moved: the old pointer is then invalid and the caller must point the
// table at the new one (Database::Relink). `next`, expire and metadata move with it.
Entry* ResizeStringValue(Entry* e, size_t new_len);

// Rewrites the value of string entry `e` in place as `value` in encoding enc (as
// ChooseStringEncoding chose it; as_int is the value for kInt), when the allocation has room
// and would not be left more than half unused. Returns false, leaving e untouched, otherwise
// (also when e is not a string). Key, expire and metadata are kept.
bool OverwriteStringInPlace(Entry* e, std::string_view value, Encoding enc, int64_t as_int);

}  // namespace ember
