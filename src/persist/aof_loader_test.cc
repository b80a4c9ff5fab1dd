#include "persist/aof_loader.h"

#include <gtest/gtest.h>

#include "persist/aof_manifest.h"
#include "persist/aof_propagate.h"
#include "persist/aof_test_util.h"

namespace ember::persist {
namespace {

using testing::Collect;
using testing::Commands;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

std::string Resp(const Commands& cmds) {
  std::string out;
  for (const auto& c : cmds) AppendRespCommand(&out, c);
  return out;
}

const Commands kCmds = {{"SELECT", "0"}, {"SET", "a", "1"}, {"SET", "b", "x\r\ny"}, {"DEL", "a"}};

// A multi-part directory as Redis 7 lays it out.
void MakeLayout(const TempDir& dir, const std::string& base,
                const std::vector<std::string>& incrs) {
  AofManifest m;
  m.has_base = true;
  m.base = AofFileInfo{"appendonly.aof.1.base.aof", 1, AofFileInfo::Type::kBase};
  WriteFile(dir / m.base.name, base);
  for (size_t i = 0; i < incrs.size(); ++i) {
    int64_t seq = static_cast<int64_t>(i) + 1;
    m.incrs.push_back(
        AofFileInfo{AofIncrName("appendonly.aof", seq), seq, AofFileInfo::Type::kIncr});
    WriteFile(dir / m.incrs.back().name, incrs[i]);
  }
  WriteFile(dir / "appendonly.aof.manifest", FormatAofManifest(m));
}

TEST(AofScan, YieldsEveryCommand) {
  Commands got;
  std::string data = Resp(kCmds);
  AofScanResult r = ScanAofData(data, Collect(&got));
  EXPECT_EQ(r.status, AofScanResult::Status::kOk);
  EXPECT_EQ(r.commands, kCmds.size());
  EXPECT_EQ(r.valid_length, data.size());
  EXPECT_EQ(got, kCmds);
}

TEST(AofScan, EveryTruncationPointIsATruncatedTail) {
  std::string data = Resp(kCmds);
  std::vector<size_t> ends;
  for (size_t i = 0, off = 0; i < kCmds.size(); ++i) {
    off += Resp({kCmds[i]}).size();
    ends.push_back(off);
  }
  for (size_t cut = 1; cut < data.size(); ++cut) {
    Commands got;
    AofScanResult r = ScanAofData(std::string_view(data).substr(0, cut), Collect(&got));
    size_t complete = 0;
    while (complete < ends.size() && ends[complete] <= cut) ++complete;
    size_t valid = complete == 0 ? 0 : ends[complete - 1];
    EXPECT_EQ(r.valid_length, valid) << cut;
    EXPECT_EQ(got.size(), complete) << cut;
    EXPECT_EQ(r.status,
              valid == cut ? AofScanResult::Status::kOk : AofScanResult::Status::kTruncated)
        << cut;
  }
}

TEST(AofScan, CorruptionReportsTheOffset) {
  std::string good = Resp({{"SET", "a", "1"}});
  Commands got;
  AofScanResult r = ScanAofData(good + "garbage\r\n" + good, Collect(&got));
  EXPECT_EQ(r.status, AofScanResult::Status::kCorrupt);
  EXPECT_EQ(r.error_offset, good.size());
  EXPECT_EQ(r.valid_length, good.size());
  EXPECT_EQ(got.size(), 1u);

  r = ScanAofData(good + "*2\r\n$x\r\n", Collect(&got));  // bad bulk header
  EXPECT_EQ(r.status, AofScanResult::Status::kCorrupt);
  EXPECT_EQ(r.error_offset, good.size());

  r = ScanAofData(good + "*0\r\n", Collect(&got));  // empty command
  EXPECT_EQ(r.status, AofScanResult::Status::kCorrupt);
}

TEST(AofScan, SkipsTimestampAnnotations) {
  std::string set = Resp({{"SET", "a", "1"}});
  std::string data = "#TS:1700000000\r\n" + set + "#TS:1700000001\r\n" + set;
  Commands got;
  AofScanResult r = ScanAofData(data, Collect(&got));
  EXPECT_EQ(r.status, AofScanResult::Status::kOk);
  EXPECT_EQ(r.valid_length, data.size());
  EXPECT_EQ(got.size(), 2u);
  r = ScanAofData(data + "#TS:17", Collect(&got));
  EXPECT_EQ(r.status, AofScanResult::Status::kTruncated);
  EXPECT_EQ(r.valid_length, data.size());
}

TEST(AofScan, UnfinishedMultiIsDroppedAsAWhole) {
  std::string head = Resp({{"SET", "a", "1"}});
  std::string tx = Resp({{"MULTI"}, {"INCR", "a"}, {"EXEC"}});
  Commands got;
  AofScanResult r = ScanAofData(head + tx + Resp({{"MULTI"}, {"INCR", "a"}}), Collect(&got));
  EXPECT_EQ(r.status, AofScanResult::Status::kTruncated);
  EXPECT_EQ(r.valid_length, head.size() + tx.size());
  EXPECT_EQ(got, (Commands{{"SET", "a", "1"}, {"MULTI"}, {"INCR", "a"}, {"EXEC"}}));
}

TEST(AofScan, CallbackAbortStops) {
  AofLoadCallbacks cb;
  int n = 0;
  cb.command = [&n](std::span<const std::string_view>, std::string* err) {
    *err = "ERR unknown command";
    return ++n < 2;
  };
  AofScanResult r = ScanAofData(Resp(kCmds), cb);
  EXPECT_EQ(r.status, AofScanResult::Status::kAborted);
  EXPECT_EQ(r.error, "ERR unknown command");
  EXPECT_EQ(n, 2);
}

TEST(AofScan, RdbPreambleGoesToItsCallback) {
  std::string rdb = "REDIS0010-fake-rdb-body-";
  std::string data = rdb + Resp({{"SET", "a", "1"}});
  Commands got;
  AofLoadCallbacks cb = Collect(&got);
  AofScanResult r = ScanAofData(data, cb);
  EXPECT_EQ(r.status, AofScanResult::Status::kRdbUnchecked);
  EXPECT_TRUE(r.rdb_preamble);
  cb.rdb = [&](std::string_view d, size_t* consumed, std::string*) {
    EXPECT_EQ(d, data);
    *consumed = rdb.size();
    return true;
  };
  r = ScanAofData(data, cb);
  EXPECT_EQ(r.status, AofScanResult::Status::kOk);
  EXPECT_TRUE(r.rdb_preamble);
  EXPECT_EQ(got, (Commands{{"SET", "a", "1"}}));
}

TEST(AofLoad, ManifestBaseAndIncrementalsInOrder) {
  TempDir dir;
  MakeLayout(dir, Resp({{"SET", "base", "1"}}),
             {Resp({{"SELECT", "0"}, {"SET", "i1", "1"}}), Resp({{"SELECT", "2"}, {"DEL", "x"}})});
  Commands got;
  AofLoadReport r = LoadAof(dir.path(), ".", "appendonly.aof", Collect(&got));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.layout, AofLoadReport::Layout::kManifest);
  EXPECT_FALSE(r.needs_upgrade);
  EXPECT_EQ(r.files.size(), 3u);
  EXPECT_EQ(r.commands, 5u);
  EXPECT_EQ(got, (Commands{{"SET", "base", "1"},
                           {"SELECT", "0"},
                           {"SET", "i1", "1"},
                           {"SELECT", "2"},
                           {"DEL", "x"}}));
  // The same through an explicit manifest path and through the directory.
  got.clear();
  EXPECT_TRUE(LoadAofPath(dir / "appendonly.aof.manifest", Collect(&got)).ok);
  EXPECT_EQ(got.size(), 5u);
  EXPECT_TRUE(LoadAofPath(dir.path(), Collect(&got)).ok);
}

TEST(AofLoad, TruncatedLastFileIsCutWithAWarning) {
  TempDir dir;
  std::string tail = Resp({{"SET", "a", "1"}});
  MakeLayout(dir, "", {tail + "*3\r\n$3\r\nSET\r\n$1\r\nb"});
  Commands got;
  AofLoadReport r = LoadAof(dir.path(), ".", "appendonly.aof", Collect(&got));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.valid_length, tail.size());
  EXPECT_EQ(r.truncated_file, dir / "appendonly.aof.1.incr.aof");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(got.size(), 1u);

