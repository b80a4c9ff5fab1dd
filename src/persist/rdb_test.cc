#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <random>

#include "persist/crc64.h"
#include "persist/file.h"
#include "persist/lzf.h"
#include "persist/rdb_codec.h"
#include "persist/rdb_format.h"
#include "persist/rdb_reader.h"
#include "persist/rdb_writer.h"
#include "persist/snapshot.h"

namespace ember::persist {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;

// Written by redis-server 7.0.15 (SAVE): k=v, n=12345, long=<62 bytes, LZF>, e=x with a TTL.
const std::string kRedisDump(
    "\x52\x45\x44\x49\x53\x30\x30\x31\x30\xfa\x09\x72\x65\x64\x69\x73\x2d\x76\x65\x72\x06\x37"
    "\x2e\x30\x2e\x31\x35\xfa\x0a\x72\x65\x64\x69\x73\x2d\x62\x69\x74\x73\xc0\x40\xfa\x05\x63"
    "\x74\x69\x6d\x65\xc2\x3c\x67\x02\x6b\xfa\x08\x75\x73\x65\x64\x2d\x6d\x65\x6d\xc2\xc0\x55"
    "\x0e\x00\xfa\x08\x61\x6f\x66\x2d\x62\x61\x73\x65\xc0\x00\xfe\x00\xfb\x04\x01\x00\x01\x6b"
    "\x01\x76\xfc\xbe\x2a\xda\x49\xb9\x01\x00\x00\x00\x01\x65\x01\x78\x00\x04\x6c\x6f\x6e\x67"
    "\xc3\x0e\x3e\x01\x61\x61\xe0\x27\x00\x01\x62\x63\xc0\x01\x01\x62\x63\x00\x01\x6e\xc1\x39"
    "\x30\xff\x71\xbc\xf6\x19\xdb\x7c\x13\x3f",
    142);

// The value of key in db as a string ("" + found=false when absent); *ttl gets the expiry.
std::string Get(Keyspace& ks, int db, std::string_view key, bool* found = nullptr,
                int64_t* expire = nullptr) {
  Database& d = ks.db(db);
  std::lock_guard lk(d.PartitionFor(key).mu);
  Entry* e = d.Find(key, kNow, true);
  if (found) *found = e != nullptr;
  if (!e) return "";
  if (expire) *expire = e->has_expire() ? e->expire_ms() : -1;
  char buf[21];
  return std::string(StringValue(e, buf));
}

void Put(Keyspace& ks, int db, std::string_view key, std::string_view value, int64_t expire = -1) {
  Database& d = ks.db(db);
  std::lock_guard lk(d.PartitionFor(key).mu);
  EntryInit init{.key = key, .has_expire = expire >= 0, .expire_ms = expire};
  int64_t as_int;
  Encoding enc = ChooseStringEncoding(value, &as_int);
  d.Insert(enc == Encoding::kInt ? NewIntEntry(init, as_int) : NewStringEntry(init, value, enc));
}

TEST(Crc64, CheckValue) { EXPECT_EQ(Crc64(0, "123456789"), 0xe9c6d914c4b8d9caULL); }

TEST(Crc64, IncrementalEqualsWhole) {
  std::string s(1000, 'x');
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 7);
  EXPECT_EQ(Crc64(Crc64(0, s.substr(0, 333)), s.substr(333)), Crc64(0, s));
}

TEST(Crc64, MatchesRedisTrailer) {
  uint64_t stored = 0;
  for (int i = 0; i < 8; ++i)
    stored |= static_cast<uint64_t>(static_cast<uint8_t>(kRedisDump[134 + i])) << (8 * i);
  EXPECT_EQ(Crc64(0, std::string_view(kRedisDump).substr(0, 134)), stored);
}

TEST(Lzf, RoundTrip) {
  std::mt19937 rng(1);
  for (int round = 0; round < 200; ++round) {
    size_t n = rng() % 5000 + 1;
    std::string s(n, 0);
    int alphabet = 1 + static_cast<int>(rng() % 255);
    for (auto& c : s) c = static_cast<char>(rng() % alphabet);
    std::string out(n + n / 32 + 2, 0);  // worst case: all literals
    size_t cn = LzfCompress(s, out.data(), out.size());
    ASSERT_GT(cn, 0u);
    std::string back;
    ASSERT_TRUE(LzfDecompress(std::string_view(out.data(), cn), n, &back));
    EXPECT_EQ(back, s);
  }
}

