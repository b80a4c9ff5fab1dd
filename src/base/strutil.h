// Number parsing/formatting and glob matching with Redis's exact semantics.
// Pure functions, no allocation unless they return std::string; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ember {

// Strict decimal int64 as Redis accepts it for integer arguments: optional '-', digits,
// no leading zeros (except "0"), no '+', no spaces, no "-0"; fails on overflow and empty input.
bool ParseInt64(std::string_view s, int64_t* out);

// Same rules, unsigned (no '-').
bool ParseUint64(std::string_view s, uint64_t* out);

// Writes the decimal form of v into buf (at least 21 bytes); returns the length written.
size_t FormatInt64(int64_t v, char* buf);
std::string Int64ToString(int64_t v);

// Long double as INCRBYFLOAT accepts it: the whole string must parse (strtold), no leading
// space, not empty, not longer than 5000 chars, result not NaN or infinite.
bool ParseLongDouble(std::string_view s, long double* out);

// Double as Redis accepts for float arguments (ZADD, INCRBYFLOAT increment is long double):
// the whole string parses, no leading space, "inf"/"+inf"/"-inf" accepted, NaN rejected.
bool ParseDouble(std::string_view s, double* out);

// INCRBYFLOAT's output: "%.17Lf" with trailing zeros (and a trailing '.') removed, as Redis
// prints long doubles in human form; "-0" is printed as "0".
std::string FormatLongDoubleHuman(long double v);

// Double as Redis prints it in replies ("%.17g"; "inf", "-inf", "nan").
std::string FormatDouble(double v);

// Redis's glob: '*', '?', '[abc]', '[^abc]', '[a-z]', '\x' escapes; nocase folds ASCII case.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

// ASCII case-insensitive equality (command names, option words).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// A key or argument for a log line or error message: printable ASCII kept, other bytes (and
// backslash and quote) as \xHH, cut after 128 bytes with "...".
std::string Printable(std::string_view s);

}  // namespace ember
