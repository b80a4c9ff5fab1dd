#include "app/embedded_transport.h"

#include "server/config.h"
#include "server/local_client.h"
#include "server/log.h"
#include "server/server.h"

namespace ember::client {

EmbeddedTransport::EmbeddedTransport(std::string dir) : dir_(std::move(dir)) {}

EmbeddedTransport::~EmbeddedTransport() { Close(); }

bool EmbeddedTransport::Connect(std::string* error) {
  if (server_) return !server_->shutting_down();
  auto config = std::make_unique<server::Config>();
  std::vector<std::pair<std::string, std::string>> directives = {
      {"port", "0"}, {"threads", "1"}, {"loglevel", "warning"}, {"appendonly", "no"}, {"save", ""}};
  if (!dir_.empty()) directives.emplace_back("dir", dir_);
  for (const auto& [name, value] : directives) {
    std::string err = config->Set(name, {value}, /*at_runtime=*/false);
    if (!err.empty()) {
      *error = "'" + name + "': " + err;
      return false;
    }
  }
  server::LogSetLevel(static_cast<int>(config->loglevel.load()));  // logs go to stdout
  auto server = std::make_unique<server::Server>(std::move(config));
  std::string err = dir_.empty() ? std::string() : server->LoadDataAtStartup();
  if (err.empty()) err = server->Start();
  if (!err.empty()) {
    *error = err;
    return false;
  }
  server_ = std::move(server);
  client_ = std::make_unique<server::LocalClient>(*server_);
  return true;
}

bool EmbeddedTransport::IsConnected() const {
  return server_ && !server_->shutting_down() && !client_->closed();
}

void EmbeddedTransport::Close() {
  if (!server_) return;
  // Persist what the session wrote when a directory was given.
  if (!dir_.empty() && !server_->shutting_down())
    client_->Execute(std::vector<std::string>{"SAVE"});
  client_.reset();
  server_->RequestShutdown();
  server_.reset();
  replies_.clear();
}

bool EmbeddedTransport::Send(std::string_view bytes, std::string* error) {
  if (!IsConnected()) {
    *error = "not connected";
    return false;
  }
  replies_ += client_->Feed(bytes);
  return true;
}

bool EmbeddedTransport::Receive(Reply* reply, std::string* error) {
  size_t used = 0;
  if (replies_.empty() || ParseReply(replies_, reply, &used, error) != ReplyParseStatus::kOk) {
    if (error->empty()) *error = "no reply";
    return false;
  }
  replies_.erase(0, used);
  return true;
}

}  // namespace ember::client
