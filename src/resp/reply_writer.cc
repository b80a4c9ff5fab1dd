#include "resp/reply_writer.h"

#include <cstring>

#include "base/strutil.h"

namespace ember::resp {

void ReplyWriter::Header(char type, int64_t n) {
  char buf[32];
  buf[0] = type;
  size_t len = 1 + FormatInt64(n, buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
  out_->append(buf, len);
}

void ReplyWriter::Simple(std::string_view s) {
  size_t old = out_->size();
  out_->resize(old + s.size() + 3);
  char* p = out_->data() + old;
  p[0] = '+';
  if (!s.empty()) memcpy(p + 1, s.data(), s.size());
  p[s.size() + 1] = '\r';
  p[s.size() + 2] = '\n';
}

void ReplyWriter::Error(std::string_view msg) {
  out_->push_back('-');
  // An error line must not contain CR/LF: replace them like Redis does.
  size_t start = out_->size();
  out_->append(msg);
  for (size_t i = start; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n", 2);
}

void ReplyWriter::Integer(int64_t v) { Header(':', v); }

void ReplyWriter::Bulk(std::string_view s) {
  char buf[32];
  buf[0] = '$';
  size_t len = 1 + FormatInt64(static_cast<int64_t>(s.size()), buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
  size_t old = out_->size();
  out_->resize(old + len + s.size() + 2);
  char* p = out_->data() + old;
  memcpy(p, buf, len);
  if (!s.empty()) memcpy(p + len, s.data(), s.size());
  p[len + s.size()] = '\r';
  p[len + s.size() + 1] = '\n';
}

void ReplyWriter::Null() {
  if (resp3_) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void ReplyWriter::NullArray() {
  if (resp3_) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void ReplyWriter::ArrayHeader(size_t n) { Header('*', static_cast<int64_t>(n)); }

void ReplyWriter::MapHeader(size_t pairs) {
  if (resp3_) {
    Header('%', static_cast<int64_t>(pairs));
  } else {
    Header('*', static_cast<int64_t>(pairs * 2));
  }
}

void ReplyWriter::SetHeader(size_t n) { Header(resp3_ ? '~' : '*', static_cast<int64_t>(n)); }

void ReplyWriter::PushHeader(size_t n) { Header(resp3_ ? '>' : '*', static_cast<int64_t>(n)); }

void ReplyWriter::Double(double v) {
  std::string s = FormatDouble(v);
  if (resp3_) {
    out_->push_back(',');
    out_->append(s);
    out_->append("\r\n", 2);
  } else {
    Bulk(s);
  }
}

void ReplyWriter::Bool(bool v) {
  if (resp3_) {
    out_->append(v ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(v ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyWriter::Verbatim(std::string_view text) {
  if (!resp3_) {
    Bulk(text);
    return;
  }
  Header('=', static_cast<int64_t>(text.size() + 4));
  out_->append("txt:", 4);
  out_->append(text);
  out_->append("\r\n", 2);
}

}  // namespace ember::resp
