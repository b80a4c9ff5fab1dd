// The file-system interface persistence goes through, so tests can inject faults (a full
// disk, a failed fsync, a crash between write and rename) without root or real disks.
// Errors are returned as human-readable strings ("" = success), ready for a log line.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ember::persist {

// Holds a file that is being removed or replaced open, so that dropping its name frees
// nothing yet, and frees its blocks and page cache in Release(): 1 MB at a time, with the
// CPU yielded in between. Freed at once, by unlink() or by a rename() over it, a 500 MB file
// is 100 ms of kernel time here that nothing preempts (the kernel runs without preemption),
// and an event loop sharing the core waits all that time.
class FileRelease {
 public:
  FileRelease() = default;
  FileRelease(FileRelease&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  FileRelease& operator=(FileRelease&& o) noexcept {
    if (this != &o) {
      Release();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  FileRelease(const FileRelease&) = delete;
  FileRelease& operator=(const FileRelease&) = delete;
  ~FileRelease() { Release(); }
  // Opens the regular file at `path` if there is one (else holds nothing).
  static FileRelease Hold(const std::string& path);
  // If no name refers to the file any more, frees it gradually; then closes it.
  void Release();
  bool holds() const { return fd_ >= 0; }

 private:
  explicit FileRelease(int fd) : fd_(fd) {}
  int fd_ = -1;
};

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual std::string Append(std::string_view data) = 0;
  // Flushes to stable storage (fsync).
  virtual std::string Sync() = 0;
  // Starts writing what was appended so far to the disk, without waiting for it: a large file
  // written with a call every few MB is not left to one long fsync at the end, whose
  // writeback work runs on the caller's core in one go (10M keys: 8 ms of an event loop's
  // shared core). A no-op where there is no disk.
  virtual void StartWriteback() {}
  virtual std::string Close() = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Creates or truncates `path` for writing.
  virtual std::string NewWritableFile(const std::string& path,
                                      std::unique_ptr<WritableFile>* out) = 0;
  // Atomically replaces `to` by `from` and makes the rename durable (fsync of the directory).
  virtual std::string Rename(const std::string& from, const std::string& to) = 0;
  // Removes `path`, a large file gradually (FileRelease). RemoveLater leaves that freeing to
  // *later (done as its elements are destroyed), for a caller that holds a lock meanwhile.
  virtual std::string Remove(const std::string& path) = 0;
  virtual std::string RemoveLater(const std::string& path, std::vector<FileRelease>* /*later*/) {
    return Remove(path);
  }
  // Reads the whole file. *not_found is set (and "" returned) when it does not exist.
  virtual std::string ReadFile(const std::string& path, std::string* out, bool* not_found) = 0;

  // The real (POSIX) file system; lives for the whole program.
  static FileSystem& Default();
};

// Streams a file into place the crash-safe way: writes to a temporary name next to `path`,
// fsyncs, then renames over `path`. Until Commit succeeds `path` keeps its old contents;
// on failure (or destruction without Commit) the temporary file is removed.
class AtomicFileWriter {
 public:
  AtomicFileWriter(FileSystem& fs, std::string path, std::string temp_path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  std::string Open();
  std::string Append(std::string_view data);
  void StartWriteback() { file_->StartWriteback(); }
  std::string Commit();  // fsync, close, rename

 private:
  void Abandon();
  FileSystem& fs_;
  std::string path_, temp_path_;
  std::unique_ptr<WritableFile> file_;
  bool committed_ = false;
};

}  // namespace ember::persist
