// Command syntax for the CLI's hints and HELP, built from the server's COMMAND DOCS reply
// (the same table that drives the server's dispatch), so the CLI never carries its own copy.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "client/reply.h"

namespace ember::client {

struct CommandHelp {
  std::string name;    // upper case, subcommands with a space: "CONFIG GET"
  std::string params;  // "key value [NX|XX] ..."
  std::string summary;
  std::string since;
  std::string group;
};

class HelpTable {
 public:
  // Fills the table from a COMMAND DOCS reply (RESP2 flat arrays or RESP3 maps).
  void Load(const Reply& docs);
  bool empty() const { return by_name_.empty(); }
  // Looks a command up by its name words ("set", "config get"), ignoring case.
  const CommandHelp* Find(std::string_view name) const;
  // The grey hint for a line being typed: the parameters not typed yet, or "".
  std::string Hint(std::string_view line) const;
  // What the interactive HELP command prints for its arguments (after "HELP").
  std::string HelpText(const std::vector<std::string>& args, std::string_view version) const;

 private:
  void AddEntry(std::string name, const Reply& doc);
  std::map<std::string, CommandHelp> by_name_;  // key: lower-case name
};

// The syntax of a COMMAND DOCS "arguments" list: "key value [NX|XX] [GET]".
std::string ArgumentsSyntax(const Reply& arguments);

// Splits a syntax string into its top-level parts: "[NX|XX]" and "[EX seconds|...]" stay whole.
std::vector<std::string> SyntaxParts(std::string_view params);

}  // namespace ember::client
