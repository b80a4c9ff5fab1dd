// libFuzzer target for the AOF loader: scans arbitrary bytes as an AOF file and parses them as
// a manifest, checking invariants (the valid prefix re-scans cleanly with the same command
// count; a parsed manifest survives a format/parse round trip).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "persist/aof_loader.h"
#include "persist/aof_manifest.h"

namespace {

ember::persist::AofLoadCallbacks Callbacks(uint64_t* bytes) {
  ember::persist::AofLoadCallbacks cb;
  cb.command = [bytes](std::span<const std::string_view> args, std::string*) {
    if (args.empty()) abort();
    for (std::string_view a : args) {
      for (char c : a) *bytes += static_cast<unsigned char>(c);
    }
    return true;
  };
  return cb;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  uint64_t bytes = 0;
  ember::persist::AofLoadCallbacks cb = Callbacks(&bytes);
  using Status = ember::persist::AofScanResult::Status;

  ember::persist::AofScanResult r = ember::persist::ScanAofData(in, cb);
  if (r.valid_length > in.size()) abort();
  if (r.status == Status::kOk && !r.rdb_preamble && r.valid_length != in.size()) abort();
  if (r.status == Status::kCorrupt && r.error_offset >= in.size()) abort();
  if (!r.rdb_preamble) {
    ember::persist::AofScanResult again =
        ember::persist::ScanAofData(in.substr(0, r.valid_length), cb);
    if (again.status != Status::kOk || again.commands != r.commands) abort();
  }

  // An RDB preamble of fuzzer-chosen length, followed by commands.
  if (r.rdb_preamble && size > 5) {
    ember::persist::AofLoadCallbacks with_rdb = cb;
    with_rdb.rdb = [&](std::string_view d, size_t* consumed, std::string*) {
      *consumed = data[5] % (d.size() + 1);
      return true;
    };
    r = ember::persist::ScanAofData(in, with_rdb);
    if (r.valid_length > in.size()) abort();
  }

  ember::persist::AofManifest m;
  std::string err;
  if (ember::persist::ParseAofManifest(in, &m, &err)) {
    std::string text = ember::persist::FormatAofManifest(m);
    ember::persist::AofManifest back;
    if (!ember::persist::ParseAofManifest(text, &back, &err)) abort();
    if (back.has_base != m.has_base || back.base != m.base || back.incrs != m.incrs ||
        back.history != m.history)
      abort();
  }
  return 0;
}
