// libember: Ember's engine in-process. Every Redis command Ember supports runs through the same
// code as in ember-server; no socket, no thread of the caller's is taken over.
//
// Thread safety: a Store may be used from many threads at once; each call is atomic like a
// command on the server. Replies are plain values owned by the caller.
//
// The class is ember::Store rather than ember::Database: a "database" in Redis is what SELECT
// picks, and one Store holds all of them (16 by default).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ember {

// A command's reply as a typed value.
struct Reply {
  enum class Type {
    kNil,        // missing value ($-1, *-1, RESP3 null)
    kStatus,     // +OK
    kError,      // -ERR ...; str holds the message
    kInteger,    // :n
    kString,     // bulk string
    kArray,      // elements
    kMap,        // elements hold key, value, key, value, ... (after HELLO 3 only)
    kSet,        // elements (after HELLO 3 only)
    kDouble,     // number (after HELLO 3 only)
    kBool,       // integer 0 or 1 (after HELLO 3 only)
    kVerbatim,   // str (after HELLO 3 only)
    kBigNumber,  // str holds the digits
    kPush,       // elements
  };
  Type type = Type::kNil;
  std::string str;
  int64_t integer = 0;
  double number = 0;
  std::vector<Reply> elements;

  bool is_nil() const { return type == Type::kNil; }
  bool is_error() const { return type == Type::kError; }
};

struct Options {
  // Directives as ember-server takes them (name, value), e.g. {"databases", "4"}. Giving
  // {"dir", path} makes the engine load the snapshot found there; note that, as in
  // ember-server, "dir" changes the process's working directory.
  std::vector<std::pair<std::string, std::string>> config;
};

class Store {
 public:
  // Starts an engine. On failure returns null and sets *error (when given).
  static std::unique_ptr<Store> Open(const Options& options = {}, std::string* error = nullptr);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Runs any command, e.g. Execute({"SET", "k", "v", "EX", "10"}). Each call is a fresh
  // client on database 0 (use Session for SELECT and other per-connection state).
  Reply Execute(const std::vector<std::string>& argv);

  // Typed helpers (database 0).
  std::optional<std::string> Get(std::string_view key);
  // ttl of zero means no expiry.
  bool Set(std::string_view key, std::string_view value,
           std::chrono::milliseconds ttl = std::chrono::milliseconds(0));
  int64_t Del(std::string_view key);
  bool Expire(std::string_view key, std::chrono::milliseconds ttl);
  // Remaining time to live: nullopt when the key does not exist or has no expiry.
  std::optional<std::chrono::milliseconds> Ttl(std::string_view key);

  // A client with its own state (selected database, RESP version, name). One thread at a time;
  // it must not outlive its Store.
  class Session {
   public:
    ~Session();
    Reply Execute(const std::vector<std::string>& argv);

   private:
    friend class Store;
    struct Impl;
    explicit Session(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
  };
  std::unique_ptr<Session> NewSession();

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ember
