// Keyspace microbenchmarks: GET/SET/DEL ns/op at 1K and 1M keys, and lock contention of the
// partitioned keyspace with 1..8 threads (run on a machine with that many cores for the
// scaling picture; on 2 cores it shows the locking overhead).
#include <benchmark/benchmark.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cmd/command.h"
#include "server/key_prefetcher.h"
#include "server/server.h"
#include "server/worker.h"
#include "store/database.h"

namespace ember {
namespace {

std::vector<std::string> MakeKeys(size_t n) {
  std::vector<std::string> keys;
  keys.reserve(n);
  for (size_t i = 0; i < n; ++i) keys.push_back("key:" + std::to_string(100000000 + i));
  return keys;
}

const std::string kValue(64, 'v');

void Fill(Database& db, const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    Entry* e = NewStringEntry(EntryInit{k}, kValue, Encoding::kRaw);
    if (Entry** link = db.FindLink(k, 0)) {
      db.Replace(link, e);
    } else {
      db.Insert(e);
    }
  }
}

// One keyspace operation per iteration on a database of state.range(0) keys, with the key's
// partition locked as a command would.
template <typename Op>
void RunKeyOp(benchmark::State& state, Op op) {
  auto keys = MakeKeys(static_cast<size_t>(state.range(0)));
  Database db;
  Fill(db, keys);
  size_t i = 0;
  for (auto _ : state) {
    const std::string& k = keys[i++ % keys.size()];
    LockSet locks;
    locks.AddKey(db, k);
    locks.Lock();
    op(db, k);
  }
}

void BM_Get(benchmark::State& state) {
  RunKeyOp(state,
           [](Database& db, const std::string& k) { benchmark::DoNotOptimize(db.Find(k, 0)); });
}
BENCHMARK(BM_Get)->Arg(1000)->Arg(1000000);

void BM_SetOverwrite(benchmark::State& state) {
  RunKeyOp(state, [](Database& db, const std::string& k) {
    Entry* e = NewStringEntry(EntryInit{k}, kValue, Encoding::kRaw);
    db.Replace(db.FindLink(k, 0), e);
  });
}
BENCHMARK(BM_SetOverwrite)->Arg(1000)->Arg(1000000);

void BM_DelInsert(benchmark::State& state) {
  RunKeyOp(state, [](Database& db, const std::string& k) {
    db.Delete(k, 0);
    db.Insert(NewStringEntry(EntryInit{k}, kValue, Encoding::kRaw));
  });
}
BENCHMARK(BM_DelInsert)->Arg(1000)->Arg(1000000);

// A fill: `keys` new keys inserted one by one into an empty database (each under its
// partition's lock, as SET runs), so every partition's table grows through its doublings
// on the way, each moving its old buckets a few per insert. ns per insert, the database's
// creation and destruction outside the timing.
void BM_FillGrow(benchmark::State& state) {
  const auto keys = MakeKeys(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    state.PauseTiming();
    auto db = std::make_unique<Database>();
    state.ResumeTiming();
    for (const auto& k : keys) {
      LockSet locks;
      locks.AddKey(*db, k);
      locks.Lock();
      if (db->FindLink(k, 0) == nullptr)
        db->Insert(
            NewStringEntry(EntryInit{k}, std::string_view(kValue.data(), 8), Encoding::kEmbStr));
    }
    state.PauseTiming();
    db.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(keys.size()));
}
BENCHMARK(BM_FillGrow)->Arg(1000000)->Arg(4000000)->Unit(benchmark::kMillisecond);

// A pipeline of 16 GETs of random keys, each under its partition's lock as a command runs,
// without (prefetch = 0) and with the worker's KeyPrefetcher, as for 16 requests in one read:
// at 1M keys the lookups' cache misses dominate, and the prefetcher overlaps them.
void BM_GetPipeline16(benchmark::State& state) {
  auto keys = MakeKeys(static_cast<size_t>(state.range(0)));
  const bool prefetch = state.range(1) != 0;
  Database db;
  Fill(db, keys);
  constexpr size_t kDepth = 16;
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  server::KeyPrefetcher pf;
  const std::string* batch[kDepth];
  for (auto _ : state) {
    for (auto& k : batch) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      k = &keys[x % keys.size()];
    }
    if (prefetch) {
      pf.Begin(db);
      for (const std::string* k : batch) pf.Add(*k);
      pf.Launch();
    }
    for (const std::string* k : batch) {
      if (prefetch) pf.Advance();
      LockSet locks;
      locks.AddKey(db, *k);
      locks.Lock();
      benchmark::DoNotOptimize(db.Find(*k, 0));
    }
    pf.Clear();
  }
  state.SetItemsProcessed(state.iterations() * kDepth);
}
BENCHMARK(BM_GetPipeline16)->ArgNames({"keys", "prefetch"})->ArgsProduct({{1000, 1000000}, {0, 1}});