TEST(Lzf, CompressesRepetitionAndRefusesSmallBuffers) {
  std::string s(1000, 'a');
  std::string out(s.size(), 0);
  size_t cn = LzfCompress(s, out.data(), out.size());
  EXPECT_GT(cn, 0u);
  EXPECT_LT(cn, 30u);
  std::string rnd = "q8#kd9@!zm";
  EXPECT_EQ(LzfCompress(rnd, out.data(), 5), 0u);  // incompressible: does not fit
}

TEST(Lzf, RejectsMalformed) {
  std::string out;
  EXPECT_FALSE(LzfDecompress(std::string("\x20\x00", 2), 3, &out));  // reference before start
  EXPECT_FALSE(LzfDecompress(std::string("\x05"
                                         "ab",
                                         3),
                             6, &out));  // literal past input
  EXPECT_FALSE(LzfDecompress(std::string("\x01"
                                         "ab",
                                         3),
                             1, &out));  // past output
  EXPECT_FALSE(LzfDecompress(std::string("\x00"
                                         "a",
                                         2),
                             2, &out));  // too short
  EXPECT_TRUE(LzfDecompress(std::string("\x00"
                                        "a\x20\x00",
                                        4),
                            4, &out));
  EXPECT_EQ(out, "aaaa");
}

TEST(RdbReader, LoadsRedisDump) {
  Keyspace ks(16);
  RdbLoadInfo info;
  ASSERT_EQ(LoadRdb(kRedisDump, ks, kNow, &info), "");
  EXPECT_EQ(info.version, 10);
  EXPECT_EQ(info.keys_loaded, 4u);
  EXPECT_EQ(info.aux["redis-ver"], "7.0.15");
  EXPECT_EQ(info.aux["redis-bits"], "64");
  EXPECT_EQ(Get(ks, 0, "k"), "v");
  EXPECT_EQ(Get(ks, 0, "n"), "12345");
  EXPECT_EQ(Get(ks, 0, "long"), std::string(50, 'a') + "bcbcbcbcbcbc");
  int64_t exp = 0;
  EXPECT_EQ(Get(ks, 0, "e", nullptr, &exp), "x");
  EXPECT_EQ(exp, 0x01b949da2abeLL);
  // Integers come back int-encoded.
  std::lock_guard lk(ks.db(0).PartitionFor("n").mu);
  EXPECT_EQ(ks.db(0).Find("n", kNow, true)->encoding(), Encoding::kInt);
}

std::string WriteAll(Keyspace& ks, RdbWriteOptions opts = {}) {
  RdbWriter w(opts);
  w.Header();
  w.Aux("redis-ver", "7.0.15");
  for (int i = 0; i < ks.num_dbs(); ++i) {
    std::vector<const Entry*> es;
    uint64_t n = 0;
    ks.db(i).ForEachLive(kNow, [&](const Entry*) { ++n; });
    if (n == 0) continue;
    w.SelectDb(i, n, 0);
    ks.db(i).ForEachLive(kNow, [&](const Entry* e) { EXPECT_EQ(w.WriteEntry(e), ""); });
  }
  w.Finish();
  std::string out = w.TakeBuffer();
  return out;
}

TEST(RdbWriter, EncodesLikeRedis) {
  RdbWriter w;
  w.String("v");
  w.String("12345");
  w.String("-1");
  w.String("007");          // not canonical: stays text
  w.String("2147483648");   // beyond int32: text
  w.String("-2147483648");  // int32 min
  EXPECT_EQ(w.buffer(), std::string("\x01v"
                                    "\xc1\x39\x30"
                                    "\xc0\xff"
                                    "\x03"
                                    "007"
                                    "\x0a"
                                    "2147483648"
                                    "\xc2\x00\x00\x00\x80",
                                    27));
  RdbWriter lengths;
  lengths.Length(63);
  lengths.Length(64);
  lengths.Length(16383);
  lengths.Length(16384);
  lengths.Length(uint64_t{1} << 32);
  EXPECT_EQ(lengths.buffer(), std::string("\x3f\x40\x40\x7f\xff\x80\x00\x00\x40\x00"
                                          "\x81\x00\x00\x00\x01\x00\x00\x00\x00",
                                          19));
}