  AofLoadOptions strict;
  strict.load_truncated = false;
  r = LoadAof(dir.path(), ".", "appendonly.aof", Collect(&got), strict);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("Unexpected end of file"), std::string::npos) << r.error;

  // Repair as ember-check-aof --fix does; then it loads cleanly.
  ASSERT_EQ(TruncateAofFile(r.files.back(), tail.size()), "");
  r = LoadAof(dir.path(), ".", "appendonly.aof", Collect(&got), strict);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.truncated);
}

TEST(AofLoad, TruncationBeforeTheLastFileIsAnError) {
  TempDir dir;
  MakeLayout(dir, "*2\r\n$3\r\nDEL", {Resp({{"SET", "a", "1"}})});
  Commands got;
  AofLoadReport r = LoadAof(dir.path(), ".", "appendonly.aof", Collect(&got));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("appendonly.aof.1.base.aof"), std::string::npos) << r.error;
}

TEST(AofLoad, MidFileCorruptionNamesFileAndOffset) {
  TempDir dir;
  std::string good = Resp({{"SET", "a", "1"}});
  MakeLayout(dir, "", {good + good + "$3\r\nbad\r\n" + good});
  Commands got;
  AofLoadReport r = LoadAof(dir.path(), ".", "appendonly.aof", Collect(&got));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("appendonly.aof.1.incr.aof at offset " + std::to_string(2 * good.size())),
            std::string::npos)
      << r.error;
  EXPECT_EQ(got.size(), 2u);
}

