#include "resp/parser.h"

#include <algorithm>
#include <cstring>

#include "base/strutil.h"

namespace ember::resp {

namespace {

// Finds "\r\n" at or after `from`; returns npos when absent. Header lines are short, so the
// first bytes are scanned inline before handing long lines to memchr.
size_t FindCrlf(std::string_view data, size_t from) {
  const size_t inline_end = std::min(data.size(), from + 24);
  for (size_t i = from; i < inline_end; ++i) {
    if (data[i] == '\r') {
      if (i + 1 >= data.size()) return std::string_view::npos;
      if (data[i + 1] == '\n') return i;
    }
  }
  from = inline_end;
  while (from < data.size()) {
    const void* p = memchr(data.data() + from, '\r', data.size() - from);
    if (p == nullptr) return std::string_view::npos;
    size_t i = static_cast<const char*>(p) - data.data();
    if (i + 1 >= data.size()) return std::string_view::npos;
    if (data[i + 1] == '\n') return i;
    from = i + 1;
  }
  return std::string_view::npos;
}

// Header numbers ("*3", "$5"): Redis accepts what string2ll accepts. One and two digit counts
// dominate pipelined traffic, so they skip the general parser.
bool ParseHeaderNumber(std::string_view s, int64_t* out) {
  if (s.size() == 1 && s[0] >= '0' && s[0] <= '9') {
    *out = s[0] - '0';
    return true;
  }
  if (s.size() == 2 && s[0] >= '1' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9') {
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return true;
  }
  return ParseInt64(s, out);
}

// A header number as the fast path accepts it: "0" or 1-18 digits without a leading zero,
// then CRLF. Advances p past the CRLF. Anything else is left to the general path.
inline bool ReadHeaderNumber(const char*& p, const char* end, int64_t* out) {
  const char* q = p;
  if (q >= end) return false;
  int64_t v = *q - '0';
  if (static_cast<uint64_t>(v) > 9) return false;
  ++q;
  if (v != 0) {
    const char* limit = end - q > 17 ? q + 17 : end;
    while (q < limit && static_cast<unsigned>(*q - '0') <= 9) v = v * 10 + (*q++ - '0');
  }
  if (end - q < 2 || q[0] != '\r' || q[1] != '\n') return false;
  p = q + 2;
  *out = v;
  return true;
}

// One pass over a complete multibulk request with canonical headers ("*N\r\n" then N
// "$len\r\n<bytes>\r\n", at most max_n and max_len): on_arg(i, bytes) for each argument, then
// the request's length. 0, after calling on_arg for some arguments perhaps, when data does
// not start with such a request (incomplete, malformed, over a limit): RequestParser then
// takes its resumable path, PeekRequest gives up.
template <typename OnArg>
inline size_t ScanComplete(std::string_view data, int64_t max_n, int64_t max_len, OnArg&& on_arg) {
  if (data.empty() || data[0] != '*') return 0;
  const char* p = data.data() + 1;
  const char* end = data.data() + data.size();
  int64_t n;
  if (!ReadHeaderNumber(p, end, &n) || n <= 0 || n > max_n) return 0;
  for (int64_t i = 0; i < n; ++i) {
    if (p >= end || *p != '$') return 0;
    ++p;
    int64_t len;
    if (!ReadHeaderNumber(p, end, &len) || len > max_len || end - p < len + 2) return 0;
    on_arg(i, std::string_view(p, static_cast<size_t>(len)));
    p += len + 2;  // like Redis, the two bytes after the payload are skipped unchecked
  }
  return static_cast<size_t>(p - data.data());
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
}

}  // namespace

void RequestParser::Reset() {
  pos_ = 0;
  remaining_ = -1;
  bulk_len_ = -1;
  spans_.clear();
  min_bytes_ = 0;
}

ParseStatus RequestParser::Fail(const char* msg) {
  error_ = msg;
  Reset();
  return ParseStatus::kError;
}

ParseStatus RequestParser::Parse(std::string_view data) {
  if (data.size() < min_bytes_) return ParseStatus::kIncomplete;
  if (pos_ == 0) {
    if (data.empty()) {
      min_bytes_ = 1;
      return ParseStatus::kIncomplete;
    }
    if (data[0] != '*') return ParseInline(data);
    if (ParseComplete(data)) return ParseStatus::kOk;
  }
  return ParseMultibulk(data);
}

bool RequestParser::ParseComplete(std::string_view data) {
  args_.clear();
  const size_t len = ScanComplete(data, limits_->max_multibulk_len, limits_->max_bulk_len,
                                  [&](int64_t, std::string_view arg) { args_.push_back(arg); });
  if (len == 0) return false;
  consumed_ = len;
  min_bytes_ = 0;
  return true;
}

ParseStatus RequestParser::Done(std::string_view data, size_t end) {
  args_.clear();
  for (auto [off, len] : spans_) args_.emplace_back(data.data() + off, len);
  consumed_ = end;
  Reset();
  return ParseStatus::kOk;
}

ParseStatus RequestParser::ParseMultibulk(std::string_view data) {
  if (remaining_ < 0) {
    size_t eol = FindCrlf(data, 0);
    if (eol == std::string_view::npos) {
      if (data.size() > limits_->max_inline_len)
        return Fail("Protocol error: too big mbulk count string");
      min_bytes_ = data.size() + 1;
      return ParseStatus::kIncomplete;
    }
    int64_t n;
    if (!ParseHeaderNumber(data.substr(1, eol - 1), &n))
      return Fail("Protocol error: invalid multibulk length");
    if (n > limits_->max_multibulk_len) return Fail(limits_->multibulk_error);
    pos_ = eol + 2;
    if (n <= 0) {
      args_.clear();
      consumed_ = pos_;
      Reset();
      return ParseStatus::kOk;
    }
    remaining_ = n;
    spans_.clear();
    // Reserve modestly: a hostile count must not make us allocate.
    spans_.reserve(n < 1024 ? n : 1024);
  }
  while (remaining_ > 0) {
    if (bulk_len_ < 0) {
      if (pos_ >= data.size()) {
        min_bytes_ = pos_ + 1;
        return ParseStatus::kIncomplete;
      }
      size_t eol = FindCrlf(data, pos_);
      if (eol == std::string_view::npos) {
        if (data.size() - pos_ > limits_->max_inline_len)
          return Fail("Protocol error: too big bulk count string");
        min_bytes_ = data.size() + 1;
        return ParseStatus::kIncomplete;
      }
      if (data[pos_] != '$') {
        error_ = "Protocol error: expected '$', got '";
        error_ += data[pos_];
        error_ += "'";
        Reset();
        return ParseStatus::kError;
      }
      int64_t len;
      if (!ParseHeaderNumber(data.substr(pos_ + 1, eol - pos_ - 1), &len) || len < 0)
        return Fail("Protocol error: invalid bulk length");
      if (len > limits_->max_bulk_len) return Fail(limits_->bulk_error);
      bulk_len_ = len;
      pos_ = eol + 2;
    }
    size_t need = pos_ + static_cast<size_t>(bulk_len_) + 2;
    if (data.size() < need) {
      min_bytes_ = need;
      return ParseStatus::kIncomplete;
    }
    spans_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ = need;  // like Redis, the two bytes after the payload are skipped unchecked
    bulk_len_ = -1;
    --remaining_;
  }
  return Done(data, pos_);
}

ParseStatus RequestParser::ParseInline(std::string_view data) {
  const void* nl = memchr(data.data(), '\n', data.size());
  if (nl == nullptr) {
    if (data.size() > limits_->max_inline_len)
      return Fail("Protocol error: too big inline request");
    min_bytes_ = data.size() + 1;
    return ParseStatus::kIncomplete;
  }
  size_t end = static_cast<const char*>(nl) - data.data();
  std::string_view line = data.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!SplitInlineArgs(line, &inline_args_))
    return Fail("Protocol error: unbalanced quotes in request");
  args_.clear();
  for (const auto& a : inline_args_) args_.emplace_back(a);
  consumed_ = end + 1;
  Reset();
  return ParseStatus::kOk;
}

