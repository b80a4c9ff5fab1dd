#include "persist/aof_loader.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

#include "base/strutil.h"
#include "persist/aof_manifest.h"
#include "resp/parser.h"

namespace ember::persist {

namespace {

// A read-only view of a whole file. mmap keeps a multi-gigabyte AOF out of the heap.
class MappedFile {
 public:
  ~MappedFile() {
    if (addr_ != nullptr) munmap(addr_, size_);
  }
  // Returns "" on success; *not_found when the file does not exist.
  std::string Open(const std::string& path, bool* not_found) {
    *not_found = false;
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      *not_found = errno == ENOENT;
      return "Can't open " + path + ": " + strerror(errno);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
      std::string err = "Can't stat " + path + ": " + strerror(errno);
      close(fd);
      return err;
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        std::string err = "Can't map " + path + ": " + strerror(errno);
        close(fd);
        return err;
      }
      addr_ = p;
      madvise(addr_, size_, MADV_SEQUENTIAL);
    }
    close(fd);
    return "";
  }
  std::string_view data() const {
    return addr_ == nullptr ? std::string_view()
                            : std::string_view(static_cast<char*>(addr_), size_);
  }

 private:
  void* addr_ = nullptr;
  size_t size_ = 0;
};

const resp::ParserLimits& AofParserLimits() {
  static const resp::ParserLimits limits = [] {
    resp::ParserLimits l;
    l.max_bulk_len = std::numeric_limits<int64_t>::max() / 4;
    l.max_multibulk_len = std::numeric_limits<int32_t>::max();
    l.max_inline_len = 1024;  // header lines only: "*<n>" and "$<len>"
    l.multibulk_error = "invalid multibulk length";
    l.bulk_error = "invalid bulk length";
    return l;
  }();
  return limits;
}

bool FileExists(const std::string& path, bool* is_dir) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return false;
  *is_dir = S_ISDIR(st.st_mode);
  return true;
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string Join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  if (name.empty() || name == ".") return dir;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

// Loads one file into `report`. `last` allows a truncated tail.
bool LoadOneFile(const std::string& path, bool last, const AofLoadCallbacks& cb,
                 const AofLoadOptions& opts, AofLoadReport* report) {
  MappedFile file;
  bool not_found;
  std::string err = file.Open(path, &not_found);
  if (!err.empty()) {
    report->ok = false;
    report->error = err;
    return false;
  }
  report->files.push_back(path);
  AofScanResult r = ScanAofData(file.data(), cb);
  report->commands += r.commands;
  report->rdb_preamble |= r.rdb_preamble;
  switch (r.status) {
    case AofScanResult::Status::kOk:
      return true;
    case AofScanResult::Status::kTruncated:
      if (!last || !opts.load_truncated) {
        report->ok = false;
        report->error = "Unexpected end of file reading the append only file " + path +
                        " (valid up to offset " + std::to_string(r.valid_length) + " of " +
                        std::to_string(file.data().size()) + " bytes)" +
                        (last ? "; set aof-load-truncated yes or run ember-check-aof --fix"
                              : "; only the last file may be truncated");
        return false;
      }
      report->truncated = true;
      report->truncated_file = path;
      report->valid_length = r.valid_length;
      report->file_size = file.data().size();
      report->warnings.push_back("!!! Warning: short read while loading the AOF " + path +
                                 ": truncated to its last valid command (offset " +
                                 std::to_string(r.valid_length) + " of " +
                                 std::to_string(file.data().size()) + " bytes) !!!");
      return true;
    case AofScanResult::Status::kCorrupt:
      report->ok = false;
      report->error = "Bad file format reading the append only file " + path + " at offset " +
                      std::to_string(r.error_offset) + ": " + r.error;
      return false;
    case AofScanResult::Status::kAborted:
      report->ok = false;
      report->error = r.error + " (append only file " + path + ")";
      return false;
    case AofScanResult::Status::kRdbUnchecked:
      report->ok = false;
      report->error = "The append only file " + path + " starts with an RDB preamble and no " +
                      "RDB reader is available";
      return false;
  }
  return false;
}

AofLoadReport LoadManifest(const std::string& manifest_path, const AofLoadCallbacks& cb,
                           const AofLoadOptions& opts) {
  AofLoadReport report;
  report.layout = AofLoadReport::Layout::kManifest;
  MappedFile mf;
  bool not_found;
  std::string err = mf.Open(manifest_path, &not_found);
  AofManifest m;
  if (err.empty() && !ParseAofManifest(mf.data(), &m, &err)) err += " in " + manifest_path;
  if (err.empty() && !m.has_base && m.incrs.empty())
    err = "The AOF manifest " + manifest_path + " lists no files";
  if (!err.empty()) {
    report.ok = false;
    report.error = err;
    return report;
  }
  std::string dir = DirName(manifest_path);
  std::vector<AofFileInfo> files = m.LoadOrder();
  for (size_t i = 0; i < files.size(); ++i) {
    if (!LoadOneFile(Join(dir, files[i].name), i + 1 == files.size(), cb, opts, &report)) break;
  }
  return report;
}

AofLoadReport LoadSingle(const std::string& path, const AofLoadCallbacks& cb,
                         const AofLoadOptions& opts) {
  AofLoadReport report;
  report.layout = AofLoadReport::Layout::kSingleFile;
  report.needs_upgrade = true;
  LoadOneFile(path, true, cb, opts, &report);
  return report;
}

}  // namespace

