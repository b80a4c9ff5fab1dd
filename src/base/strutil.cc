#include "base/strutil.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>

// Behaviour notes (all checked against redis-server 7.0.15 on x86-64):
//
// * Integers: "0" and "-9223372036854775808" are valid; "-0", "01", "+1", " 1", "1 ", "" and
//   anything out of range are not ("ERR value is not an integer or out of range").
//
// * INCRBYFLOAT errors are split between two places:
//   - ParseLongDouble() decides "ERR value is not a valid float" for both the stored value and
//     the increment: empty, longer than 5119 bytes, leading whitespace, trailing garbage
//     (including embedded NUL bytes), any NaN spelling, and decimal overflow/underflow
//     ("1e5000", "1e-5000"). It ACCEPTS the literals "inf", "-inf", "+inf", "infinity"
//     (any case): Redis replies to `INCRBYFLOAT k inf` with "ERR increment would produce NaN or
//     Infinity", not "not a valid float".
//   - The caller must check the sum with std::isnan/std::isinf and reply
//     "ERR increment would produce NaN or Infinity" (also for finite overflow such as
//     1e4932 + 1e4932).
//   The result is printed with FormatLongDoubleHuman().
//
// * ParseDouble() (ZADD scores etc.) has no length limit, accepts "inf" spellings and hex
//   floats ("0x10"), rejects NaN, leading whitespace, trailing garbage, and overflow/underflow
//   to zero ("1e400", "1e-400"); denormals ("5e-324") are accepted.
//
// * Both float parsers and both float formatters use the C library and assume LC_NUMERIC is
//   "C" (the default unless the process calls setlocale), as Redis does.
//
// * GlobMatch() quirks kept on purpose (Redis's matcher, observed with KEYS/CONFIG GET/HSCAN/
//   PSUBSCRIBE):
//   - An empty string matches only the empty pattern: "*" does NOT match "" (Redis special-
//     cases a bare "*" in KEYS/SCAN before calling the matcher; callers must do the same).
//   - "[]" is an empty set (never matches); "[^]" matches any byte; "[!a]" is the set {!, a}.
//   - An unterminated set ends at the end of the pattern: "[ab" is [ab], "[" never matches,
//     "[^" matches any byte.
//   - "x-y" inside a set is a range whenever two more pattern bytes follow the 'x', even if
//     the 'y' is ']': "[a-]" is the range ']'..'a' and is still unterminated.
//   - Reversed ranges are swapped ("[z-a]" == "[a-z]"); range bounds and the subject byte
//     compare as signed chars, so bytes >= 0x80 sort below ASCII.
//   - nocase: literals, "\x" outside a set, and range bounds fold ASCII case, but the bounds
//     are folded after the swap (so "[Z-a]" and "[A-_]" match nothing), and "\x" inside a
//     set compares case-sensitively.
//   - A trailing '\' matches a literal '\'.
//   - Redis limits recursion: a pattern with more than 1000 '*' runs that are followed by more
//     pattern never matches anything.
//   The matcher here is iterative (greedy with a single backtrack point), O(len(p)*len(s)).

