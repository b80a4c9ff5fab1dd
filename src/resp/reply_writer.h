// Serialises replies into a connection's output buffer. Handlers call meaning-level methods;
// the writer spells them in RESP2 or RESP3. Not thread-safe; one per connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ember::resp {

class ReplyWriter {
 public:
  explicit ReplyWriter(std::string* out) : out_(out) {}

  void set_resp3(bool v) { resp3_ = v; }
  bool resp3() const { return resp3_; }
  std::string* buffer() { return out_; }
  void set_buffer(std::string* out) { out_ = out; }

  void Simple(std::string_view s);  // +s
  void Ok() { out_->append("+OK\r\n", 5); }
  void Error(std::string_view msg);      // -msg (msg already carries its code, e.g. "ERR ...")
  void Integer(int64_t v);               // :v
  void Bulk(std::string_view s);         // $len s
  void Null();                           // $-1 / _
  void NullArray();                      // *-1 / _
  void ArrayHeader(size_t n);            // *n
  void MapHeader(size_t pairs);          // %n / *2n
  void SetHeader(size_t n);              // ~n / *n
  void PushHeader(size_t n);             // >n / *n
  void Double(double v);                 // ,v / bulk "%.17g"
  void Bool(bool v);                     // #t / :1
  void Verbatim(std::string_view text);  // =len txt:... / bulk
  void EmptyArray() { ArrayHeader(0); }

 private:
  void Header(char type, int64_t n);
  std::string* out_;
  bool resp3_ = false;
};

}  // namespace ember::resp
