#include "store/entry.h"

#include <malloc.h>

#include <cstdlib>
#include <new>

#include "base/strutil.h"

namespace ember {

std::string_view TypeName(ValueType t) {
  switch (t) {
    case ValueType::kString:
      return "string";
    case ValueType::kList:
      return "list";
    case ValueType::kSet:
      return "set";
    case ValueType::kZSet:
      return "zset";
    case ValueType::kHash:
      return "hash";
    case ValueType::kStream:
      return "stream";
  }
  return "none";
}

std::string_view EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kInt:
      return "int";
    case Encoding::kEmbStr:
      return "embstr";
    case Encoding::kRaw:
      return "raw";
    case Encoding::kListpack:
      return "listpack";
    case Encoding::kQuicklist:
      return "quicklist";
    case Encoding::kHashtable:
      return "hashtable";
    case Encoding::kIntset:
      return "intset";
    case Encoding::kSkiplist:
      return "skiplist";
    case Encoding::kStream:
      return "stream";
  }
  return "unknown";
}

size_t PutVarint(char* p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  p[n++] = static_cast<char>(v);
  return n;
}

size_t GetVarint(const char* p, uint64_t* v) {
  uint64_t r = 0;
  size_t n = 0;
  int shift = 0;
  while (true) {
    uint8_t b = static_cast<uint8_t>(p[n++]);
    r |= uint64_t(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  *v = r;
  return n;
}

namespace {

Entry* Allocate(const EntryInit& init, size_t payload_size) {
  size_t head = sizeof(Entry) + (init.has_expire ? 8 : 0);
  size_t total = head + VarintSize(init.key.size()) + init.key.size() + payload_size;
  void* mem = malloc(total);
  if (mem == nullptr) throw std::bad_alloc();
  Entry* e = static_cast<Entry*>(mem);
  e->next = nullptr;
  e->type_enc = 0;
  e->flags = init.has_expire ? Entry::kHasExpire : 0;
  e->freq = 5;  // Redis's LFU_INIT_VAL
  e->set_access_time(init.access_time);
  if (init.has_expire) e->set_expire_ms(init.expire_ms);
  char* p = static_cast<char*>(mem) + head;
  p += PutVarint(p, init.key.size());
  if (!init.key.empty()) memcpy(p, init.key.data(), init.key.size());
  return e;
}

char* PayloadPtr(Entry* e) { return reinterpret_cast<char*>(e) + e->payload_offset(); }

}  // namespace

int64_t Entry::int_value() const {
  int64_t v;
  memcpy(&v, reinterpret_cast<const char*>(this) + payload_offset(), 8);
  return v;
}

ValueObject* Entry::object() const {
  ValueObject* o;
  memcpy(&o, reinterpret_cast<const char*>(this) + payload_offset(), sizeof(o));
  return o;
}

Entry* NewStringEntry(const EntryInit& init, std::string_view value, Encoding enc) {
  Entry* e = Allocate(init, VarintSize(value.size()) + value.size());
  e->set_type_enc(ValueType::kString, enc);
  char* p = PayloadPtr(e);
  p += PutVarint(p, value.size());
  if (!value.empty()) memcpy(p, value.data(), value.size());
  return e;
}

Entry* NewIntEntry(const EntryInit& init, int64_t value) {
  Entry* e = Allocate(init, 8);
  e->set_type_enc(ValueType::kString, Encoding::kInt);
  memcpy(PayloadPtr(e), &value, 8);
  return e;
}

Entry* NewObjectEntry(const EntryInit& init, ValueType type, Encoding enc,
                      std::unique_ptr<ValueObject> obj) {
  Entry* e = Allocate(init, sizeof(ValueObject*));
  e->set_type_enc(type, enc);
  ValueObject* raw = obj.release();
  memcpy(PayloadPtr(e), &raw, sizeof(raw));
  return e;
}

void FreeEntry(Entry* e) {
  if (e->type() != ValueType::kString) delete e->object();
  free(e);
}

Entry* CloneEntry(const Entry* src, const EntryInit& init) {
  Entry* e;
  if (src->type() != ValueType::kString) {
    e = NewObjectEntry(init, src->type(), src->encoding(), src->object()->Clone());
  } else if (src->encoding() == Encoding::kInt) {
    e = NewIntEntry(init, src->int_value());
  } else {
    e = NewStringEntry(init, src->str_bytes(), src->encoding());
  }
  e->freq = src->freq;
  return e;
}

size_t EntryAllocSize(const Entry* e) { return malloc_usable_size(const_cast<Entry*>(e)); }

size_t EntryMemoryUsage(const Entry* e) {
  size_t n = EntryAllocSize(e) + sizeof(void*);  // plus the bucket slot
  if (e->type() != ValueType::kString) n += e->object()->MemoryUsage();
  return n;
}

std::string_view StringValue(const Entry* e, char* buf) {
  if (e->encoding() == Encoding::kInt) {
    size_t n = FormatInt64(e->int_value(), buf);
    return {buf, n};
  }
  return e->str_bytes();
}

Encoding ChooseStringEncoding(std::string_view v, int64_t* as_int) {
  if (v.size() <= 20 && ParseInt64(v, as_int)) return Encoding::kInt;
  return v.size() <= 44 ? Encoding::kEmbStr : Encoding::kRaw;
}

char* MutableStrBytes(Entry* e) {
  char* p = PayloadPtr(e);
  uint64_t len;
  return p + GetVarint(p, &len);
}

Entry* ResizeStringValue(Entry* e, size_t new_len) {
  const size_t off = e->payload_offset();
  const bool was_int = e->encoding() == Encoding::kInt;
  char digits[24];
  size_t old_len;
  size_t old_data = 0;  // offset of the old value bytes (byte encodings only)
  if (was_int) {
    old_len = FormatInt64(e->int_value(), digits);
  } else {
    old_len = e->str_bytes().size();
    old_data = off + VarintSize(old_len);
  }
  const size_t keep = old_len < new_len ? old_len : new_len;
  const size_t new_data = off + VarintSize(new_len);
  const size_t need = new_data + new_len;
  if (need > malloc_usable_size(e)) {
    // Slack like Redis's sds growth, so later appends land in the allocator's usable size.
    // An empty value gets the exact size (a new key from SETRANGE); it may never grow again.
    constexpr size_t kMaxSlack = size_t{1} << 20;
    size_t cap = old_len == 0 ? need : need < kMaxSlack ? need * 2 : need + kMaxSlack;
    void* mem = realloc(e, cap);
    if (mem == nullptr) throw std::bad_alloc();
    e = static_cast<Entry*>(mem);
  }
  char* base = reinterpret_cast<char*>(e);
  if (was_int) {
    memcpy(base + new_data, digits, keep);
  } else if (old_data != new_data && keep != 0) {
    memmove(base + new_data, base + old_data, keep);  // the length prefix changed size
  }
  PutVarint(base + off, new_len);
  if (new_len > keep) memset(base + new_data + keep, 0, new_len - keep);
  e->set_type_enc(ValueType::kString, Encoding::kRaw);
  e->flags |= Entry::kSlack;
  return e;
}

bool OverwriteStringInPlace(Entry* e, std::string_view value, Encoding enc, int64_t as_int) {
  if (e->type() != ValueType::kString) return false;
  const size_t off = e->payload_offset();
  const size_t payload = enc == Encoding::kInt ? 8 : VarintSize(value.size()) + value.size();
  const size_t need = off + payload;
  size_t old_payload = 8;
  if (e->encoding() != Encoding::kInt) {
    uint64_t len;
    old_payload = GetVarintFast(reinterpret_cast<const char*>(e) + off, &len) + len;
  }
  if ((e->flags & Entry::kSlack) || payload != old_payload) {
    const size_t usable = malloc_usable_size(e);
    if (need > usable || need * 2 < usable) return false;
    e->flags &= static_cast<uint8_t>(~Entry::kSlack);  // the check above now holds
  }
  char* p = reinterpret_cast<char*>(e) + off;
  if (enc == Encoding::kInt) {
    memcpy(p, &as_int, 8);
  } else {
    p += PutVarint(p, value.size());
    if (!value.empty()) memmove(p, value.data(), value.size());
  }
  e->set_type_enc(ValueType::kString, enc);
  return true;
}

}  // namespace ember
