// RESP microbenchmarks: request parsing throughput for pipelined small commands and for large
// bulk strings, and reply serialisation throughput.
#include <benchmark/benchmark.h>

#include <string>

#include "resp/parser.h"
#include "resp/reply_writer.h"

namespace ember::resp {
namespace {

void BM_ParsePipelinedSmall(benchmark::State& state) {
  std::string buf;
  for (int i = 0; i < 1000; ++i)
    buf += "*3\r\n$3\r\nSET\r\n$16\r\nkey:000000" + std::to_string(100000 + i) + "\r\n$64\r\n" +
           std::string(64, 'v') + "\r\n";
  ParserLimits limits;
  RequestParser p(&limits);
  for (auto _ : state) {
    size_t off = 0;
    while (off < buf.size()) {
      p.Parse(std::string_view(buf).substr(off));
      off += p.consumed();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buf.size()));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_ParsePipelinedSmall);

void BM_ParseLargeBulk(benchmark::State& state) {
  std::string value(static_cast<size_t>(state.range(0)), 'x');
  std::string buf =
      "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  ParserLimits limits;
  RequestParser p(&limits);
  for (auto _ : state) benchmark::DoNotOptimize(p.Parse(buf));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buf.size()));
}
BENCHMARK(BM_ParseLargeBulk)->Arg(1 << 16)->Arg(1 << 24);

void BM_WriteBulkReplies(benchmark::State& state) {
  std::string out;
  ReplyWriter w(&out);
  std::string value(64, 'v');
  for (auto _ : state) {
    out.clear();
    for (int i = 0; i < 1000; ++i) w.Bulk(value);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * 1000 * (value.size() + 7)));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_WriteBulkReplies);

void BM_WriteIntegers(benchmark::State& state) {
  std::string out;
  ReplyWriter w(&out);
  for (auto _ : state) {
    out.clear();
    for (int i = 0; i < 1000; ++i) w.Integer(1234567 + i);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_WriteIntegers);

}  // namespace
}  // namespace ember::resp

BENCHMARK_MAIN();
