#include "persist/aof_manifest.h"

#include "base/strutil.h"
#include "resp/parser.h"

namespace ember::persist {

namespace {

bool NeedsQuoting(std::string_view s) {
  if (s.empty()) return true;
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '\'' || c == '\\' || c >= 0x7f) return true;
  }
  return false;
}

void AppendName(std::string* out, std::string_view name) {
  if (!NeedsQuoting(name)) {
    out->append(name);
    return;
  }
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : name) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c < ' ' || c >= 0x7f) {
      out->append("\\x");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

bool Fail(std::string* error, size_t line_no, std::string_view why) {
  *error = "Invalid AOF manifest line " + std::to_string(line_no) + ": " + std::string(why);
  return false;
}

}  // namespace

std::vector<AofFileInfo> AofManifest::LoadOrder() const {
  std::vector<AofFileInfo> files;
  if (has_base) files.push_back(base);
  files.insert(files.end(), incrs.begin(), incrs.end());
  return files;
}

bool ParseAofManifest(std::string_view text, AofManifest* out, std::string* error) {
  *out = AofManifest{};
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    std::vector<std::string> words;
    if (!resp::SplitInlineArgs(line, &words)) return Fail(error, line_no, "unbalanced quotes");
    if (words.size() % 2 != 0) return Fail(error, line_no, "odd number of words");
    AofFileInfo info;
    bool have_name = false, have_seq = false, have_type = false;
    for (size_t i = 0; i < words.size(); i += 2) {
      const std::string& key = words[i];
      const std::string& val = words[i + 1];
      if (key == "file") {
        if (val.empty() || val.find('/') != std::string::npos || val == "." || val == "..")
          return Fail(error, line_no, "bad file name");
        info.name = val;
        have_name = true;
      } else if (key == "seq") {
        if (!ParseInt64(val, &info.seq) || info.seq <= 0) return Fail(error, line_no, "bad seq");
        have_seq = true;
      } else if (key == "type") {
        if (val == "b") {
          info.type = AofFileInfo::Type::kBase;
        } else if (val == "h") {
          info.type = AofFileInfo::Type::kHistory;
        } else if (val == "i") {
          info.type = AofFileInfo::Type::kIncr;
        } else {
          return Fail(error, line_no, "unknown type");
        }
        have_type = true;
      }
      // Unknown keys are ignored, so a newer writer's extra fields do not break loading.
    }
    if (!have_name || !have_seq || !have_type) return Fail(error, line_no, "missing field");
    switch (info.type) {
      case AofFileInfo::Type::kBase:
        if (out->has_base) return Fail(error, line_no, "more than one base file");
        out->has_base = true;
        out->base = std::move(info);
        break;
      case AofFileInfo::Type::kHistory:
        out->history.push_back(std::move(info));
        break;
      case AofFileInfo::Type::kIncr:
        if (!out->incrs.empty() && info.seq <= out->incrs.back().seq)
          return Fail(error, line_no, "incremental seq not increasing");
        out->incrs.push_back(std::move(info));
        break;
    }
  }
  return true;
}

std::string FormatAofManifest(const AofManifest& m) {
  std::string out;
  auto line = [&out](const AofFileInfo& f) {
    out.append("file ");
    AppendName(&out, f.name);
    out.append(" seq ").append(std::to_string(f.seq)).append(" type ");
    out.push_back(static_cast<char>(f.type));
    out.push_back('\n');
  };
  if (m.has_base) line(m.base);
  for (const AofFileInfo& f : m.history) line(f);
  for (const AofFileInfo& f : m.incrs) line(f);
  return out;
}

std::string AofBaseName(std::string_view basename, int64_t seq, bool rdb) {
  return std::string(basename) + "." + std::to_string(seq) + (rdb ? ".base.rdb" : ".base.aof");
}
std::string AofIncrName(std::string_view basename, int64_t seq) {
  return std::string(basename) + "." + std::to_string(seq) + ".incr.aof";
}
std::string AofManifestName(std::string_view basename) {
  return std::string(basename) + ".manifest";
}

}  // namespace ember::persist
