#include "cmd/syntax.h"

#include <algorithm>
#include <cctype>

namespace ember::cmd {

namespace {

// A parsed word or bracketed group, before it is turned into SyntaxArgs.
struct Raw {
  bool group = false;
  bool optional = false;  // '[' rather than '<'
  std::string word;
  std::vector<std::vector<Raw>> alts;

  bool operator==(const Raw&) const = default;
  bool is_ellipsis() const { return !group && word == "..."; }
};

bool IsSpecial(char c) { return c == '[' || c == ']' || c == '<' || c == '>' || c == '|'; }

bool HasLower(std::string_view s) {
  for (char c : s)
    if (islower(static_cast<unsigned char>(c))) return true;
  return false;
}

std::string Lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return r;
}

class RawParser {
 public:
  explicit RawParser(std::string_view s) : s_(s) {}

  bool ParseAll(std::vector<Raw>* out, std::string* error) {
    if (!ParseSeq(out)) return Fail(error);
    SkipSpace();
    if (pos_ < s_.size()) {
      err_ = std::string("unexpected '") + s_[pos_] + "' at offset " + std::to_string(pos_);
      return Fail(error);
    }
    return true;
  }

 private:
  bool Fail(std::string* error) {
    if (error) *error = err_;
    return false;
  }
  void SkipSpace() {
    while (pos_ < s_.size() && isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }

  // Words and groups up to a closing bracket, a '|' or the end.
  bool ParseSeq(std::vector<Raw>* out) {
    while (true) {
      SkipSpace();
      if (pos_ >= s_.size()) return true;
      char c = s_[pos_];
      if (c == ']' || c == '>' || c == '|') return true;
      if (c == '[' || c == '<') {
        ++pos_;
        Raw g;
        g.group = true;
        g.optional = c == '[';
        if (!ParseAlts(&g.alts)) return false;
        SkipSpace();
        char want = c == '[' ? ']' : '>';
        if (pos_ >= s_.size() || s_[pos_] != want) {
          err_ = std::string("missing '") + want + "'";
          return false;
        }
        ++pos_;
        out->push_back(std::move(g));
        continue;
      }
      size_t start = pos_;
      while (pos_ < s_.size() && !IsSpecial(s_[pos_]) &&
             !isspace(static_cast<unsigned char>(s_[pos_])))
        ++pos_;
      Raw w;
      w.word = std::string(s_.substr(start, pos_ - start));
      out->push_back(std::move(w));
    }
  }

  bool ParseAlts(std::vector<std::vector<Raw>>* alts) {
    while (true) {
      std::vector<Raw> seq;
      if (!ParseSeq(&seq)) return false;
      if (seq.empty()) {
        err_ = "empty group or alternative at offset " + std::to_string(pos_);
        return false;
      }
      alts->push_back(std::move(seq));
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == '|') {
        ++pos_;
        continue;
      }
      return true;
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string err_;
};

// One position of a sequence after "x [x ...]" has been folded into a repeated x.
struct Item {
  std::vector<Raw> seq;
  bool repeat = false;
  bool optional = false;
  size_t raw_begin = 0;  // index of the item's first node in the sequence being converted
};

struct Converted {
  std::vector<SyntaxArg> args;
  std::vector<bool> bare_token;  // args[i] came from a lone uppercase word
};

bool ConvertItems(const std::vector<Raw>& raw, Converted* out, std::string* error);
bool ConvertAlt(const std::vector<Raw>& seq, SyntaxArg* out, std::string* error);

std::string JoinNames(const std::vector<SyntaxArg>& args) {
  std::string name;
  for (const auto& a : args) {
    if (!name.empty()) name += '_';
    name += a.name;
  }
  return name;
}

// "TOKEN arg" -> arg introduced by TOKEN. A token before a repeated argument is said once
// ("ID client-id [client-id ...]"), so, as in Redis's docs, it introduces a block holding the
// repeated argument instead.
std::vector<SyntaxArg> MergeTokens(Converted c) {
  std::vector<SyntaxArg> out;
  for (size_t i = 0; i < c.args.size(); ++i) {
    if (c.bare_token[i] && i + 1 < c.args.size()) {
      SyntaxArg& next = c.args[i + 1];
      if (!c.bare_token[i + 1] && next.token.empty() && !next.optional &&
          next.type != ArgType::kPureToken) {
        if (next.multiple) {
          SyntaxArg block;
          block.type = ArgType::kBlock;
          block.name = c.args[i].name;
          block.token = c.args[i].token;
          block.args.push_back(std::move(next));
          out.push_back(std::move(block));
          ++i;
        } else {
          next.token = c.args[i].token;
        }
        continue;
      }
    }
    out.push_back(std::move(c.args[i]));
  }
  return out;
}

bool ConvertNode(const Raw& node, SyntaxArg* out, std::string* error) {
  if (node.is_ellipsis()) {
    *error = "'...' with nothing to repeat";
    return false;
  }
  if (!node.group) {
    if (HasLower(node.word)) {
      out->name = node.word;
      out->type = InferArgType(node.word);
    } else {
      out->name = Lower(node.word);
      out->type = ArgType::kPureToken;
      out->token = node.word;
    }
    return true;
  }
  if (node.alts.size() == 1) {
    if (!ConvertAlt(node.alts[0], out, error)) return false;
  } else {
    SyntaxArg choice;
    choice.type = ArgType::kOneOf;
    for (const auto& alt : node.alts) {
      SyntaxArg a;
      if (!ConvertAlt(alt, &a, error)) return false;
      choice.args.push_back(std::move(a));
    }
    choice.name = JoinNames(choice.args);
    *out = std::move(choice);
  }
  if (node.optional) out->optional = true;
  return true;
}

// A sequence that forms a single argument (an alternative, a group, a repeated unit).
bool ConvertAlt(const std::vector<Raw>& seq, SyntaxArg* out, std::string* error) {
  Converted c;
  if (!ConvertItems(seq, &c, error)) return false;
  if (c.args.size() >= 3 && c.bare_token[0]) {
    // "LIMIT offset count": a block introduced by its token.
    SyntaxArg block;
    block.type = ArgType::kBlock;
    block.token = c.args[0].token;
    block.name = c.args[0].name;
    Converted rest;
    rest.args.assign(std::make_move_iterator(c.args.begin() + 1),
                     std::make_move_iterator(c.args.end()));
    rest.bare_token.assign(c.bare_token.begin() + 1, c.bare_token.end());
    block.args = MergeTokens(std::move(rest));
    *out = std::move(block);
    return true;
  }
  std::vector<SyntaxArg> args = MergeTokens(std::move(c));
  if (args.size() == 1) {
    *out = std::move(args[0]);
    return true;
  }
  SyntaxArg block;
  block.type = ArgType::kBlock;
  block.name = JoinNames(args);
  block.args = std::move(args);
  *out = std::move(block);
  return true;
}

bool ConvertItems(const std::vector<Raw>& raw, Converted* out, std::string* error) {
  std::vector<Item> items;
  for (size_t i = 0; i < raw.size(); ++i) {
    const Raw& node = raw[i];
    if (node.is_ellipsis()) {
      if (items.empty()) {
        *error = "'...' with nothing to repeat";
        return false;
      }
      items.back().repeat = true;
      continue;
    }
    if (node.group && node.alts.size() == 1 && node.alts[0].back().is_ellipsis()) {
      std::vector<Raw> content(node.alts[0].begin(), node.alts[0].end() - 1);
      if (content.empty()) {
        *error = "'...' with nothing to repeat";
        return false;
      }
      // "x [x ...]": when the nodes just before the group spell the content, and an item
      // starts where they start, those items become one repeated item.
      size_t k = content.size();
      bool folds = i >= k && std::equal(content.begin(), content.end(), raw.begin() + (i - k));
      size_t first = items.size();
      while (folds && first > 0 && items[first - 1].raw_begin >= i - k) --first;
      folds = folds && first < items.size() && items[first].raw_begin == i - k;
      if (folds) {
        items.resize(first);
        items.push_back(Item{std::move(content), true, false, i - k});
      } else {
        items.push_back(Item{std::move(content), true, node.optional, i});
      }
      continue;
    }
    items.push_back(Item{{node}, false, false, i});
  }
  for (const Item& it : items) {
    SyntaxArg a;
    bool ok =
        it.seq.size() == 1 ? ConvertNode(it.seq[0], &a, error) : ConvertAlt(it.seq, &a, error);
    if (!ok) return false;
    bool bare =
        !it.repeat && it.seq.size() == 1 && !it.seq[0].group && a.type == ArgType::kPureToken;
    if (it.repeat) {
      a.multiple = true;
      if (!a.token.empty() && a.type != ArgType::kPureToken) a.multiple_token = true;
    }
    if (it.optional) a.optional = true;
    out->args.push_back(std::move(a));
    out->bare_token.push_back(bare);
  }
  return true;
}

std::string Join(const std::vector<SyntaxArg>& args, std::string_view sep);

std::string FormatArg(const SyntaxArg& a) {
  if (a.type == ArgType::kPureToken) {
    std::string s = a.token;
    if (a.multiple) s += " [" + a.token + " ...]";
    return a.optional ? "[" + s + "]" : s;
  }
  bool bare_choice = a.type == ArgType::kOneOf && a.token.empty() && !a.multiple;
  std::string body;
  if (a.type == ArgType::kOneOf) {
    body = Join(a.args, " | ");
    if (bare_choice) return a.optional ? "[" + body + "]" : "<" + body + ">";
    body = "<" + body + ">";
  } else if (a.type == ArgType::kBlock) {
    body = Join(a.args, " ");
  } else {
    body = a.name;
  }
  std::string one = a.token.empty() ? body : a.token + " " + body;
  if (a.multiple) one += " [" + (a.multiple_token ? one : body) + " ...]";
  return a.optional ? "[" + one + "]" : one;
}

std::string Join(const std::vector<SyntaxArg>& args, std::string_view sep) {
  std::string s;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) s += sep;
    s += FormatArg(args[i]);
  }
  return s;
}

}  // namespace