TEST(RdbRoundTrip, EveryStringShape) {
  Keyspace ks(4);
  std::map<std::pair<int, std::string>, std::string> want;
  std::vector<std::string> values = {"",
                                     "0",
                                     "-1",
                                     "127",
                                     "-128",
                                     "128",
                                     "32767",
                                     "-32769",
                                     "2147483647",
                                     "-2147483649",
                                     "9223372036854775807",
                                     "-9223372036854775808",
                                     "12345678901234567890",
                                     "1.5",
                                     "01",
                                     "+1",
                                     "-0",
                                     "short",
                                     std::string(20, 'z'),
                                     std::string(21, 'z'),
                                     std::string(100000, 'r'),
                                     std::string("bin\0ary\xff", 8)};
  std::mt19937 rng(7);
  std::string noise(3000, 0);
  for (auto& c : noise) c = static_cast<char>(rng());
  values.push_back(noise);
  int i = 0;
  for (const auto& v : values) {
    int db = i % 4;
    std::string key = "key:" + std::to_string(i++);
    Put(ks, db, key, v, i % 3 == 0 ? kNow + i * 1000 : -1);
    want[{db, key}] = v;
  }
  Put(ks, 1, std::string("k\0\n", 3), "x");
  want[{1, std::string("k\0\n", 3)}] = "x";
  Put(ks, 2, "gone", "x", kNow - 1);  // already expired: not saved
  for (bool compress : {true, false}) {
    std::string file = WriteAll(ks, {.compress = compress, .checksum = true});
    Keyspace back(4);
    RdbLoadInfo info;
    ASSERT_EQ(LoadRdb(file, back, kNow, &info), "");
    EXPECT_EQ(info.keys_loaded, want.size());
    for (const auto& [k, v] : want) {
      bool found;
      int64_t e1 = 0, e2 = 0;
      EXPECT_EQ(Get(back, k.first, k.second, &found, &e1), v);
      EXPECT_TRUE(found) << k.second;
      Get(ks, k.first, k.second, nullptr, &e2);
      EXPECT_EQ(e1, e2) << k.second;
    }
    bool found = true;
    Get(back, 2, "gone", &found);
    EXPECT_FALSE(found);
  }
}

TEST(RdbReader, SkipsExpiredKeysOnLoad) {
  Keyspace ks(1);
  Put(ks, 0, "a", "1", kNow + 10);
  Put(ks, 0, "b", "2");
  std::string file = WriteAll(ks);
  Keyspace back(1);
  RdbLoadInfo info;
  ASSERT_EQ(LoadRdb(file, back, kNow + 10, &info), "");
  EXPECT_EQ(info.keys_loaded, 1u);
  EXPECT_EQ(info.keys_expired, 1u);
}

TEST(RdbReader, RejectsGarbageAndWrongVersion) {
  Keyspace ks(16);
  RdbLoadInfo info;
  EXPECT_NE(LoadRdb("", ks, kNow, &info).find("Wrong signature"), std::string::npos);
  EXPECT_NE(LoadRdb("hello world, not a db", ks, kNow, &info).find("Wrong signature"),
            std::string::npos);
  std::string v11 = kRedisDump;
  v11[8] = '1';
  v11[7] = '1';
  EXPECT_NE(LoadRdb(v11, ks, kNow, &info).find("Can't handle RDB format version 0011"),
            std::string::npos);
}

TEST(RdbReader, RejectsEveryTruncation) {
  for (size_t n = 0; n < kRedisDump.size(); ++n) {
    Keyspace ks(16);
    RdbLoadInfo info;
    EXPECT_NE(LoadRdb(std::string_view(kRedisDump).substr(0, n), ks, kNow, &info), "") << n;
  }
}

