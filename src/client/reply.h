// A reply from a RESP2/RESP3 server as a tree, and an incremental parser for it.
// Values own their bytes; a Reply is a plain value type, safe to copy and move.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ember::client {

enum class ReplyType {
  kString,     // $ bulk string
  kStatus,     // + simple string
  kError,      // - simple error, ! bulk error
  kInteger,    // :
  kNil,        // $-1, *-1, _
  kArray,      // *
  kMap,        // % (elements hold key, value, key, value, ...)
  kSet,        // ~
  kPush,       // >
  kDouble,     // , (str holds the text as sent)
  kBool,       // # (integer is 0 or 1)
  kBigNumber,  // ( (str holds the digits)
  kVerbatim,   // = (str holds the text without its "txt:" format prefix)
};

struct Reply {
  ReplyType type = ReplyType::kNil;
  std::string str;
  std::string format;  // verbatim strings: the three-letter format ("txt", "mkd")
  int64_t integer = 0;
  std::vector<Reply> elements;

  bool IsAggregate() const {
    return type == ReplyType::kArray || type == ReplyType::kMap || type == ReplyType::kSet ||
           type == ReplyType::kPush;
  }
  // Map lookup by key that works for RESP3 maps and RESP2 flat key/value arrays.
  const Reply* Find(std::string_view key) const;

  static Reply Status(std::string s) { return Scalar(ReplyType::kStatus, std::move(s)); }
  static Reply Error(std::string s) { return Scalar(ReplyType::kError, std::move(s)); }
  static Reply String(std::string s) { return Scalar(ReplyType::kString, std::move(s)); }
  static Reply Integer(int64_t v);
  static Reply Aggregate(ReplyType type, std::vector<Reply> elements);
  static Reply Scalar(ReplyType type, std::string s);
};

enum class ReplyParseStatus { kOk, kIncomplete, kError };

// Parses one complete reply at the start of `data`. On kOk, *consumed is its byte length.
// On kIncomplete nothing is consumed: call again with more bytes appended (a reply is parsed
// from its start again, which is fine for an interactive client). Attributes (|) are read and
// dropped: the reply that follows them is returned. On kError, *error says why.
ReplyParseStatus ParseReply(std::string_view data, Reply* out, size_t* consumed,
                            std::string* error);

// The multibulk encoding of a command (what every client sends).
std::string EncodeCommand(const std::vector<std::string>& args);

}  // namespace ember::client
