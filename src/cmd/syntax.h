// Parser for the argument syntax of a command as Redis's documentation writes it
// (`key value [NX | XX] [EX seconds | PX milliseconds | KEEPTTL]`, `key [key ...]`,
// `<ON | OFF>`), producing the argument tree COMMAND DOCS reports and the CLI turns into hints.
//
// Notation:
//   word          an argument; its name when it has a lowercase letter (`key`, `ip:port`),
//                 otherwise a literal token (`NX`, `=`, `*`)
//   [ a ]         optional
//   < a >         required group (used for a choice: `<ON | OFF>`)
//   a | b         alternatives inside a group (a "oneof")
//   a [a ...]     one or more a (a may be several words: `field value [field value ...]`)
//   TOKEN arg     the token introduces the argument (`MATCH pattern`); a token followed by
//                 several arguments inside a group introduces a block (`[LIMIT offset count]`)
//
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ember::cmd {

enum class ArgType {
  kString,
  kInteger,
  kDouble,
  kKey,
  kPattern,
  kUnixTime,
  kPureToken,
  kOneOf,  // has children: exactly one of them
  kBlock,  // has children: all of them, in order
};

struct SyntaxArg {
  std::string name;
  ArgType type = ArgType::kString;
  std::string token;  // the literal word that introduces the argument, if any
  bool optional = false;
  bool multiple = false;
  bool multiple_token = false;  // the token is repeated with each value (`[GET p [GET p ...]]`)
  std::vector<SyntaxArg> args;  // children of kOneOf and kBlock

  bool operator==(const SyntaxArg&) const = default;
};

// Parses `syntax`; on malformed input (unbalanced brackets, an empty alternative, a stray
// "...") returns false and describes the problem in *error.
bool ParseSyntax(std::string_view syntax, std::vector<SyntaxArg>* out, std::string* error);

// The type Redis's docs give an argument with this name ("key" -> key, "count" -> integer,
// "pattern" -> pattern, ...); string when nothing more specific is known.
ArgType InferArgType(std::string_view name);

// "string", "integer", "double", "key", "pattern", "unix-time", "pure-token", "oneof", "block".
std::string_view ArgTypeName(ArgType t);

// Renders arguments back in the notation above, normalised (single spaces, `[a | b]`).
std::string FormatSyntax(const std::vector<SyntaxArg>& args);

}  // namespace ember::cmd
