// In-process fixture for family unit tests: Run({"SET","k","v"}) returns the raw RESP reply.
// Time comes from a ManualClock that tests advance instead of sleeping.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "base/clock.h"
#include "cmd/dispatch.h"
#include "families/families.h"

namespace ember::families {

class TestServerApi : public cmd::ServerApi {
 public:
  int64_t proto_max_bulk_len() const override { return max_bulk; }
  void RunInBackground(std::function<void()> fn) override {
    ++background_runs;
    fn();
  }
  void SetActiveExpire(bool on) override { active_expire = on; }
  uint64_t Random() override { return seed = seed * 6364136223846793005ULL + 1; }
  bool lfu_policy() const override { return lfu; }
  int64_t max_bulk = 512LL << 20;
  bool active_expire = true;
  bool lfu = false;  // an LFU maxmemory policy is selected (OBJECT FREQ / IDLETIME)
  int background_runs = 0;
  uint64_t seed = 42;
};

class CommandFixture {
 public:
  CommandFixture() : keyspace(16) {
    RegisterStringFamily(table);
    RegisterKeysFamily(table);
    RegisterExpireFamily(table);
  }

  std::string Run(std::vector<std::string> argv) {
    std::vector<std::string_view> args(argv.begin(), argv.end());
    std::string out;
    resp::ReplyWriter writer(&out);
    writer.set_resp3(resp3);
    cmd::Resolution r = cmd::Resolve(table, cmd::ArgList(args.data(), args.size()));
    if (r.spec == nullptr) {
      writer.Error(r.error);
      return out;
    }
    cmd::CommandContext ctx;
    ctx.keyspace = &keyspace;
    ctx.db_index = db;
    ctx.db = &keyspace.db(db);
    ctx.reply = &writer;
    ctx.now_ms = clock.NowMs();
    ctx.spec = r.spec;
    ctx.server = &api;
    ctx.counters = &counters;
    cmd::RunLocked(*r.spec, cmd::ArgList(args.data(), args.size()), ctx);
    dirty += ctx.dirty;
    return out;
  }

  ManualClock clock;
  Keyspace keyspace;
  cmd::CommandTable table;
  TestServerApi api;
  cmd::ThreadCounters counters;
  int db = 0;
  bool resp3 = false;
  uint64_t dirty = 0;  // sum of ctx.dirty over the commands run
};

}  // namespace ember::families