bool ParseSyntax(std::string_view syntax, std::vector<SyntaxArg>* out, std::string* error) {
  std::vector<Raw> raw;
  std::string err;
  RawParser p(syntax);
  if (!p.ParseAll(&raw, &err)) {
    if (error) *error = err;
    return false;
  }
  Converted c;
  if (!ConvertItems(raw, &c, &err)) {
    if (error) *error = err;
    return false;
  }
  *out = MergeTokens(std::move(c));
  return true;
}

ArgType InferArgType(std::string_view name) {
  struct Entry {
    std::string_view name;
    ArgType type;
  };
  static constexpr Entry kKnown[] = {
      {"key", ArgType::kKey},
      {"destination", ArgType::kKey},
      {"source", ArgType::kKey},
      {"pattern", ArgType::kPattern},
      {"unix-time-seconds", ArgType::kUnixTime},
      {"unix-time-milliseconds", ArgType::kUnixTime},
      {"count", ArgType::kInteger},
      {"index", ArgType::kInteger},
      {"index1", ArgType::kInteger},
      {"index2", ArgType::kInteger},
      {"start", ArgType::kInteger},
      {"stop", ArgType::kInteger},
      {"end", ArgType::kInteger},
      {"offset", ArgType::kInteger},
      {"seconds", ArgType::kInteger},
      {"milliseconds", ArgType::kInteger},
      {"numkeys", ArgType::kInteger},
      {"numreplicas", ArgType::kInteger},
      {"db", ArgType::kInteger},
      {"destination-db", ArgType::kInteger},
      {"cursor", ArgType::kInteger},
      {"client-id", ArgType::kInteger},
      {"port", ArgType::kInteger},
      {"increment", ArgType::kInteger},
      {"decrement", ArgType::kInteger},
      {"length", ArgType::kInteger},
      {"len", ArgType::kInteger},
      {"rank", ArgType::kInteger},
      {"num-matches", ArgType::kInteger},
      {"ttl", ArgType::kInteger},
      {"bit", ArgType::kInteger},
      {"protover", ArgType::kInteger},
      {"timeout", ArgType::kDouble},
      {"score", ArgType::kDouble},
      {"longitude", ArgType::kDouble},
      {"latitude", ArgType::kDouble},
      {"radius", ArgType::kDouble},
      {"width", ArgType::kDouble},
      {"height", ArgType::kDouble},
  };
  for (const auto& e : kKnown)
    if (e.name == name) return e.type;
  // newkey, destkey, sourcekey...
  if (name.size() > 3 && name.substr(name.size() - 3) == "key") return ArgType::kKey;
  return ArgType::kString;
}

std::string_view ArgTypeName(ArgType t) {
  switch (t) {
    case ArgType::kString:
      return "string";
    case ArgType::kInteger:
      return "integer";
    case ArgType::kDouble:
      return "double";
    case ArgType::kKey:
      return "key";
    case ArgType::kPattern:
      return "pattern";
    case ArgType::kUnixTime:
      return "unix-time";
    case ArgType::kPureToken:
      return "pure-token";
    case ArgType::kOneOf:
      return "oneof";
    case ArgType::kBlock:
      return "block";
  }
  return "string";
}

std::string FormatSyntax(const std::vector<SyntaxArg>& args) { return Join(args, " "); }

}  // namespace ember::cmd