TEST(AofLoad, SingleFileIsReportedForUpgrade) {
  TempDir dir;
  WriteFile(dir / "appendonly.aof", Resp(kCmds));
  Commands got;
  AofLoadReport r = LoadAof(dir.path(), "appendonlydir", "appendonly.aof", Collect(&got));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.layout, AofLoadReport::Layout::kSingleFile);
  EXPECT_TRUE(r.needs_upgrade);
  EXPECT_EQ(got, kCmds);
}

TEST(AofLoad, NothingToLoadAndBadManifest) {
  TempDir dir;
  Commands got;
  AofLoadReport r = LoadAof(dir.path(), "appendonlydir", "appendonly.aof", Collect(&got));
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.layout, AofLoadReport::Layout::kNone);

  WriteFile(dir / "appendonly.aof.manifest", "file x seq 1 type q\n");
  r = LoadAof(dir.path(), ".", "appendonly.aof", Collect(&got));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("manifest"), std::string::npos) << r.error;

  WriteFile(dir / "appendonly.aof.manifest", "file missing.aof seq 1 type i\n");
  r = LoadAof(dir.path(), ".", "appendonly.aof", Collect(&got));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("missing.aof"), std::string::npos) << r.error;
}

TEST(AofLoad, RdbBaseWithoutReaderIsAnError) {
  TempDir dir;
  MakeLayout(dir, "REDIS0010xxxx", {Resp({{"SET", "a", "1"}})});
  Commands got;
  AofLoadReport r = LoadAof(dir.path(), ".", "appendonly.aof", Collect(&got));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.rdb_preamble);
  EXPECT_NE(r.error.find("RDB preamble"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace ember::persist
