#include "base/status.h"

namespace ember {

std::string_view ErrorText(OpStatus s) {
  switch (s) {
    case OpStatus::kWrongType:
      return "WRONGTYPE Operation against a key holding the wrong kind of value";
    case OpStatus::kNotInteger:
      return "ERR value is not an integer or out of range";
    case OpStatus::kNotFloat:
      return "ERR value is not a valid float";
    case OpStatus::kOverflow:
      return "ERR increment or decrement would overflow";
    case OpStatus::kNanOrInf:
      return "ERR increment would produce NaN or Infinity";
    case OpStatus::kSyntax:
      return "ERR syntax error";
    case OpStatus::kOutOfRange:
      return "ERR index out of range";
    case OpStatus::kDbIndex:
      return "ERR DB index is out of range";
    case OpStatus::kNoSuchKey:
      return "ERR no such key";
    case OpStatus::kStringTooLong:
      return "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    case OpStatus::kSameObject:
      return "ERR source and destination objects are the same";
    case OpStatus::kOk:
    case OpStatus::kNotFound:
    case OpStatus::kExists:
    case OpStatus::kSkipped:
      break;
  }
  return "ERR internal error";
}

}  // namespace ember
