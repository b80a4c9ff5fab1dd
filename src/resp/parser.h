// Incremental parser for client requests: RESP multibulk arrays and inline text commands.
//
// Usage: call Parse() with a buffer that starts at the first byte of a request. On kIncomplete
// the parser keeps its progress; call Parse() again with the SAME request start and more bytes
// appended (the buffer may have moved: progress is stored as offsets). MinBytes() tells how
// many bytes the buffer must hold before progress is possible, so a 500 MB value is not
// re-scanned on every read. Not thread-safe; one parser per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ember::resp {

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  int64_t max_multibulk_len = 1024 * 1024;     // elements in one request
  size_t max_inline_len = 64 * 1024;           // inline request or header line
  // Before AUTH, Redis 7 refuses big requests with these messages (empty: no special text).
  const char* multibulk_error = "Protocol error: invalid multibulk length";
  const char* bulk_error = "Protocol error: invalid bulk length";
};

enum class ParseStatus { kOk, kIncomplete, kError };

class RequestParser {
 public:
  explicit RequestParser(const ParserLimits* limits) : limits_(limits) {}
  // Switches limits between requests (e.g. stricter ones before AUTH).
  void set_limits(const ParserLimits* limits) { limits_ = limits; }

  // On kOk, args() holds the request (views into `data` or into parser-owned storage for
  // inline requests) valid until the next Parse() or Reset(); consumed() is its byte length.
  // An empty request (blank inline line, "*0") is kOk with empty args().
  // On kError, error() is the reply text ("Protocol error: ..."); the connection must close.
  ParseStatus Parse(std::string_view data);

  const std::vector<std::string_view>& args() const { return args_; }
  size_t consumed() const { return consumed_; }
  std::string_view error() const { return error_; }
  // While kIncomplete: the total buffer size needed before the next step can succeed.
  size_t MinBytes() const { return min_bytes_; }
  // True while a request is partially parsed (its bytes must be kept).
  bool InProgress() const { return pos_ != 0; }
  // Bytes the current partial request is known to need in total (for buffer reservation).
  size_t ExpectedSize() const { return min_bytes_; }
  void Reset();

 private:
  // One pass over a complete multibulk request with canonical headers, straight into args_;
  // false (nothing but args_ touched) when it is incomplete, malformed or over a limit, and
  // ParseMultibulk then handles it with its error messages and resumable progress.
  bool ParseComplete(std::string_view data);
  ParseStatus ParseMultibulk(std::string_view data);
  ParseStatus ParseInline(std::string_view data);
  ParseStatus Fail(const char* msg);
  ParseStatus Done(std::string_view data, size_t end);

  const ParserLimits* limits_;
  // Progress of a partial multibulk request.
  size_t pos_ = 0;          // next byte to examine
  int64_t remaining_ = -1;  // bulk strings still expected (-1: header not read yet)
  int64_t bulk_len_ = -1;   // length of the bulk being read (-1: its header not read yet)
  std::vector<std::pair<size_t, size_t>> spans_;  // offset, length of completed bulks
  size_t min_bytes_ = 0;

  std::vector<std::string_view> args_;
  std::vector<std::string> inline_args_;
  size_t consumed_ = 0;
  std::string error_;
};

// Look-ahead for pipelined requests (cache prefetching): if `data` starts with a complete
// multibulk request in canonical form, stores views of its first `max` arguments in args,
// its argument count in *argc (which may exceed max) and returns its length in bytes;
// otherwise returns 0. Stateless and without error messages: RequestParser alone decides what
// the bytes mean.
size_t PeekRequest(std::string_view data, std::string_view* args, size_t max, size_t* argc);

// Splits an inline command line into arguments with redis-cli's quoting rules
// ("..." with \n \r \t \b \a \\ \" \xHH escapes, '...' with \'). Returns false on
// unbalanced quotes. Shared by the server's inline parser and the CLI.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace ember::resp