TEST(RdbReader, RejectsBadChecksum) {
  std::string bad = kRedisDump;
  bad[bad.size() - 20] ^= 0x01;  // inside the "long" literal bytes... any flip must be caught
  bad = kRedisDump;
  bad[0x57] = 'K';  // key "k" -> "K"
  Keyspace ks(16);
  RdbLoadInfo info;
  EXPECT_NE(LoadRdb(bad, ks, kNow, &info).find("Wrong RDB checksum"), std::string::npos);
  // A zero checksum means "not computed" (rdbchecksum no).
  std::string nosum = bad;
  for (size_t i = nosum.size() - 8; i < nosum.size(); ++i) nosum[i] = 0;
  Keyspace ks2(16);
  EXPECT_EQ(LoadRdb(nosum, ks2, kNow, &info), "");
  EXPECT_EQ(Get(ks2, 0, "K"), "v");
}

// A file with one record of the given type byte for key "mylist", correct checksum.
std::string OneRecord(uint8_t type, std::string_view payload) {
  RdbWriter w;
  w.Header();
  w.SelectDb(0, 1, 0);
  w.Byte(type);
  w.String("mylist");
  w.Raw(payload);
  w.Finish();
  return w.TakeBuffer();
}

TEST(RdbReader, RefusesUnsupportedTypesNamingTheKey) {
  for (uint8_t t : {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 8, 20, 100}) {
    Keyspace ks(16);
    RdbLoadInfo info;
    std::string err = LoadRdb(OneRecord(t, "\x01x"), ks, kNow, &info);
    EXPECT_NE(err.find("'mylist'"), std::string::npos) << err;
    EXPECT_NE(err.find("not supported"), std::string::npos) << err;
  }
  Keyspace ks(16);
  RdbLoadInfo info;
  EXPECT_NE(LoadRdb(OneRecord(kRdbListQuicklist2, ""), ks, kNow, &info).find("list (quicklist"),
            std::string::npos);
}

TEST(RdbReader, RefusesFunctionsModulesDuplicatesAndBadDb) {
  RdbLoadInfo info;
  for (uint8_t op : {kRdbOpFunction2, kRdbOpModuleAux}) {
    RdbWriter w;
    w.Header();
    w.Byte(op);
    w.Finish();
    Keyspace ks(16);
    EXPECT_NE(LoadRdb(w.TakeBuffer(), ks, kNow, &info).find("not support"), std::string::npos);
  }
  RdbWriter w;
  w.Header();
  w.SelectDb(0, 2, 0);
  for (int i = 0; i < 2; ++i) {
    w.Byte(kRdbString);
    w.String("dup");
    w.String("v");
  }
  w.Finish();
  Keyspace ks(16);
  EXPECT_NE(LoadRdb(w.TakeBuffer(), ks, kNow, &info).find("Duplicate key 'dup'"),
            std::string::npos);
  RdbWriter w2;
  w2.Header();
  w2.SelectDb(20, 0, 0);
  w2.Finish();
  Keyspace ks2(16);
  EXPECT_NE(LoadRdb(w2.TakeBuffer(), ks2, kNow, &info).find("database 20"), std::string::npos);
}

TEST(RdbReader, RejectsForgedLengthsWithoutAllocating) {
  RdbLoadInfo info;
  // A string claiming 2^62 bytes; an LZF string claiming a huge expansion.
  for (std::string payload :
       {std::string("\x81\x40\x00\x00\x00\x00\x00\x00\x00", 9),
        std::string("\xc3\x01\x81\x10\x00\x00\x00\x00\x00\x00\x00\x00", 12)}) {
    Keyspace ks(16);
    EXPECT_NE(LoadRdb(OneRecord(kRdbString, payload), ks, kNow, &info), "");
  }
}

class FakeList : public ValueObject {
 public:
  size_t MemoryUsage() const override { return 0; }
  std::unique_ptr<ValueObject> Clone() const override { return std::make_unique<FakeList>(); }
};

