// Helpers shared by the AOF unit tests (test-only header: included by *_test.cc files only).
#pragma once

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "persist/aof_loader.h"

namespace ember::persist::testing {

// A fresh directory under TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ember-aof-XXXXXX").string();
    char* p = mkdtemp(tmpl.data());
    path_ = p != nullptr ? p : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

using Commands = std::vector<std::vector<std::string>>;

// Collects every command a load yields.
inline AofLoadCallbacks Collect(Commands* out) {
  AofLoadCallbacks cb;
  cb.command = [out](std::span<const std::string_view> args, std::string*) {
    out->emplace_back(args.begin(), args.end());
    return true;
  };
  return cb;
}

}  // namespace ember::persist::testing