size_t PeekRequest(std::string_view data, std::string_view* args, size_t max, size_t* argc) {
  int64_t n = 0;
  const size_t len = ScanComplete(data, INT64_MAX, INT64_MAX, [&](int64_t i, std::string_view arg) {
    if (static_cast<uint64_t>(i) < max) args[i] = arg;
    n = i + 1;
  });
  if (len != 0) *argc = static_cast<size_t>(n);
  return len;
}

bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i >= n) return true;
    std::string cur;
    bool in_dq = false, in_sq = false, done = false;
    while (!done) {
      if (in_dq) {
        if (i >= n) return false;
        char c = line[i];
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          cur += static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3]));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          ++i;
          switch (line[i]) {
            case 'n':
              cur += '\n';
              break;
            case 'r':
              cur += '\r';
              break;
            case 't':
              cur += '\t';
              break;
            case 'b':
              cur += '\b';
              break;
            case 'a':
              cur += '\a';
              break;
            default:
              cur += line[i];
              break;
          }
        } else if (c == '"') {
          // A closing quote must be followed by a space or the end.
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          done = true;
        } else {
          cur += c;
        }
      } else if (in_sq) {
        if (i >= n) return false;
        char c = line[i];
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          cur += '\'';
        } else if (c == '\'') {
          if (i + 1 < n && !IsSpace(line[i + 1])) return false;
          done = true;
        } else {
          cur += c;
        }
      } else {
        if (i >= n) break;
        char c = line[i];
        if (IsSpace(c)) {
          done = true;
        } else if (c == '"') {
          in_dq = true;
        } else if (c == '\'') {
          in_sq = true;
        } else {
          cur += c;
        }
      }
      if (i < n) ++i;
    }
    out->push_back(std::move(cur));
  }
}

}  // namespace ember::resp
