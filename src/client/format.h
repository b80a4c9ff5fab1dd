// redis-cli's two output styles for a reply tree. Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "client/reply.h"

namespace ember::client {

enum class OutputMode {
  kTty,  // human form: (integer) 1, "quoted", numbered nested arrays, (error) ERR ...
  kRaw,  // plain form for scripts: values only, one element per line
};

// The exact text redis-cli prints for a reply, trailing newline included.
std::string FormatReply(const Reply& reply, OutputMode mode);

// A bulk string as redis-cli quotes it in human form: "..." with \\ \" \n \r \t \a \b and
// \xHH for other unprintable bytes.
std::string QuoteString(std::string_view s);

}  // namespace ember::client
