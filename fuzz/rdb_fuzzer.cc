// libFuzzer target: feeds arbitrary bytes to the RDB loader. The loader must return an error
// or load a dataset, never crash, read out of bounds or allocate without bound. Inputs that
// load are saved again and must load back to the same key count.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "persist/rdb_reader.h"
#include "persist/rdb_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ember::persist;  // NOLINT
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ember::Keyspace ks(4);
  RdbLoadInfo info;
  std::string err = LoadRdb(in, ks, /*now_ms=*/1'700'000'000'000, &info);
  if (!err.empty()) return 0;
  RdbWriter w;
  w.Header();
  uint64_t total = 0;
  for (int i = 0; i < ks.num_dbs(); ++i) {
    uint64_t n = 0;
    ks.db(i).ForEachLive(1'700'000'000'000, [&](const ember::Entry*) { ++n; });
    if (n == 0) continue;
    total += n;
    w.SelectDb(i, n, 0);
    ks.db(i).ForEachLive(1'700'000'000'000, [&](const ember::Entry* e) {
      if (!w.WriteEntry(e).empty()) abort();
    });
  }
  w.Finish();
  ember::Keyspace back(4);
  RdbLoadInfo info2;
  if (!LoadRdb(w.TakeBuffer(), back, 1'700'000'000'000, &info2).empty()) abort();
  if (info2.keys_loaded != total) abort();
  return 0;
}