namespace ember {

namespace {

struct DigitPairs {
  char data[200];
};

constexpr DigitPairs MakeDigitPairs() {
  DigitPairs t{};
  for (int i = 0; i < 100; ++i) {
    t.data[2 * i] = static_cast<char>('0' + i / 10);
    t.data[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return t;
}

// "00", "01", ..., "99" back to back.
constexpr DigitPairs kDigitPairTable = MakeDigitPairs();
constexpr const char* kDigitPairs = kDigitPairTable.data;

// Redis's string2ll/string2ld/string2d copy into a buffer of this size, so a long double
// argument can be at most 5119 bytes long.
constexpr size_t kMaxLongDoubleChars = 5 * 1024;

// Small inputs are NUL-terminated on the stack; longer ones (rare, usually hostile) go to
// the heap.
constexpr size_t kStackBuf = 128;

inline bool IsCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

inline unsigned char AsciiLower(unsigned char c) {
  return static_cast<unsigned char>(c - 'A') < 26 ? static_cast<unsigned char>(c + 32) : c;
}

// Digits of v (v > 0 or v == 0 gives 1).
inline int CountDigits(uint64_t v) {
  int n = 1;
  for (;;) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000;
    n += 4;
  }
}

// Writes the decimal digits of v into buf; returns the length.
inline size_t FormatUint64(uint64_t v, char* buf) {
  const int len = CountDigits(v);
  int pos = len - 1;
  while (v >= 100) {
    const unsigned i = static_cast<unsigned>(v % 100) * 2;
    v /= 100;
    buf[pos] = kDigitPairs[i + 1];
    buf[pos - 1] = kDigitPairs[i];
    pos -= 2;
  }
  if (v < 10) {
    buf[pos] = static_cast<char>('0' + v);
  } else {
    const unsigned i = static_cast<unsigned>(v) * 2;
    buf[pos] = kDigitPairs[i + 1];
    buf[pos - 1] = kDigitPairs[i];
  }
  return static_cast<size_t>(len);
}

// Parses a non-empty run of at most 20 digits without a leading zero (unless it is "0"
// and allow_zero is set). On success stores the value and returns true; fails on overflow.
inline bool ParseDigits(const char* p, size_t n, bool allow_zero, uint64_t* out) {
  if (n == 0 || n > 20) return false;
  if (p[0] == '0') {
    if (n == 1 && allow_zero) {
      *out = 0;
      return true;
    }
    return false;
  }
  uint64_t v = 0;
  const size_t fast = n < 19 ? n : 19;  // 19 digits always fit in uint64_t.
  for (size_t i = 0; i < fast; ++i) {
    const unsigned d = static_cast<unsigned char>(p[i]) - unsigned{'0'};
    if (d > 9) return false;
    v = v * 10 + d;
  }
  if (n == 20) {
    const unsigned d = static_cast<unsigned char>(p[19]) - unsigned{'0'};
    if (d > 9) return false;
    constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
    if (v > (kMax - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

// Holds a NUL-terminated copy of a string_view.
class CString {
 public:
  explicit CString(std::string_view s) {
    char* dst = stack_;
    if (s.size() >= kStackBuf) {
      heap_.reset(new char[s.size() + 1]);
      dst = heap_.get();
    }
    std::memcpy(dst, s.data(), s.size());
    dst[s.size()] = '\0';
    ptr_ = dst;
  }
  const char* get() const { return ptr_; }

 private:
  char stack_[kStackBuf];
  std::unique_ptr<char[]> heap_;
  const char* ptr_;
};

// Fast path for short plain integers ("-" followed by 1..15 digits, or just digits). Every
// such value is exactly representable in a double, so the result equals strtod's.
inline bool ParseSmallIntAsDouble(std::string_view s, double* out) {
  size_t i = 0;
  const bool neg = !s.empty() && s[0] == '-';
  if (neg) i = 1;
  const size_t n = s.size() - i;
  if (n == 0 || n > 15) return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    const unsigned d = static_cast<unsigned char>(s[i]) - unsigned{'0'};
    if (d > 9) return false;
    v = v * 10 + d;
  }
  const double d = static_cast<double>(v);
  *out = neg ? -d : d;
  return true;
}

// Result of matching one non-'*' pattern token against one byte.
struct TokenMatch {
  bool matched;
  size_t next;  // Pattern index just past the token.
};

inline int FoldSigned(int c, bool nocase) {
  if (!nocase) return c;
  return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

// Matches the '['-set starting at pattern[pos] against byte c.
TokenMatch MatchSet(std::string_view pattern, size_t pos, char c, bool nocase) {
  const size_t n = pattern.size();
  size_t i = pos + 1;
  bool negate = false;
  if (i < n && pattern[i] == '^') {
    negate = true;
    ++i;
  }
  bool match = false;
  const int sc = static_cast<signed char>(c);
  for (;;) {
    if (i >= n) break;  // Unterminated: the set runs to the end of the pattern.
    const char pc = pattern[i];
    if (pc == '\\' && n - i >= 2) {
      // Escaped member: compared exactly, even when nocase is set.
      if (pattern[i + 1] == c) match = true;
      i += 2;
    } else if (pc == ']') {
      ++i;
      break;
    } else if (n - i >= 3 && pattern[i + 1] == '-') {
      int lo = static_cast<signed char>(pc);
      int hi = static_cast<signed char>(pattern[i + 2]);
      if (lo > hi) std::swap(lo, hi);
      lo = FoldSigned(lo, nocase);
      hi = FoldSigned(hi, nocase);
      const int x = FoldSigned(sc, nocase);
      if (x >= lo && x <= hi) match = true;
      i += 3;
    } else {
      if (FoldSigned(static_cast<signed char>(pc), nocase) == FoldSigned(sc, nocase)) {
        match = true;
      }
      ++i;
    }
  }
  return {match != negate, i};
}

// Matches the single-byte token at pattern[pos] (anything but '*') against byte c.
inline TokenMatch MatchToken(std::string_view pattern, size_t pos, char c, bool nocase) {
  const char pc = pattern[pos];
  switch (pc) {
    case '?':
      return {true, pos + 1};
    case '[':
      return MatchSet(pattern, pos, c, nocase);
    case '\\':
      if (pos + 1 < pattern.size()) {
        const char lit = pattern[pos + 1];
        const bool eq = nocase ? AsciiLower(static_cast<unsigned char>(lit)) ==
                                     AsciiLower(static_cast<unsigned char>(c))
                               : lit == c;
        return {eq, pos + 2};
      }
      return {c == '\\', pos + 1};  // A trailing backslash is a literal backslash.
    default: {
      const bool eq = nocase ? AsciiLower(static_cast<unsigned char>(pc)) ==
                                   AsciiLower(static_cast<unsigned char>(c))
                             : pc == c;
      return {eq, pos + 1};
    }
  }
}

// Redis gives up (no match) past this many nested '*' runs.
constexpr int kMaxStarNesting = 1000;

}  // namespace

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  const char* p = s.data();
  size_t n = s.size();
  if (p[0] == '-') {
    uint64_t v;
    // "-0" is rejected, like Redis.
    if (!ParseDigits(p + 1, n - 1, /*allow_zero=*/false, &v)) return false;
    if (v > uint64_t{1} << 63) return false;
    *out = static_cast<int64_t>(0 - v);  // Modular conversion, well defined since C++20.
    return true;
  }
  uint64_t v;
  if (!ParseDigits(p, n, /*allow_zero=*/true, &v)) return false;
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

bool ParseUint64(std::string_view s, uint64_t* out) {
  return ParseDigits(s.data(), s.size(), /*allow_zero=*/true, out);
}

// Writes at most 20 bytes and no NUL terminator.
size_t FormatInt64(int64_t v, char* buf) {
  if (v < 0) {
    buf[0] = '-';
    // 0 - v in unsigned arithmetic handles INT64_MIN.
    return 1 + FormatUint64(0 - static_cast<uint64_t>(v), buf + 1);
  }
  return FormatUint64(static_cast<uint64_t>(v), buf);
}

std::string Int64ToString(int64_t v) {
  char buf[21];
  return std::string(buf, FormatInt64(v, buf));
}

bool ParseLongDouble(std::string_view s, long double* out) {
  if (s.empty() || s.size() >= kMaxLongDoubleChars || IsCSpace(s[0])) return false;
  CString cs(s);
  char* end = nullptr;
  errno = 0;
  const long double v = std::strtold(cs.get(), &end);
  if (static_cast<size_t>(end - cs.get()) != s.size()) return false;
  if (errno == ERANGE && (std::isinf(v) || v == 0.0L)) return false;
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty() || IsCSpace(s[0])) return false;
  if (ParseSmallIntAsDouble(s, out)) return true;
  CString cs(s);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(cs.get(), &end);
  if (static_cast<size_t>(end - cs.get()) != s.size()) return false;
  if (errno == ERANGE && (std::isinf(v) || v == 0.0)) return false;
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

std::string FormatLongDoubleHuman(long double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char small[64];
  int len = std::snprintf(small, sizeof(small), "%.17Lf", v);
  std::string out;
  if (len < static_cast<int>(sizeof(small))) {
    out.assign(small, static_cast<size_t>(len));
  } else {
    // Up to ~4950 bytes for values near LDBL_MAX.
    out.resize(static_cast<size_t>(len));
    std::snprintf(out.data(), out.size() + 1, "%.17Lf", v);
  }
  if (out.find('.') != std::string::npos) {
    size_t n = out.size();
    while (out[n - 1] == '0') --n;
    if (out[n - 1] == '.') --n;
    out.resize(n);
  }
  if (out == "-0") out = "0";
  return out;
}

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  const int len = std::snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, static_cast<size_t>(len));
}

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  // Redis never enters its matching loop for an empty subject.
  if (str.empty()) return pattern.empty();

  const size_t plen = pattern.size();
  const size_t slen = str.size();
  size_t p = 0;
  size_t s = 0;
  // Backtrack point: pattern index just after the last '*' run, and the subject index that
  // run is currently assumed to extend to. Only the last run ever needs to be re-tried,
  // because every other token consumes exactly one byte.
  size_t star_p = std::string_view::npos;
  size_t star_s = 0;
  int star_runs = 0;

  while (s < slen) {
    if (p < plen && pattern[p] == '*') {
      while (p + 1 < plen && pattern[p + 1] == '*') ++p;
      if (p + 1 == plen) return true;  // A trailing '*' swallows the rest.
      if (++star_runs > kMaxStarNesting) return false;
      star_p = ++p;
      star_s = s;
      continue;
    }
    if (p < plen) {
      const TokenMatch m = MatchToken(pattern, p, str[s], nocase);
      if (m.matched) {
        p = m.next;
        ++s;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    s = ++star_s;
  }
  while (p < plen && pattern[p] == '*') ++p;
  return p == plen;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(static_cast<unsigned char>(a[i])) !=
        AsciiLower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string Printable(std::string_view key) {
  std::string out;
  for (char c : key.substr(0, 128)) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 32 && u < 127 && c != '\\' && c != '\'') {
      out += c;
    } else {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    }
  }
  if (key.size() > 128) out += "...";
  return out;
}

}  // namespace ember
