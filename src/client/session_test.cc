#include "client/session.h"

#include <gtest/gtest.h>

#include <deque>

namespace ember::client {
namespace {

// A scripted Transport: records what is sent, answers with queued replies, and can drop the
// connection once to exercise reconnects.
class FakeTransport : public Transport {
 public:
  struct State {
    std::vector<std::string> sent;
    std::deque<Reply> replies;
    int connects = 0;
    int fail_next_receives = 0;
    bool refuse = false;
  };
  explicit FakeTransport(State* s) : s_(s) {}
  bool Connect(std::string* error) override {
    if (s_->refuse) {
      *error = "Connection refused";
      return false;
    }
    ++s_->connects;
    connected_ = true;
    return true;
  }
  bool IsConnected() const override { return connected_; }
  void Close() override { connected_ = false; }
  bool Send(std::string_view bytes, std::string*) override {
    s_->sent.emplace_back(bytes);
    return connected_;
  }
  bool Receive(Reply* reply, std::string* error) override {
    if (s_->fail_next_receives > 0) {
      --s_->fail_next_receives;
      connected_ = false;
      *error = "Server closed the connection";
      return false;
    }
    if (s_->replies.empty()) return false;
    *reply = s_->replies.front();
    s_->replies.pop_front();
    return true;
  }
  std::string Name() const override { return "127.0.0.1:6379"; }

 private:
  State* s_;
  bool connected_ = false;
};

TEST(SessionTest, HandshakeSendsAuthHelloSelect) {
  FakeTransport::State st;
  st.replies = {Reply::Status("OK"), Reply::Aggregate(ReplyType::kMap, {}), Reply::Status("OK")};
  Session s(std::make_unique<FakeTransport>(&st), {"u", "pw", true, 2});
  std::string error;
  ASSERT_TRUE(s.Connect(&error)) << error;
  ASSERT_EQ(st.sent.size(), 3u);
  EXPECT_EQ(st.sent[0], EncodeCommand({"AUTH", "u", "pw"}));
  EXPECT_EQ(st.sent[1], EncodeCommand({"HELLO", "3"}));
  EXPECT_EQ(st.sent[2], EncodeCommand({"SELECT", "2"}));
  EXPECT_EQ(s.Prompt(), "127.0.0.1:6379[2]> ");
}

TEST(SessionTest, SelectChangesPromptAndSurvivesReconnect) {
  FakeTransport::State st;
  Session s(std::make_unique<FakeTransport>(&st), {});
  std::string error;
  ASSERT_TRUE(s.Connect(&error));
  EXPECT_EQ(s.Prompt(), "127.0.0.1:6379> ");
  st.replies = {Reply::Status("OK")};
  Reply r;
  ASSERT_TRUE(s.Execute({"SELECT", "1"}, &r, &error));
  EXPECT_EQ(s.Prompt(), "127.0.0.1:6379[1]> ");
  // The server restarts: the first attempt fails, the session reconnects, re-selects db 1
  // and sends the command again.
  st.fail_next_receives = 1;
  st.sent.clear();
  st.replies = {Reply::Status("OK"), Reply::Status("PONG")};
  ASSERT_TRUE(s.Execute({"PING"}, &r, &error)) << error;
  EXPECT_EQ(r.str, "PONG");
  EXPECT_EQ(st.connects, 2);
  ASSERT_EQ(st.sent.size(), 3u);
  EXPECT_EQ(st.sent[1], EncodeCommand({"SELECT", "1"}));
}

TEST(SessionTest, RefusedConnection) {
  FakeTransport::State st;
  st.refuse = true;
  Session s(std::make_unique<FakeTransport>(&st), {});
  std::string error;
  EXPECT_FALSE(s.Connect(&error));
  EXPECT_EQ(error, "Could not connect to Redis at 127.0.0.1:6379: Connection refused");
  EXPECT_EQ(s.Prompt(), "not connected> ");
  Reply r;
  EXPECT_FALSE(s.Execute({"PING"}, &r, &error));
}

TEST(SessionTest, PushMessagesGoToTheHandler) {
  FakeTransport::State st;
  Session s(std::make_unique<FakeTransport>(&st), {});
  std::vector<Reply> pushes;
  s.set_push_handler([&](const Reply& p) { pushes.push_back(p); });
  std::string error;
  ASSERT_TRUE(s.Connect(&error));
  st.replies = {Reply::Aggregate(ReplyType::kPush, {Reply::String("x")}), Reply::Status("OK")};
  Reply r;
  ASSERT_TRUE(s.Execute({"X"}, &r, &error));
  EXPECT_EQ(r.str, "OK");
  EXPECT_EQ(pushes.size(), 1u);
}

}  // namespace
}  // namespace ember::client
