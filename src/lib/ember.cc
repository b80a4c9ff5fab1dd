// libember: the public Store over the server's engine and LocalClient.
#include "ember/ember.h"

#include <strings.h>

#include <cstdlib>
#include <mutex>

#include "client/reply.h"
#include "lib/engine_bridge.h"

namespace ember {

namespace {

Reply Convert(const client::Reply& r) {
  Reply out;
  using T = client::ReplyType;
  switch (r.type) {
    case T::kString:
      out.type = Reply::Type::kString;
      break;
    case T::kStatus:
      out.type = Reply::Type::kStatus;
      break;
    case T::kError:
      out.type = Reply::Type::kError;
      break;
    case T::kInteger:
      out.type = Reply::Type::kInteger;
      break;
    case T::kNil:
      out.type = Reply::Type::kNil;
      break;
    case T::kArray:
      out.type = Reply::Type::kArray;
      break;
    case T::kMap:
      out.type = Reply::Type::kMap;
      break;
    case T::kSet:
      out.type = Reply::Type::kSet;
      break;
    case T::kPush:
      out.type = Reply::Type::kPush;
      break;
    case T::kDouble:
      out.type = Reply::Type::kDouble;
      break;
    case T::kBool:
      out.type = Reply::Type::kBool;
      break;
    case T::kBigNumber:
      out.type = Reply::Type::kBigNumber;
      break;
    case T::kVerbatim:
      out.type = Reply::Type::kVerbatim;
      break;
  }
  out.str = r.str;
  out.integer = r.integer;
  if (r.type == T::kDouble) out.number = std::strtod(r.str.c_str(), nullptr);
  out.elements.reserve(r.elements.size());
  for (const auto& e : r.elements) out.elements.push_back(Convert(e));
  return out;
}

Reply Decode(const std::string& resp) {
  client::Reply r;
  size_t used = 0;
  std::string err;
  if (client::ParseReply(resp, &r, &used, &err) != client::ReplyParseStatus::kOk) {
    Reply e;
    e.type = Reply::Type::kError;
    e.str = "ERR internal: undecodable reply";
    return e;
  }
  return Convert(r);
}

}  // namespace

struct ClientDeleter {
  void operator()(lib::Client* c) const { lib::FreeClient(c); }
};
using ClientPtr = std::unique_ptr<lib::Client, ClientDeleter>;

bool SameWord(const std::string& a, const char* b) { return strcasecmp(a.c_str(), b) == 0; }

struct Store::Impl {
  lib::Engine* engine = nullptr;
  std::mutex pool_mu;
  std::vector<ClientPtr> pool;  // idle clients in their initial state

  Reply Run(const std::vector<std::string>& argv) {
    ClientPtr c;
    {
      std::lock_guard lk(pool_mu);
      if (!pool.empty()) {
        c = std::move(pool.back());
        pool.pop_back();
      }
    }
    if (!c) c.reset(lib::NewClient(engine));
    Reply r = Decode(lib::ClientExecute(c.get(), argv));
    // A client whose connection state may have changed is not reused.
    bool clean = !lib::ClientClosed(c.get()) && !argv.empty() && !SameWord(argv[0], "select") &&
                 !SameWord(argv[0], "hello") && !SameWord(argv[0], "reset") &&
                 !SameWord(argv[0], "client") && !SameWord(argv[0], "auth");
    if (clean) {
      std::lock_guard lk(pool_mu);
      pool.push_back(std::move(c));
    }
    return r;
  }
};

struct Store::Session::Impl {
  ClientPtr client;
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() {
  impl_->pool.clear();
  lib::CloseEngine(impl_->engine);
}

std::unique_ptr<Store> Store::Open(const Options& options, std::string* error) {
  // No network: commands arrive through in-process clients only.
  std::vector<std::pair<std::string, std::string>> directives = {
      {"port", "0"}, {"threads", "1"}, {"loglevel", "warning"}};
  directives.insert(directives.end(), options.config.begin(), options.config.end());
  // Data files only when the caller chose a directory: a library must not pick up whatever
  // dump.rdb sits in the process's working directory.
  bool has_dir = false;
  for (const auto& d : options.config) has_dir |= d.first == "dir";
  std::string err;
  lib::Engine* engine = lib::OpenEngine(directives, has_dir, &err);
  if (engine == nullptr) {
    if (error) *error = err;
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  impl->engine = engine;
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Reply Store::Execute(const std::vector<std::string>& argv) { return impl_->Run(argv); }

std::optional<std::string> Store::Get(std::string_view key) {
  Reply r = Execute({"GET", std::string(key)});
  if (r.type != Reply::Type::kString) return std::nullopt;
  return std::move(r.str);
}

bool Store::Set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) {
  std::vector<std::string> argv = {"SET", std::string(key), std::string(value)};
  if (ttl.count() > 0) {
    argv.push_back("PX");
    argv.push_back(std::to_string(ttl.count()));
  }
  return Execute(argv).type == Reply::Type::kStatus;
}

int64_t Store::Del(std::string_view key) { return Execute({"DEL", std::string(key)}).integer; }

bool Store::Expire(std::string_view key, std::chrono::milliseconds ttl) {
  return Execute({"PEXPIRE", std::string(key), std::to_string(ttl.count())}).integer == 1;
}

std::optional<std::chrono::milliseconds> Store::Ttl(std::string_view key) {
  Reply r = Execute({"PTTL", std::string(key)});
  if (r.type != Reply::Type::kInteger || r.integer < 0) return std::nullopt;
  return std::chrono::milliseconds(r.integer);
}

Store::Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Session::~Session() = default;

Reply Store::Session::Execute(const std::vector<std::string>& argv) {
  return Decode(lib::ClientExecute(impl_->client.get(), argv));
}

std::unique_ptr<Store::Session> Store::NewSession() {
  auto impl = std::make_unique<Session::Impl>();
  impl->client.reset(lib::NewClient(impl_->engine));
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

}  // namespace ember
