// How the CLI reaches an engine. The REPL and one-shot mode only see this interface, so a
// TCP socket (today), an in-process engine (--embedded) or UDP can sit behind it.
// A Transport is used from one thread, except that --pipe may call Send() from one thread
// while another calls Receive().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client/reply.h"

namespace ember::client {

class Transport {
 public:
  virtual ~Transport() = default;

  // (Re)connects; on failure returns false with a message such as "Connection refused".
  virtual bool Connect(std::string* error) = 0;
  virtual bool IsConnected() const = 0;
  virtual void Close() = 0;
  // Writes request bytes (one or many RESP commands). False when the peer is gone.
  virtual bool Send(std::string_view bytes, std::string* error) = 0;
  // Blocks until one whole reply has arrived. False on a closed connection or bad protocol.
  virtual bool Receive(Reply* reply, std::string* error) = 0;
  // What the prompt and messages call the peer, e.g. "127.0.0.1:6379".
  virtual std::string Name() const = 0;

  // Sends one command and waits for its reply.
  bool Call(const std::vector<std::string>& args, Reply* reply, std::string* error) {
    return Send(EncodeCommand(args), error) && Receive(reply, error);
  }
};

}  // namespace ember::client