TEST(RdbWriter, RefusesTypesWithoutEncoder) {
  EXPECT_NE(EncoderFor(ValueType::kString), nullptr);
  EXPECT_EQ(EncoderFor(ValueType::kList), nullptr);
  Entry* e = NewObjectEntry({.key = "mylist"}, ValueType::kList, Encoding::kQuicklist,
                            std::make_unique<FakeList>());
  RdbWriter w;
  std::string err = w.WriteEntry(e);
  EXPECT_NE(err.find("'mylist'"), std::string::npos) << err;
  EXPECT_NE(err.find("list"), std::string::npos) << err;
  EXPECT_EQ(w.bytes_written(), 0u);
  FreeEntry(e);
}

// ---- Snapshot files with injected faults.

class MemFs : public FileSystem {
 public:
  std::map<std::string, std::string> files;
  std::string fail_append, fail_sync, fail_rename;

  class File : public WritableFile {
   public:
    File(MemFs* fs, std::string path) : fs_(fs), path_(std::move(path)) {}
    std::string Append(std::string_view d) override {
      if (!fs_->fail_append.empty()) return fs_->fail_append;
      fs_->files[path_].append(d);
      return "";
    }
    std::string Sync() override { return fs_->fail_sync; }
    std::string Close() override { return ""; }

   private:
    MemFs* fs_;
    std::string path_;
  };
  std::string NewWritableFile(const std::string& path,
                              std::unique_ptr<WritableFile>* out) override {
    files[path] = "";
    *out = std::make_unique<File>(this, path);
    return "";
  }
  std::string Rename(const std::string& from, const std::string& to) override {
    if (!fail_rename.empty()) return fail_rename;
    files[to] = files[from];
    files.erase(from);
    return "";
  }
  std::string Remove(const std::string& path) override {
    files.erase(path);
    return "";
  }
  std::string ReadFile(const std::string& path, std::string* out, bool* not_found) override {
    auto it = files.find(path);
    *not_found = it == files.end();
    if (it != files.end()) *out = it->second;
    return "";
  }
};

TEST(Snapshot, SaveAndLoad) {
  MemFs fs;
  Keyspace ks(16);
  Put(ks, 0, "a", "1");
  Put(ks, 5, "b", std::string(500, 'b'), kNow + 5000);
  SnapshotStats st;
  ASSERT_EQ(SaveSnapshot(ks, fs, "dir/dump.rdb", {}, kNow, &st), "");
  EXPECT_EQ(st.keys, 2u);
  EXPECT_EQ(fs.files.size(), 1u);  // the temp file is gone
  std::unique_ptr<Keyspace> back;
  RdbLoadInfo info;
  ASSERT_EQ(LoadSnapshot(fs, "dir/dump.rdb", 16, kNow, &back, &info), "");
  ASSERT_TRUE(back);
  EXPECT_EQ(Get(*back, 5, "b"), std::string(500, 'b'));
  EXPECT_EQ(LoadSnapshot(fs, "dir/none.rdb", 16, kNow, &back, &info), "");
  EXPECT_FALSE(back);  // no file: nothing to load, no error
}

TEST(Snapshot, FaultsKeepTheOldFile) {
  MemFs fs;
  fs.files["dump.rdb"] = "old";
  Keyspace ks(16);
  Put(ks, 0, "a", "1");
  fs.fail_append = "No space left on device";
  EXPECT_EQ(SaveSnapshot(ks, fs, "dump.rdb", {}, kNow, nullptr), "No space left on device");
  fs.fail_append.clear();
  fs.fail_sync = "fsync failed";
  EXPECT_EQ(SaveSnapshot(ks, fs, "dump.rdb", {}, kNow, nullptr), "fsync failed");
  fs.fail_sync.clear();
  fs.fail_rename = "rename failed";
  EXPECT_EQ(SaveSnapshot(ks, fs, "dump.rdb", {}, kNow, nullptr), "rename failed");
  EXPECT_EQ(fs.files.size(), 1u);
  EXPECT_EQ(fs.files["dump.rdb"], "old");
  std::unique_ptr<Keyspace> back;
  RdbLoadInfo info;
  EXPECT_NE(LoadSnapshot(fs, "dump.rdb", 16, kNow, &back, &info), "");
  EXPECT_FALSE(back);
}

}  // namespace
}  // namespace ember::persist
