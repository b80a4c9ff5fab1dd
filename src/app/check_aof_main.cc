// ember-check-aof: checks an append-only file (a single file, a manifest or an AOF directory)
// and, with --fix, truncates the last file to its last valid command.
// Exit status: 0 when the AOF is (or has been made) loadable, 1 otherwise, 2 on usage errors.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "persist/aof_loader.h"
#include "persist/aof_manifest.h"

namespace {

using ember::persist::AofFileInfo;
using ember::persist::AofManifest;
using ember::persist::AofScanResult;

bool ReadWhole(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// Resolves the argument to the files to check, in load order. Empty and an error otherwise.
std::vector<std::string> FilesOf(const std::string& arg, std::string* error) {
  std::string manifest;
  std::error_code ec;
  if (arg.size() > 9 && arg.compare(arg.size() - 9, 9, ".manifest") == 0) {
    manifest = arg;
  } else if (std::filesystem::is_directory(arg, ec)) {
    int found = 0;
    for (const auto& e : std::filesystem::directory_iterator(arg, ec)) {
      if (e.path().extension() == ".manifest") {
        manifest = e.path().string();
        ++found;
      }
    }
    if (found != 1) {
      *error = "Expected exactly one *.manifest in " + arg + ", found " + std::to_string(found);
      return {};
    }
  } else {
    return {arg};
  }
  std::string text;
  if (!ReadWhole(manifest, &text)) {
    *error = "Can't open " + manifest;
    return {};
  }
  AofManifest m;
  if (!ember::persist::ParseAofManifest(text, &m, error)) {
    *error += " in " + manifest;
    return {};
  }
  std::string dir = ".";
  if (size_t slash = manifest.rfind('/'); slash != std::string::npos)
    dir = manifest.substr(0, slash);
  std::vector<std::string> files;
  for (const AofFileInfo& f : m.LoadOrder()) files.push_back(dir + "/" + f.name);
  if (files.empty()) *error = "The manifest " + manifest + " lists no files";
  return files;
}

int Usage() {
  std::fprintf(stderr, "Usage: ember-check-aof [--fix] <file.aof|file.manifest|dir>\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool fix = false;
  std::string target;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--fix") {
      fix = true;
    } else if (a == "-h" || a == "--help" || !target.empty()) {
      return Usage();
    } else {
      target = a;
    }
  }
  if (target.empty()) return Usage();

  std::string error;
  std::vector<std::string> files = FilesOf(target, &error);
  if (files.empty()) {
    std::printf("Summary: ERROR %s\n", error.c_str());
    return 1;
  }
  uint64_t total = 0;
  bool ok = true;
  ember::persist::AofLoadCallbacks count;  // no command callback: only validate
  for (size_t i = 0; i < files.size() && ok; ++i) {
    const std::string& path = files[i];
    const bool last = i + 1 == files.size();
    std::string data;
    if (!ReadWhole(path, &data)) {
      std::printf("Can't open %s\n", path.c_str());
      ok = false;
      break;
    }
    AofScanResult r = ember::persist::ScanAofData(data, count);
    if (r.status == AofScanResult::Status::kRdbUnchecked) {
      std::printf("AOF %s starts with an RDB preamble: the RDB part is not checked%s\n",
                  path.c_str(), files.size() > 1 ? "" : " (nor what follows it)");
      continue;
    }
    total += r.commands;
    std::printf("AOF analyzed: filename=%s, size=%zu, ok_up_to=%zu, commands=%llu, diff=%zu\n",
                path.c_str(), data.size(), r.valid_length,
                static_cast<unsigned long long>(r.commands), data.size() - r.valid_length);
    if (r.status == AofScanResult::Status::kOk) {
      std::printf("AOF %s is valid\n", path.c_str());
      continue;
    }
    if (r.status == AofScanResult::Status::kCorrupt) {
      std::printf("AOF %s: bad format at offset %zu (%s)\n", path.c_str(), r.error_offset,
                  r.error.c_str());
    } else {
      std::printf("AOF %s: unexpected end of file after offset %zu\n", path.c_str(),
                  r.valid_length);
    }
    if (!last) {
      std::printf("AOF %s is not valid and is not the last file: it cannot be truncated\n",
                  path.c_str());
      ok = false;
    } else if (!fix) {
      std::printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", path.c_str());
      ok = false;
    } else {
      std::string err = ember::persist::TruncateAofFile(path, r.valid_length);
      if (!err.empty()) {
        std::printf("Failed to truncate AOF %s: %s\n", err.c_str(), path.c_str());
        ok = false;
      } else {
        std::printf("Successfully truncated AOF %s to %zu bytes (%zu removed)\n", path.c_str(),
                    r.valid_length, data.size() - r.valid_length);
      }
    }
  }
  if (ok) {
    std::printf("Summary: OK, %llu commands in %zu files\n", static_cast<unsigned long long>(total),
                files.size());
  } else {
    std::printf("Summary: ERROR\n");
  }
  return ok ? 0 : 1;
}
