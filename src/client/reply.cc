#include "client/reply.h"

#include <algorithm>
#include <charconv>

namespace ember::client {

namespace {

constexpr int kMaxDepth = 128;

class Parser {
 public:
  Parser(std::string_view data, std::string* error) : data_(data), error_(error) {}

  ReplyParseStatus Parse(Reply* out, int depth) {
    if (depth > kMaxDepth) return Fail("reply nested too deeply");
    std::string_view line;
    if (auto st = Line(&line); st != ReplyParseStatus::kOk) return st;
    if (line.empty()) return Fail("empty reply line");
    char type = line[0];
    std::string_view body = line.substr(1);
    switch (type) {
      case '+':
        *out = Reply::Scalar(ReplyType::kStatus, std::string(body));
        return ReplyParseStatus::kOk;
      case '-':
        *out = Reply::Scalar(ReplyType::kError, std::string(body));
        return ReplyParseStatus::kOk;
      case ':':
        return ParseIntegerReply(body, out);
      case ',':
        *out = Reply::Scalar(ReplyType::kDouble, std::string(body));
        return ReplyParseStatus::kOk;
      case '(':
        *out = Reply::Scalar(ReplyType::kBigNumber, std::string(body));
        return ReplyParseStatus::kOk;
      case '_':
        *out = Reply();
        return ReplyParseStatus::kOk;
      case '#':
        if (body != "t" && body != "f") return Fail("bad boolean");
        *out = Reply();
        out->type = ReplyType::kBool;
        out->integer = body == "t" ? 1 : 0;
        return ReplyParseStatus::kOk;
      case '$':
      case '!':
      case '=':
        return ParseBulk(type, body, out);
      case '*':
        return ParseAggregate(ReplyType::kArray, body, 1, out, depth);
      case '~':
        return ParseAggregate(ReplyType::kSet, body, 1, out, depth);
      case '>':
        return ParseAggregate(ReplyType::kPush, body, 1, out, depth);
      case '%':
        return ParseAggregate(ReplyType::kMap, body, 2, out, depth);
      case '|': {
        Reply attributes;
        if (auto st = ParseAggregate(ReplyType::kMap, body, 2, &attributes, depth);
            st != ReplyParseStatus::kOk)
          return st;
        return Parse(out, depth);
      }
      default:
        return Fail("Protocol error, got \"" + std::string(1, type) + "\" as reply type byte");
    }
  }

  size_t pos() const { return pos_; }

 private:
  ReplyParseStatus Fail(std::string msg) {
    *error_ = std::move(msg);
    return ReplyParseStatus::kError;
  }

  ReplyParseStatus Line(std::string_view* line) {
    size_t end = data_.find("\r\n", pos_);
    if (end == std::string_view::npos) return ReplyParseStatus::kIncomplete;
    *line = data_.substr(pos_, end - pos_);
    pos_ = end + 2;
    return ReplyParseStatus::kOk;
  }

  bool ToInt(std::string_view s, int64_t* v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && p == s.data() + s.size() && !s.empty();
  }

  ReplyParseStatus ParseIntegerReply(std::string_view body, Reply* out) {
    int64_t v;
    if (!ToInt(body, &v)) return Fail("bad integer");
    *out = Reply::Integer(v);
    return ReplyParseStatus::kOk;
  }

  ReplyParseStatus ParseBulk(char type, std::string_view body, Reply* out) {
    int64_t len;
    if (!ToInt(body, &len) || len < -1) return Fail("bad bulk length");
    if (len == -1) {
      *out = Reply();
      return ReplyParseStatus::kOk;
    }
    if (data_.size() - pos_ < static_cast<size_t>(len) + 2) return ReplyParseStatus::kIncomplete;
    std::string_view payload = data_.substr(pos_, static_cast<size_t>(len));
    if (data_.substr(pos_ + len, 2) != "\r\n") return Fail("bulk string not terminated");
    pos_ += len + 2;
    if (type == '$') {
      *out = Reply::Scalar(ReplyType::kString, std::string(payload));
    } else if (type == '!') {
      *out = Reply::Scalar(ReplyType::kError, std::string(payload));
    } else {
      *out = Reply();
      out->type = ReplyType::kVerbatim;
      if (payload.size() >= 4 && payload[3] == ':') {
        out->format = std::string(payload.substr(0, 3));
        payload.remove_prefix(4);
      }
      out->str = std::string(payload);
    }
    return ReplyParseStatus::kOk;
  }

  ReplyParseStatus ParseAggregate(ReplyType type, std::string_view body, int per_entry, Reply* out,
                                  int depth) {
    int64_t n;
    if (!ToInt(body, &n) || n < -1) return Fail("bad aggregate length");
    if (n == -1) {
      *out = Reply();
      return ReplyParseStatus::kOk;
    }
    Reply agg;
    agg.type = type;
    // Never trust the count for a reservation larger than the bytes we hold.
    agg.elements.reserve(std::min<size_t>(static_cast<size_t>(n) * per_entry, data_.size()));
    for (int64_t i = 0; i < n * per_entry; ++i) {
      Reply child;
      if (auto st = Parse(&child, depth + 1); st != ReplyParseStatus::kOk) return st;
      agg.elements.push_back(std::move(child));
    }
    *out = std::move(agg);
    return ReplyParseStatus::kOk;
  }

  std::string_view data_;
  std::string* error_;
  size_t pos_ = 0;
};

}  // namespace

const Reply* Reply::Find(std::string_view key) const {
  if (type != ReplyType::kMap && type != ReplyType::kArray) return nullptr;
  for (size_t i = 0; i + 1 < elements.size(); i += 2) {
    const Reply& k = elements[i];
    if ((k.type == ReplyType::kString || k.type == ReplyType::kStatus) && k.str == key)
      return &elements[i + 1];
  }
  return nullptr;
}

Reply Reply::Integer(int64_t v) {
  Reply r;
  r.type = ReplyType::kInteger;
  r.integer = v;
  return r;
}

Reply Reply::Aggregate(ReplyType type, std::vector<Reply> elements) {
  Reply r;
  r.type = type;
  r.elements = std::move(elements);
  return r;
}

Reply Reply::Scalar(ReplyType type, std::string s) {
  Reply r;
  r.type = type;
  r.str = std::move(s);
  return r;
}

ReplyParseStatus ParseReply(std::string_view data, Reply* out, size_t* consumed,
                            std::string* error) {
  Parser p(data, error);
  Reply r;
  ReplyParseStatus st = p.Parse(&r, 0);
  if (st == ReplyParseStatus::kOk) {
    *out = std::move(r);
    *consumed = p.pos();
  }
  return st;
}

std::string EncodeCommand(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out += a;
    out += "\r\n";
  }
  return out;
}

}  // namespace ember::client
