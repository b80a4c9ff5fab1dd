#include "persist/aof_propagate.h"

#include <limits>

#include "base/strutil.h"

namespace ember::persist {

namespace {

template <typename S>
void AppendRespImpl(std::string* out, std::span<const S> args) {
  char buf[24];
  out->push_back('*');
  out->append(buf, FormatInt64(static_cast<int64_t>(args.size()), buf));
  out->append("\r\n");
  for (const S& a : args) {
    out->push_back('$');
    out->append(buf, FormatInt64(static_cast<int64_t>(a.size()), buf));
    out->append("\r\n");
    out->append(a.data(), a.size());
    out->append("\r\n");
  }
}

int64_t SaturatingMul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r))
    return (a < 0) != (b < 0) ? std::numeric_limits<int64_t>::min()
                              : std::numeric_limits<int64_t>::max();
  return r;
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    return a < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  return r;
}

AofCommand Copy(std::span<const std::string_view> args) {
  return AofCommand(args.begin(), args.end());
}

// Converts an expiry option word and its argument to absolute ms; false if `word` is not one.
bool ExpiryOptionToAbs(std::string_view word, std::string_view value, int64_t now_ms,
                       int64_t* abs_ms) {
  int64_t v;
  if (!ParseInt64(value, &v)) return false;
  if (EqualsIgnoreCase(word, "EX")) {
    *abs_ms = AbsoluteExpireMs(v, 1000, now_ms);
  } else if (EqualsIgnoreCase(word, "PX")) {
    *abs_ms = AbsoluteExpireMs(v, 1, now_ms);
  } else if (EqualsIgnoreCase(word, "EXAT")) {
    *abs_ms = SaturatingMul(v, 1000);
  } else if (EqualsIgnoreCase(word, "PXAT")) {
    *abs_ms = v;
  } else {
    return false;
  }
  return true;
}

std::vector<AofCommand> RewriteSet(std::span<const std::string_view> args, int64_t now_ms) {
  AofCommand out{"SET"};
  if (args.size() < 3) return {Copy(args)};
  out.emplace_back(args[1]);
  out.emplace_back(args[2]);
  for (size_t i = 3; i < args.size(); ++i) {
    int64_t abs_ms;
    if (i + 1 < args.size() && ExpiryOptionToAbs(args[i], args[i + 1], now_ms, &abs_ms)) {
      out.emplace_back("PXAT");
      out.push_back(Int64ToString(abs_ms));
      ++i;
    } else {
      out.emplace_back(args[i]);
    }
  }
  return {std::move(out)};
}

std::vector<AofCommand> RewriteExpire(std::span<const std::string_view> args, int64_t now_ms,
                                      int64_t unit_ms, bool absolute) {
  int64_t v;
  if (args.size() < 3 || !ParseInt64(args[2], &v)) return {Copy(args)};
  int64_t abs_ms = absolute ? SaturatingMul(v, unit_ms) : AbsoluteExpireMs(v, unit_ms, now_ms);
  AofCommand out{"PEXPIREAT", std::string(args[1]), Int64ToString(abs_ms)};
  for (size_t i = 3; i < args.size(); ++i) out.emplace_back(args[i]);
  return {std::move(out)};
}

std::vector<AofCommand> RewriteGetEx(std::span<const std::string_view> args, int64_t now_ms) {
  if (args.size() < 2) return {Copy(args)};
  for (size_t i = 2; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "PERSIST")) return {AofCommand{"PERSIST", std::string(args[1])}};
    int64_t abs_ms;
    if (i + 1 < args.size() && ExpiryOptionToAbs(args[i], args[i + 1], now_ms, &abs_ms))
      return {AofCommand{"PEXPIREAT", std::string(args[1]), Int64ToString(abs_ms)}};
  }
  return {};  // plain GETEX only reads
}

}  // namespace

void AppendRespCommand(std::string* out, std::span<const std::string_view> args) {
  AppendRespImpl(out, args);
}
void AppendRespCommand(std::string* out, std::span<const std::string> args) {
  AppendRespImpl(out, args);
}

int64_t AbsoluteExpireMs(int64_t amount, int64_t unit_ms, int64_t now_ms) {
  return SaturatingAdd(SaturatingMul(amount, unit_ms), now_ms);
}

std::vector<AofCommand> MakeDeterministic(std::span<const std::string_view> args, int64_t now_ms) {
  if (args.empty()) return {};
  std::string_view name = args[0];
  if (EqualsIgnoreCase(name, "SET")) return RewriteSet(args, now_ms);
  if ((EqualsIgnoreCase(name, "SETEX") || EqualsIgnoreCase(name, "PSETEX")) && args.size() == 4) {
    int64_t v;
    if (!ParseInt64(args[2], &v)) return {Copy(args)};
    int64_t unit = EqualsIgnoreCase(name, "SETEX") ? 1000 : 1;
    return {AofCommand{"SET", std::string(args[1]), std::string(args[3]), "PXAT",
                       Int64ToString(AbsoluteExpireMs(v, unit, now_ms))}};
  }
  if (EqualsIgnoreCase(name, "EXPIRE")) return RewriteExpire(args, now_ms, 1000, false);
  if (EqualsIgnoreCase(name, "PEXPIRE")) return RewriteExpire(args, now_ms, 1, false);
  if (EqualsIgnoreCase(name, "EXPIREAT")) return RewriteExpire(args, now_ms, 1000, true);
  if (EqualsIgnoreCase(name, "GETEX")) return RewriteGetEx(args, now_ms);
  return {Copy(args)};
}

AofCommand RewriteIncrByFloat(std::string_view key, std::string_view result) {
  return AofCommand{"SET", std::string(key), std::string(result), "KEEPTTL"};
}

}  // namespace ember::persist
