#include "client/command_help.h"

#include <algorithm>
#include <cctype>

#include "resp/parser.h"

namespace ember::client {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Text(const Reply* r) {
  if (r == nullptr) return "";
  if (r->type == ReplyType::kInteger) return std::to_string(r->integer);
  return r->str;
}

bool HasFlag(const Reply& arg, std::string_view flag) {
  const Reply* flags = arg.Find("flags");
  if (flags == nullptr) return false;
  for (const Reply& f : flags->elements)
    if (f.str == flag) return true;
  return false;
}

std::string ArgumentSyntax(const Reply& arg) {
  const std::string type = Text(arg.Find("type"));
  const std::string token = Text(arg.Find("token"));
  std::string display = Text(arg.Find("display_text"));
  if (display.empty()) display = Text(arg.Find("name"));
  std::string body;
  if (type == "pure-token") {
    body = token;
  } else if (type == "oneof" || type == "block") {
    const Reply* children = arg.Find("arguments");
    if (children != nullptr) {
      for (const Reply& child : children->elements) {
        if (!body.empty()) body += type == "oneof" ? "|" : " ";
        body += ArgumentSyntax(child);
      }
    }
  } else {
    body = display;
  }
  std::string out = body;
  if (!token.empty() && type != "pure-token") out = token + " " + body;
  if (HasFlag(arg, "multiple")) {
    std::string again = HasFlag(arg, "multiple_token") ? out : body;
    out += " [" + again + " ...]";
  }
  if (HasFlag(arg, "optional")) out = "[" + out + "]";
  return out;
}

}  // namespace

std::string ArgumentsSyntax(const Reply& arguments) {
  std::string out;
  for (const Reply& arg : arguments.elements) {
    if (!out.empty()) out += " ";
    out += ArgumentSyntax(arg);
  }
  return out;
}

std::vector<std::string> SyntaxParts(std::string_view params) {
  std::vector<std::string> parts;
  std::string cur;
  int depth = 0;
  for (char c : params) {
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (c == ' ' && depth == 0) {
      if (!cur.empty()) parts.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!cur.empty()) parts.push_back(cur);
  return parts;
}

void HelpTable::AddEntry(std::string name, const Reply& doc) {
  CommandHelp h;
  for (char& c : name)
    if (c == '|') c = ' ';
  h.name = Upper(name);
  h.summary = Text(doc.Find("summary"));
  h.since = Text(doc.Find("since"));
  h.group = Text(doc.Find("group"));
  if (const Reply* args = doc.Find("arguments")) h.params = ArgumentsSyntax(*args);
  by_name_[Lower(name)] = std::move(h);
  if (const Reply* subs = doc.Find("subcommands")) {
    for (size_t i = 0; i + 1 < subs->elements.size(); i += 2)
      AddEntry(subs->elements[i].str, subs->elements[i + 1]);
  }
}

void HelpTable::Load(const Reply& docs) {
  for (size_t i = 0; i + 1 < docs.elements.size(); i += 2)
    AddEntry(docs.elements[i].str, docs.elements[i + 1]);
}

const CommandHelp* HelpTable::Find(std::string_view name) const {
  auto it = by_name_.find(Lower(name));
  return it == by_name_.end() ? nullptr : &it->second;
}

std::string HelpTable::Hint(std::string_view line) const {
  std::vector<std::string> args;
  if (!resp::SplitInlineArgs(line, &args) || args.empty()) return "";
  const CommandHelp* h = nullptr;
  size_t words = 1;
  if (args.size() >= 2) {
    h = Find(args[0] + " " + args[1]);
    if (h != nullptr) words = 2;
  }
  if (h == nullptr) h = Find(args[0]);
  if (h == nullptr || h->params.empty()) return "";
  const bool trailing_space = !line.empty() && line.back() == ' ';
  std::vector<std::string> parts = SyntaxParts(h->params);
  size_t typed = args.size() - words;
  if (!trailing_space && typed > 0) return "";  // an argument is being typed
  if (typed >= parts.size()) return "";
  std::string hint;
  for (size_t i = typed; i < parts.size(); ++i) {
    if (!hint.empty()) hint += " ";
    hint += parts[i];
  }
  return trailing_space ? hint : " " + hint;
}

std::string HelpTable::HelpText(const std::vector<std::string>& args,
                                std::string_view version) const {
  if (args.empty()) {
    return "ember-cli " + std::string(version) +
           "\n"
           "To get help about commands type:\n"
           "      \"help @<group>\" to get a list of commands in <group>\n"
           "      \"help <command>\" for help on <command>\n"
           "      \"quit\" to exit\n";
  }
  auto entry = [](const CommandHelp& h) {
    std::string out = "\n  " + h.name;
    if (!h.params.empty()) out += " " + h.params;
    out += "\n  summary: " + h.summary + "\n  since: " + h.since + "\n  group: " + h.group + "\n";
    return out;
  };
  std::string out;
  if (args[0].size() > 1 && args[0][0] == '@') {
    const std::string group = Lower(std::string_view(args[0]).substr(1));
    for (const auto& [name, h] : by_name_)
      if (h.group == group) out += entry(h);
  } else {
    std::string name = args[0];
    for (size_t i = 1; i < args.size(); ++i) name += " " + args[i];
    if (const CommandHelp* h = Find(name)) out = entry(*h);
  }
  return out.empty() ? "" : out + "\n";
}

}  // namespace ember::client
