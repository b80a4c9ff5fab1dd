#include "client/format.h"

#include <cstdio>

namespace ember::client {

namespace {

std::string EmptyAggregateText(ReplyType type) {
  switch (type) {
    case ReplyType::kMap:
      return "(empty hash)";
    case ReplyType::kSet:
      return "(empty set)";
    case ReplyType::kPush:
      return "(empty push)";
    default:
      return "(empty array)";
  }
}

std::string FormatTty(const Reply& r, const std::string& prefix);

std::string FormatTtyAggregate(const Reply& r, const std::string& prefix) {
  if (r.elements.empty()) return EmptyAggregateText(r.type) + "\n";
  const bool is_map = r.type == ReplyType::kMap;
  const size_t count = is_map ? r.elements.size() / 2 : r.elements.size();
  const size_t width = std::to_string(count).size();
  // Elements of a nested aggregate line up under the first one: its prefix grows by the
  // width of the index label.
  const std::string nested = prefix + std::string(width + 2, ' ');
  const char* sep = is_map ? "# " : r.type == ReplyType::kSet ? "~ " : ") ";
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += prefix;
    std::string label = std::to_string(i + 1);
    out += std::string(width - label.size(), ' ') + label + sep;
    if (!is_map) {
      out += FormatTty(r.elements[i], nested);
      continue;
    }
    std::string key = FormatTty(r.elements[2 * i], nested);
    if (!key.empty() && key.back() == '\n') key.pop_back();
    out += key + " => ";
    const Reply& value = r.elements[2 * i + 1];
    // A non-empty array or map value starts on its own line, indented like the key (a set
    // stays on the key's line, as in redis-cli).
    if ((value.type == ReplyType::kArray || value.type == ReplyType::kMap) &&
        !value.elements.empty())
      out += "\n" + nested;
    out += FormatTty(value, nested);
  }
  return out;
}

std::string FormatTty(const Reply& r, const std::string& prefix) {
  switch (r.type) {
    case ReplyType::kError:
      return "(error) " + r.str + "\n";
    case ReplyType::kStatus:
    case ReplyType::kVerbatim:
      return r.str + "\n";
    case ReplyType::kString:
      return QuoteString(r.str) + "\n";
    case ReplyType::kInteger:
      return "(integer) " + std::to_string(r.integer) + "\n";
    case ReplyType::kDouble:
      return "(double) " + r.str + "\n";
    case ReplyType::kBigNumber:
      return "(big number) " + r.str + "\n";
    case ReplyType::kNil:
      return "(nil)\n";
    case ReplyType::kBool:
      return r.integer ? "(true)\n" : "(false)\n";
    case ReplyType::kArray:
    case ReplyType::kMap:
    case ReplyType::kSet:
    case ReplyType::kPush:
      return FormatTtyAggregate(r, prefix);
  }
  return "\n";
}

std::string FormatRaw(const Reply& r) {
  switch (r.type) {
    case ReplyType::kError:
      return r.str + "\n";  // redis-cli leaves an empty line after an error in raw mode
    case ReplyType::kStatus:
    case ReplyType::kVerbatim:
    case ReplyType::kString:
    case ReplyType::kDouble:
    case ReplyType::kBigNumber:
      return r.str;
    case ReplyType::kInteger:
      return std::to_string(r.integer);
    case ReplyType::kNil:
      return "";
    case ReplyType::kBool:
      return r.integer ? "(true)" : "(false)";
    case ReplyType::kMap: {
      std::string out;
      for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
        if (i > 0) out += "\n";
        out += FormatRaw(r.elements[i]) + " " + FormatRaw(r.elements[i + 1]);
      }
      return out;
    }
    case ReplyType::kArray:
    case ReplyType::kSet:
    case ReplyType::kPush: {
      std::string out;
      for (size_t i = 0; i < r.elements.size(); ++i) {
        if (i > 0) out += "\n";
        out += FormatRaw(r.elements[i]);
      }
      return out;
    }
  }
  return "";
}

}  // namespace

std::string QuoteString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        }
    }
  }
  out += "\"";
  return out;
}

std::string FormatReply(const Reply& reply, OutputMode mode) {
  if (mode == OutputMode::kTty) return FormatTty(reply, "");
  return FormatRaw(reply) + "\n";
}

}  // namespace ember::client
