#include "client/session.h"

#include "base/strutil.h"

namespace ember::client {

bool Session::Connect(std::string* error) {
  std::string why;
  if (!transport_->Connect(&why)) {
    *error = "Could not connect to Redis at " + transport_->Name() + ": " + why;
    return false;
  }
  auto step = [&](const std::vector<std::string>& args, const char* what) {
    Reply reply;
    if (!transport_->Call(args, &reply, &why)) {
      *error = "Could not connect to Redis at " + transport_->Name() + ": " + why;
      return false;
    }
    if (reply.type == ReplyType::kError) {
      *error = std::string(what) + reply.str;
      return false;
    }
    return true;
  };
  if (settings_.password) {
    std::vector<std::string> auth = {"AUTH"};
    if (settings_.user) auth.push_back(*settings_.user);
    auth.push_back(*settings_.password);
    if (!step(auth, "AUTH failed: ")) return false;
  }
  if (settings_.resp3 && !step({"HELLO", "3"}, "HELLO failed: ")) return false;
  if (settings_.db != 0 && !step({"SELECT", std::to_string(settings_.db)}, "SELECT failed: "))
    return false;
  return true;
}

bool Session::Execute(const std::vector<std::string>& args, Reply* reply, std::string* error) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!transport_->IsConnected() && !Connect(error)) {
      transport_->Close();
      return false;
    }
    bool ok = transport_->Call(args, reply, error);
    while (ok && reply->type == ReplyType::kPush) {
      if (on_push_) on_push_(*reply);
      ok = transport_->Receive(reply, error);
    }
    if (ok) {
      Remember(args, *reply);
      return true;
    }
    transport_->Close();
  }
  return false;
}

void Session::Remember(const std::vector<std::string>& args, const Reply& reply) {
  if (reply.type == ReplyType::kError || args.empty()) return;
  int64_t v;
  if (EqualsIgnoreCase(args[0], "select") && args.size() == 2 && ParseInt64(args[1], &v)) {
    settings_.db = static_cast<int>(v);
  } else if (EqualsIgnoreCase(args[0], "auth") && (args.size() == 2 || args.size() == 3)) {
    settings_.password = args.back();
    if (args.size() == 3) settings_.user = args[1];
  } else if (EqualsIgnoreCase(args[0], "hello") && args.size() >= 2) {
    settings_.resp3 = args[1] == "3";
  }
}

std::string Session::Prompt() const {
  if (!transport_->IsConnected()) return "not connected> ";
  std::string p = transport_->Name();
  if (settings_.db != 0) p += "[" + std::to_string(settings_.db) + "]";
  return p + "> ";
}

}  // namespace ember::client
