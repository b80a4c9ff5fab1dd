#include "server/local_client.h"

#include "server/worker.h"

namespace ember::server {

LocalClient::LocalClient(Server& server) : server_(server) {
  Worker* w = server.workers().front().get();
  conn_ = std::make_unique<Connection>(server.NextClientId(), -1, "embedded:0", "embedded:0", w,
                                       &limits_, server.clock().NowMs());
  conn_->authenticated = true;  // in-process callers are trusted
}

LocalClient::~LocalClient() = default;

std::string LocalClient::Execute(cmd::ArgList args) {
  conn_->out.clear();
  if (!args.empty()) server_.Dispatch(*conn_, args, *conn_->worker);
  server_.AwaitPersistence(*conn_);  // acknowledged only once the AOF has it
  return std::move(conn_->out);
}

std::string LocalClient::Execute(const std::vector<std::string>& args) {
  std::vector<std::string_view> v(args.begin(), args.end());
  return Execute(cmd::ArgList(v.data(), v.size()));
}

std::string LocalClient::Feed(std::string_view bytes) {
  pending_.append(bytes);
  std::string replies;
  size_t off = 0;
  while (off < pending_.size() && !conn_->close_after_reply) {
    resp::ParseStatus st = conn_->parser.Parse(std::string_view(pending_).substr(off));
    if (st == resp::ParseStatus::kIncomplete) break;
    if (st == resp::ParseStatus::kError) {
      conn_->out.clear();
      conn_->writer.Error("ERR " + std::string(conn_->parser.error()));
      replies += conn_->out;
      conn_->close_after_reply = true;
      off = pending_.size();
      break;
    }
    off += conn_->parser.consumed();
    const auto& args = conn_->parser.args();
    if (!args.empty()) replies += Execute(cmd::ArgList(args.data(), args.size()));
  }
  pending_.erase(0, off);
  return replies;
}

}  // namespace ember::server
