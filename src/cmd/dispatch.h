// The shared path from an argument vector to a handler: used by the server, tests and
// (later) the embedded engine, so a command runs the same way wherever it comes from.
#pragma once

#include <string>

#include "cmd/command.h"
#include "cmd/context.h"

namespace ember::cmd {

struct Resolution {
  const CommandSpec* spec = nullptr;      // the command (or subcommand) to run, if any
  const CommandSpec* rejected = nullptr;  // the known command that failed arity/subcommand
  std::string error;                      // reply text when spec is null
};

// Looks up args[0] (and args[1] for containers) and checks arity.
Resolution Resolve(const CommandTable& table, ArgList args);

// Locks the partitions of the command's keys (in a global order), runs the handler, unlocks.
void RunLocked(const CommandSpec& spec, ArgList args, CommandContext& ctx);

}  // namespace ember::cmd
