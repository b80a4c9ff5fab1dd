// Removing and replacing files: the gradual freeing (FileRelease) frees only what no name
// refers to any more, and removal and rename keep their meaning.
#include "persist/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "persist/aof_test_util.h"

namespace ember::persist {
namespace {

using testing::ReadFile;
using testing::TempDir;

void WriteFileOf(const std::string& path, size_t bytes) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  std::string block(1 << 20, 'x');
  for (size_t done = 0; done < bytes; done += block.size())
    ASSERT_EQ(write(fd, block.data(), std::min(block.size(), bytes - done)),
              static_cast<ssize_t>(std::min(block.size(), bytes - done)));
  close(fd);
}

// Writes a file of `bytes` at path and returns a descriptor that watches it: whatever
// happens to the name, its size is the file's.
int WriteAndObserve(const std::string& path, size_t bytes) {
  WriteFileOf(path, bytes);
  int fd = open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0) << path;
  return fd;
}

off_t SizeOf(int fd) {
  struct stat st;
  EXPECT_EQ(fstat(fd, &st), 0);
  return st.st_size;
}

TEST(FileRelease, HoldsNothingWithoutAFile) {
  TempDir tmp;
  EXPECT_FALSE(FileRelease::Hold(tmp / "none").holds());
  EXPECT_FALSE(FileRelease::Hold(tmp.path()).holds());  // a directory
}

// The file is freed in steps (the last one by close): seen through another descriptor of
// the same file, it shrinks to at most one step before the end.
TEST(FileRelease, FreesARemovedFileInSteps) {
  TempDir tmp;
  const std::string path = tmp / "big";
  int observer = WriteAndObserve(path, 20 << 20);
  FileRelease held = FileRelease::Hold(path);
  ASSERT_TRUE(held.holds());
  ASSERT_EQ(unlink(path.c_str()), 0);
  EXPECT_EQ(SizeOf(observer), 20 << 20);  // unlinking freed nothing while held
  held.Release();
  EXPECT_FALSE(held.holds());
  EXPECT_LE(SizeOf(observer), 4 << 20);
  close(observer);
}

// A file that another name still refers to is left whole.
TEST(FileRelease, LeavesAFileWithAnotherLinkWhole) {
  TempDir tmp;
  const std::string path = tmp / "dump", backup = tmp / "backup";
  WriteFileOf(path, 9 << 20);
  ASSERT_EQ(link(path.c_str(), backup.c_str()), 0);
  EXPECT_EQ(FileSystem::Default().Remove(path), "");
  struct stat st;
  ASSERT_EQ(stat(backup.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 9 << 20);
  // Replaced by a rename: the same.
  WriteFileOf(path, 9 << 20);
  ASSERT_EQ(unlink(backup.c_str()), 0);
  ASSERT_EQ(link(path.c_str(), backup.c_str()), 0);
  WriteFileOf(tmp / "new", 10);
  EXPECT_EQ(FileSystem::Default().Rename(tmp / "new", path), "");
  ASSERT_EQ(stat(backup.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 9 << 20);
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 10);
}

// RemoveLater drops the name at once and frees the file when the handles go.
TEST(FileRelease, RemoveLaterLeavesTheFreeingToTheCaller) {
  TempDir tmp;
  const std::string path = tmp / "old.aof";
  int observer = WriteAndObserve(path, 12 << 20);
  std::vector<FileRelease> later;
  EXPECT_EQ(FileSystem::Default().RemoveLater(path, &later), "");
  EXPECT_NE(access(path.c_str(), F_OK), 0);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(SizeOf(observer), 12 << 20);
  later.clear();
  EXPECT_LE(SizeOf(observer), 4 << 20);
  close(observer);
  EXPECT_NE(FileSystem::Default().RemoveLater(path, &later), "");  // gone: an error, as unlink
  EXPECT_TRUE(later.empty());
}

TEST(FileRelease, RenameOverAFileReplacesIt) {
  TempDir tmp;
  const std::string path = tmp / "dump.rdb";
  int observer = WriteAndObserve(path, 6 << 20);
  WriteFileOf(tmp / "temp.rdb", 3);
  EXPECT_EQ(FileSystem::Default().Rename(tmp / "temp.rdb", path), "");
  EXPECT_EQ(ReadFile(path), "xxx");
  EXPECT_LE(SizeOf(observer), 4 << 20);  // the replaced file was freed
  close(observer);
}

}  // namespace
}  // namespace ember::persist
