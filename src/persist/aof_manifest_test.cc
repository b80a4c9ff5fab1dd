#include "persist/aof_manifest.h"

#include <gtest/gtest.h>

namespace ember::persist {
namespace {

using Type = AofFileInfo::Type;

TEST(AofManifest, ParsesWhatRedis7Writes) {
  // Byte for byte what redis-server 7.0 wrote (appendonly yes, default names).
  const char* text =
      "file appendonly.aof.1.base.aof seq 1 type b\n"
      "file appendonly.aof.1.incr.aof seq 1 type i\n";
  AofManifest m;
  std::string err;
  ASSERT_TRUE(ParseAofManifest(text, &m, &err)) << err;
  ASSERT_TRUE(m.has_base);
  EXPECT_EQ(m.base, (AofFileInfo{"appendonly.aof.1.base.aof", 1, Type::kBase}));
  ASSERT_EQ(m.incrs.size(), 1u);
  EXPECT_EQ(m.incrs[0], (AofFileInfo{"appendonly.aof.1.incr.aof", 1, Type::kIncr}));
  EXPECT_EQ(FormatAofManifest(m), text);
  EXPECT_EQ(m.NextIncrSeq(), 2);
  EXPECT_EQ(m.NextBaseSeq(), 2);
}

TEST(AofManifest, RdbBaseHistoryCommentsAndKeyOrder) {
  const char* text =
      "# written by hand\n"
      "\n"
      "file appendonly.aof.3.base.rdb seq 3 type b\r\n"
      "type h seq 2 file appendonly.aof.2.base.rdb\n"
      "file appendonly.aof.5.incr.aof seq 5 type i\n"
      "file appendonly.aof.6.incr.aof seq 6 type i newfield x\n";
  AofManifest m;
  std::string err;
  ASSERT_TRUE(ParseAofManifest(text, &m, &err)) << err;
  EXPECT_EQ(m.base.name, "appendonly.aof.3.base.rdb");
  ASSERT_EQ(m.history.size(), 1u);
  EXPECT_EQ(m.history[0].seq, 2);
  std::vector<AofFileInfo> order = m.LoadOrder();
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0].type, Type::kBase);
  EXPECT_EQ(order[1].seq, 5);
  EXPECT_EQ(order[2].seq, 6);
}

TEST(AofManifest, QuotedNamesRoundTrip) {
  AofManifest m;
  m.incrs.push_back(AofFileInfo{"my file \"x\".1.incr.aof", 1, Type::kIncr});
  std::string text = FormatAofManifest(m);
  EXPECT_EQ(text, "file \"my file \\\"x\\\".1.incr.aof\" seq 1 type i\n");
  AofManifest back;
  std::string err;
  ASSERT_TRUE(ParseAofManifest(text, &back, &err)) << err;
  EXPECT_EQ(back.incrs, m.incrs);
}

TEST(AofManifest, RejectsMalformedLines) {
  const char* bad[] = {
      "file a seq 1\n",                              // missing type
      "file a seq x type i\n",                       // bad seq
      "file a seq 0 type i\n",                       // seq must be positive
      "file a seq 1 type z\n",                       // unknown type
      "file a seq 1 type\n",                         // odd words
      "file \"a seq 1 type i\n",                     // unbalanced quote
      "file ../a seq 1 type i\n",                    // outside the directory
      "file a seq 1 type b\nfile b seq 2 type b\n",  // two bases
      "file a seq 2 type i\nfile b seq 2 type i\n",  // seq not increasing
  };
  for (const char* text : bad) {
    AofManifest m;
    std::string err;
    EXPECT_FALSE(ParseAofManifest(text, &m, &err)) << text;
    EXPECT_NE(err.find("line"), std::string::npos) << err;
  }
}

TEST(AofManifest, FileNamesFollowRedis) {
  EXPECT_EQ(AofBaseName("appendonly.aof", 4), "appendonly.aof.4.base.aof");
  EXPECT_EQ(AofIncrName("x.aof", 12), "x.aof.12.incr.aof");
  EXPECT_EQ(AofManifestName("appendonly.aof"), "appendonly.aof.manifest");
}

}  // namespace
}  // namespace ember::persist
