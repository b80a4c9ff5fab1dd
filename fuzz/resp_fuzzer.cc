// libFuzzer target: feeds arbitrary bytes to the request parser, split at a fuzzer-chosen
// point to exercise resumption, and checks its invariants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "resp/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static ember::resp::ParserLimits limits{
      .max_bulk_len = 1 << 20, .max_multibulk_len = 1 << 16, .max_inline_len = 4096};
  size_t split = data[0] % (size + 1);
  std::string buf(reinterpret_cast<const char*>(data) + 1, size - 1);
  ember::resp::RequestParser p(&limits);
  std::string acc;
  size_t fed = std::min(split, buf.size());
  acc.assign(buf.data(), fed);
  size_t start = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    std::string_view view(acc.data() + start, acc.size() - start);
    auto st = p.Parse(view);
    if (st == ember::resp::ParseStatus::kOk) {
      if (p.consumed() == 0 || p.consumed() > view.size()) abort();
      for (auto a : p.args()) {
        // Views must point into the buffer or into parser-owned storage; touch every byte.
        unsigned sum = 0;
        for (char c : a) sum += static_cast<unsigned char>(c);
        if (sum == 0xFFFFFFFFu) abort();  // never true; keeps the reads
      }
      start += p.consumed();
      continue;
    }
    if (st == ember::resp::ParseStatus::kError) {
      if (p.error().empty()) abort();
      break;
    }
    // Incomplete: feed the rest, or stop when everything was given.
    if (fed == buf.size()) break;
    acc.append(buf.data() + fed, buf.size() - fed);
    fed = buf.size();
  }
  return 0;
}
