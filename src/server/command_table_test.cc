// Invariants of the full command table that every family must keep.
#include <gtest/gtest.h>

#include "cmd/syntax.h"
#include "server/server.h"

namespace ember::server {
namespace {

void CheckSpec(const cmd::CommandSpec& spec) {
  std::vector<cmd::SyntaxArg> args;
  std::string err;
  // COMMAND DOCS and the CLI's hints are generated from the syntax string.
  EXPECT_TRUE(cmd::ParseSyntax(spec.syntax, &args, &err))
      << spec.name << ": syntax \"" << spec.syntax << "\": " << err;
  EXPECT_FALSE(spec.summary.empty()) << spec.name;
  EXPECT_FALSE(spec.since.empty()) << spec.name;
  EXPECT_FALSE(spec.group.empty()) << spec.name;
  EXPECT_FALSE(spec.complexity.empty()) << spec.name;
  EXPECT_NE(spec.arity, 0) << spec.name;
  for (const auto& sub : spec.subcommands) {
    EXPECT_EQ(sub.name.rfind(spec.name + "|", 0), 0u) << sub.name;
    CheckSpec(sub);
  }
}

TEST(CommandTableTest, EverySpecIsDocumented) {
  cmd::CommandTable table;
  RegisterAllCommands(table);
  ASSERT_GT(table.size(), 0u);
  for (const cmd::CommandSpec* spec : table.all()) CheckSpec(*spec);
}

}  // namespace
}  // namespace ember::server