AofScanResult ScanAofData(std::string_view data, const AofLoadCallbacks& cb) {
  AofScanResult r;
  size_t pos = 0;
  if (data.substr(0, 5) == "REDIS") {
    r.rdb_preamble = true;
    if (!cb.rdb) {
      r.status = AofScanResult::Status::kRdbUnchecked;
      return r;
    }
    size_t consumed = 0;
    std::string err;
    if (!cb.rdb(data, &consumed, &err) || consumed > data.size()) {
      r.status = AofScanResult::Status::kAborted;
      r.error = err.empty() ? "Bad RDB preamble" : err;
      return r;
    }
    pos = consumed;
  }
  r.valid_length = pos;
  resp::RequestParser parser(&AofParserLimits());
  // Commands of an open MULTI block, owned because the parser's views move on.
  std::vector<std::vector<std::string>> multi;
  bool in_multi = false;
  size_t multi_start = 0;
  std::string err;
  auto yield = [&](std::span<const std::string_view> args) {
    if (cb.command && !cb.command(args, &err)) {
      r.status = AofScanResult::Status::kAborted;
      r.error = err.empty() ? "Command rejected" : err;
      return false;
    }
    ++r.commands;
    return true;
  };
  while (pos < data.size()) {
    std::string_view rest = data.substr(pos);
    if (rest[0] == '#') {
      // An annotation line (aof-timestamp-enabled writes "#TS:<unix time>\r\n"): skipped.
      size_t nl = rest.find('\n');
      if (nl == std::string_view::npos) break;  // cut off: part of a truncated tail
      pos += nl + 1;
      if (!in_multi) r.valid_length = pos;
      continue;
    }
    if (rest[0] != '*') {
      r.status = AofScanResult::Status::kCorrupt;
      r.error = "expected '*'";
      r.error_offset = pos;
      return r;
    }
    parser.Reset();
    resp::ParseStatus st = parser.Parse(rest);
    if (st == resp::ParseStatus::kIncomplete) break;
    if (st == resp::ParseStatus::kError || parser.args().empty()) {
      r.status = AofScanResult::Status::kCorrupt;
      r.error = st == resp::ParseStatus::kError ? std::string(parser.error()) : "empty command";
      r.error_offset = pos;
      return r;
    }
    const std::vector<std::string_view>& args = parser.args();
    size_t next = pos + parser.consumed();
    if (!in_multi && EqualsIgnoreCase(args[0], "MULTI")) {
      in_multi = true;
      multi_start = pos;
      multi.clear();
      multi.emplace_back(args.begin(), args.end());
    } else if (in_multi) {
      multi.emplace_back(args.begin(), args.end());
      if (EqualsIgnoreCase(args[0], "EXEC")) {
        std::vector<std::string_view> views;
        for (const std::vector<std::string>& cmd : multi) {
          views.assign(cmd.begin(), cmd.end());
          if (!yield(views)) return r;
        }
        multi.clear();
        in_multi = false;
        r.valid_length = next;
      }
    } else {
      if (!yield(args)) return r;
      r.valid_length = next;
    }
    pos = next;
  }
  if (pos < data.size() || in_multi) {
    r.status = AofScanResult::Status::kTruncated;
    if (in_multi) r.valid_length = multi_start;
  }
  return r;
}

AofLoadReport LoadAof(const std::string& dir, const std::string& appenddirname,
                      const std::string& appendfilename, const AofLoadCallbacks& cb,
                      const AofLoadOptions& opts) {
  bool is_dir;
  std::string manifest = Join(Join(dir, appenddirname), AofManifestName(appendfilename));
  if (FileExists(manifest, &is_dir) && !is_dir) return LoadManifest(manifest, cb, opts);
  std::string single = Join(dir, appendfilename);
  if (FileExists(single, &is_dir) && !is_dir) return LoadSingle(single, cb, opts);
  return AofLoadReport{};
}

AofLoadReport LoadAofPath(const std::string& path, const AofLoadCallbacks& cb,
                          const AofLoadOptions& opts) {
  bool is_dir = false;
  if (!FileExists(path, &is_dir)) {
    AofLoadReport report;
    report.ok = false;
    report.error = "Can't open " + path + ": " + strerror(ENOENT);
    return report;
  }
  if (is_dir) {
    std::vector<std::string> manifests;
    if (DIR* d = opendir(path.c_str())) {
      while (dirent* e = readdir(d)) {
        std::string_view n = e->d_name;
        if (n.size() > 9 && n.substr(n.size() - 9) == ".manifest") manifests.emplace_back(n);
      }
      closedir(d);
    }
    if (manifests.size() != 1) {
      AofLoadReport report;
      report.ok = false;
      report.error = "Expected exactly one *.manifest in " + path + ", found " +
                     std::to_string(manifests.size());
      return report;
    }
    return LoadManifest(Join(path, manifests[0]), cb, opts);
  }
  if (path.size() > 9 && path.substr(path.size() - 9) == ".manifest")
    return LoadManifest(path, cb, opts);
  return LoadSingle(path, cb, opts);
}

std::string TruncateAofFile(const std::string& path, uint64_t length) {
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return "Can't open " + path + ": " + strerror(errno);
  std::string err;
  if (ftruncate(fd, static_cast<off_t>(length)) != 0) {
    err = "Can't truncate " + path + ": " + strerror(errno);
  } else if (fsync(fd) != 0) {
    err = "fsync of " + path + ": " + strerror(errno);
  }
  close(fd);
  return err;
}

}  // namespace ember::persist
