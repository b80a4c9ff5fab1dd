#include "families/string_ops.h"

#include <limits>
#include <memory>
#include <new>

#include "base/strutil.h"

namespace ember::families {

namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// "EX" and friends are two to four letters; compare without allocating.
ExpireKind ExpireWord(std::string_view w) {
  if (EqualsIgnoreCase(w, "EX")) return ExpireKind::kEx;
  if (EqualsIgnoreCase(w, "PX")) return ExpireKind::kPx;
  if (EqualsIgnoreCase(w, "EXAT")) return ExpireKind::kExAt;
  if (EqualsIgnoreCase(w, "PXAT")) return ExpireKind::kPxAt;
  return ExpireKind::kNone;
}

}  // namespace

bool ParseSetOptions(cmd::ArgList args, size_t first, bool for_set, SetOptions* out) {
  using Cond = SetOptions::Cond;
  for (size_t i = first; i < args.size(); ++i) {
    std::string_view w = args[i];
    const bool has_next = i + 1 < args.size();
    ExpireKind kind = ExpireWord(w);
    if (kind != ExpireKind::kNone) {
      // The same kind may repeat (last wins); a different kind, KEEPTTL or PERSIST conflicts.
      bool conflict = out->keep_ttl || out->persist ||
                      (out->expire != ExpireKind::kNone && out->expire != kind);
      if (conflict || !has_next) return false;
      out->expire = kind;
      out->expire_arg = args[++i];
    } else if (for_set && EqualsIgnoreCase(w, "NX") && out->cond != Cond::kIfPresent) {
      out->cond = Cond::kIfAbsent;
    } else if (for_set && EqualsIgnoreCase(w, "XX") && out->cond != Cond::kIfAbsent) {
      out->cond = Cond::kIfPresent;
    } else if (for_set && EqualsIgnoreCase(w, "GET")) {
      out->get = true;
    } else if (for_set && EqualsIgnoreCase(w, "KEEPTTL") && out->expire == ExpireKind::kNone) {
      out->keep_ttl = true;
    } else if (!for_set && EqualsIgnoreCase(w, "PERSIST") && out->expire == ExpireKind::kNone) {
      out->persist = true;
    } else {
      return false;
    }
  }
  return true;
}

ExpireParse ParseExpireAt(std::string_view arg, ExpireKind kind, int64_t now_ms, int64_t* out) {
  int64_t v;
  if (!ParseInt64(arg, &v)) return ExpireParse::kNotInteger;
  if (v <= 0) return ExpireParse::kInvalid;
  if (kind == ExpireKind::kEx || kind == ExpireKind::kExAt) {
    if (v > kInt64Max / 1000) return ExpireParse::kInvalid;
    v *= 1000;
  }
  if (kind == ExpireKind::kEx || kind == ExpireKind::kPx) {
    // Redis adds the current time and rejects a result that wrapped; check before adding.
    if (now_ms > 0 && v > kInt64Max - now_ms) return ExpireParse::kInvalid;
    v += now_ms;
    if (v <= 0) return ExpireParse::kInvalid;
  }
  *out = v;
  return ExpireParse::kOk;
}

std::string InvalidExpireError(std::string_view command_name) {
  std::string msg = "ERR invalid expire time in '";
  msg.append(command_name);
  msg.append("' command");
  return msg;
}

std::string_view StringRange(std::string_view s, int64_t start, int64_t end) {
  const int64_t len = static_cast<int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) return {};
  // len + index cannot overflow: index < 0 and len >= 0.
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (len == 0 || start > end) return {};
  return s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1));
}

LcsStatus ComputeLcs(std::string_view a, std::string_view b, bool want_sequence, bool want_matches,
                     int64_t min_match_len, int64_t max_table_bytes, LcsResult* out) {
  constexpr uint64_t kMaxLen = std::numeric_limits<uint32_t>::max() - 1;
  if (a.size() >= kMaxLen || b.size() >= kMaxLen) return LcsStatus::kTooLong;
  const uint64_t rows = a.size() + 1;
  const uint64_t cols = b.size() + 1;
  const uint64_t cells = rows * cols;  // < 2^64: both factors are below 2^32
  if (cells > std::numeric_limits<uint64_t>::max() / sizeof(uint32_t)) {
    return LcsStatus::kNoMemory;
  }
  const uint64_t bytes = cells * sizeof(uint32_t);
  if (bytes > static_cast<uint64_t>(max_table_bytes)) return LcsStatus::kTableTooBig;
  if (bytes > std::numeric_limits<size_t>::max()) return LcsStatus::kNoMemory;
  std::unique_ptr<uint32_t[]> table(new (std::nothrow) uint32_t[cells]);
  if (!table) return LcsStatus::kNoMemory;

  // table[i * cols + j] = LCS length of a[0, i) and b[0, j).
  uint32_t* t = table.get();
  for (uint64_t j = 0; j < cols; ++j) t[j] = 0;
  for (uint64_t i = 1; i < rows; ++i) {
    uint32_t* row = t + i * cols;
    const uint32_t* up = row - cols;
    row[0] = 0;
    const char ca = a[i - 1];
    for (uint64_t j = 1; j < cols; ++j) {
      if (ca == b[j - 1]) {
        row[j] = up[j - 1] + 1;
      } else {
        row[j] = up[j] > row[j - 1] ? up[j] : row[j - 1];
      }
    }
  }

  const uint32_t total = t[rows * cols - 1];
  out->length = total;
  out->sequence.clear();
  out->matches.clear();
  if (!want_sequence && !want_matches) return LcsStatus::kOk;
  if (want_sequence) out->sequence.resize(total);

  // Walk back from the end. A run grows while consecutive matches sit diagonally next to it.
  size_t pos = total;
  uint64_t i = a.size();
  uint64_t j = b.size();
  bool in_run = false;
  LcsMatch run{};
  auto flush = [&] {
    if (want_matches && in_run && static_cast<int64_t>(run.length()) >= min_match_len) {
      out->matches.push_back(run);
    }
  };
  while (i > 0 && j > 0) {
    if (a[i - 1] == b[j - 1]) {
      if (want_sequence) out->sequence[--pos] = a[i - 1];
      const auto ai = static_cast<uint32_t>(i - 1);
      const auto bj = static_cast<uint32_t>(j - 1);
      if (in_run && run.a_start == ai + 1 && run.b_start == bj + 1) {
        run.a_start = ai;
        run.b_start = bj;
      } else {
        flush();
        run = LcsMatch{ai, ai, bj, bj};
        in_run = true;
      }
      --i;
      --j;
    } else if (t[(i - 1) * cols + j] > t[i * cols + j - 1]) {
      --i;
    } else {
      --j;
    }
  }
  flush();
  return LcsStatus::kOk;
}

}  // namespace ember::families