// One read of `depth` pipelined GETs of random keys among 1M, as the worker handles it: the
// prefetcher peeks at the RESP requests that follow the first (Start), then each request
// runs after Advance (prefetch = 1) or without hints (0). Deep pipelines and bulk loads bring
// hundreds of requests per 16 KB read; ns per request is the figure.
void BM_GetPipelineRead(benchmark::State& state) {
  const size_t depth = static_cast<size_t>(state.range(0));
  const bool prefetch = state.range(1) != 0;
  auto keys = MakeKeys(1000000);
  Database db;
  Fill(db, keys);
  static cmd::CommandTable* table = [] {
    auto* t = new cmd::CommandTable;
    server::RegisterAllCommands(*t);
    return t;
  }();
  server::CommandLookup lookup(*table);
  // Reads prepared ahead (random keys, each request's key offset kept) so the loop times only
  // what the worker does per request besides parsing; 2M requests in all, so that the
  // keys looked up are not in the cache from an earlier pass.
  const size_t kReads = (2000000 + depth - 1) / depth;
  std::vector<std::string> reads(kReads);
  std::vector<std::vector<std::string_view>> read_keys(kReads);
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (size_t r = 0; r < kReads; ++r) {
    std::vector<std::pair<size_t, size_t>> spans;
    for (size_t i = 0; i < depth; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      const std::string& k = keys[x % keys.size()];
      reads[r] += "*2\r\n$3\r\nGET\r\n$" + std::to_string(k.size()) + "\r\n";
      spans.emplace_back(reads[r].size(), k.size());
      reads[r] += k + "\r\n";
    }
    for (auto [off, len] : spans) read_keys[r].emplace_back(reads[r].data() + off, len);
  }
  server::KeyPrefetcher pf;
  size_t r = 0;
  for (auto _ : state) {
    const std::string& data = reads[r];
    const auto& ks = read_keys[r];
    r = (r + 1) % kReads;
    for (size_t i = 0; i < ks.size(); ++i) {
      if (prefetch) {
        if (i == 0) {
          pf.Start(db, lookup,
                   std::string_view(data).substr(ks[0].data() + ks[0].size() + 2 - data.data()));
        } else {
          pf.Advance();
        }
      }
      LockSet locks;
      locks.AddKey(db, ks[i]);
      locks.Lock();
      benchmark::DoNotOptimize(db.Find(ks[i], 0));
    }
    pf.Clear();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(depth));
}
BENCHMARK(BM_GetPipelineRead)
    ->ArgNames({"depth", "prefetch"})
    ->ArgsProduct({{16, 128, 370}, {0, 1}});

// Many threads doing GET/SET (1:1) on one shared database: `keys` uniformly random keys
// (1 = every thread on one hot key, one partition), each access under its partition's lock
// and, with `global`, one process-wide mutex as well (the "map behind a lock" baseline that
// the partitions replace).
std::unique_ptr<Database> g_db;
std::vector<std::string> g_keys;
std::mutex g_global_mu;

void RunContention(benchmark::State& state, size_t keys, bool global) {
  if (state.thread_index() == 0) {
    g_keys = MakeKeys(keys);
    g_db = std::make_unique<Database>();
    Fill(*g_db, g_keys);
  }
  uint64_t x = 0x9E3779B97F4A7C15ULL * (state.thread_index() + 1);
  for (auto _ : state) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const std::string& k = g_keys[x % g_keys.size()];
    std::unique_lock<std::mutex> outer(g_global_mu, std::defer_lock);
    if (global) outer.lock();
    LockSet locks;
    locks.AddKey(*g_db, k);
    locks.Lock();
    if (x & 1) {
      benchmark::DoNotOptimize(g_db->Find(k, 0));
    } else {
      g_db->Replace(g_db->FindLink(k, 0), NewStringEntry(EntryInit{k}, kValue, Encoding::kRaw));
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    g_db.reset();
    g_keys.clear();
  }
}

void BM_Contention(benchmark::State& state) { RunContention(state, 100000, false); }
void BM_ContentionGlobalLock(benchmark::State& state) { RunContention(state, 100000, true); }
void BM_ContentionHotKey(benchmark::State& state) { RunContention(state, 1, false); }
BENCHMARK(BM_Contention)->ThreadRange(1, 8)->UseRealTime();
BENCHMARK(BM_ContentionGlobalLock)->ThreadRange(1, 8)->UseRealTime();
BENCHMARK(BM_ContentionHotKey)->ThreadRange(1, 8)->UseRealTime();

}  // namespace
}  // namespace ember
