// Outcomes of keyspace operations and the exact Redis error strings clients parse.
#pragma once

#include <string_view>
#include <utility>

namespace ember {

enum class OpStatus : unsigned char {
  kOk,
  kNotFound,
  kWrongType,
  kNotInteger,     // ERR value is not an integer or out of range
  kNotFloat,       // ERR value is not a valid float
  kOverflow,       // ERR increment or decrement would overflow
  kNanOrInf,       // ERR increment would produce NaN or Infinity
  kSyntax,         // ERR syntax error
  kOutOfRange,     // ERR index out of range
  kDbIndex,        // ERR DB index is out of range
  kNoSuchKey,      // ERR no such key
  kStringTooLong,  // ERR string exceeds maximum allowed size (proto-max-bulk-len)
  kSameObject,     // ERR source and destination objects are the same
  kExists,         // key already exists (NX-style conditions; not an error reply)
  kSkipped,        // a condition (NX/XX/GT/LT) prevented the operation
};

// Redis's reply text for an error status (without the leading '-' and trailing CRLF).
std::string_view ErrorText(OpStatus s);

// A value or a status. Deliberately tiny: keyspace operations return it, handlers reply.
template <typename T>
class Result {
 public:
  Result(T v) : status_(OpStatus::kOk), value_(std::move(v)) {}  // NOLINT: implicit by design
  Result(OpStatus s) : status_(s), value_() {}                   // NOLINT
  bool ok() const { return status_ == OpStatus::kOk; }
  OpStatus status() const { return status_; }
  T& value() { return value_; }
  const T& value() const { return value_; }
  T& operator*() { return value_; }

 private:
  OpStatus status_;
  T value_;
};

}  // namespace ember
