// libember through its public header only.
#include <ember/ember.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace {

std::unique_ptr<ember::Store> OpenDb() {
  std::string error;
  auto db = ember::Store::Open({}, &error);
  EXPECT_NE(db, nullptr) << error;
  return db;
}

TEST(LibEmber, TypedHelpers) {
  auto db = OpenDb();
  EXPECT_FALSE(db->Get("k").has_value());
  EXPECT_TRUE(db->Set("k", std::string("v\0v", 3)));
  EXPECT_EQ(db->Get("k"), std::string("v\0v", 3));
  EXPECT_FALSE(db->Ttl("k").has_value());
  EXPECT_TRUE(db->Expire("k", std::chrono::seconds(100)));
  auto ttl = db->Ttl("k");
  ASSERT_TRUE(ttl.has_value());
  EXPECT_GT(ttl->count(), 90000);
  EXPECT_EQ(db->Del("k"), 1);
  EXPECT_EQ(db->Del("k"), 0);
  EXPECT_TRUE(db->Set("t", "x", std::chrono::milliseconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_FALSE(db->Get("t").has_value());
}

TEST(LibEmber, ExecuteReturnsTypedReplies) {
  auto db = OpenDb();
  EXPECT_EQ(db->Execute({"SET", "a", "1"}).type, ember::Reply::Type::kStatus);
  ember::Reply r = db->Execute({"INCRBY", "a", "41"});
  EXPECT_EQ(r.type, ember::Reply::Type::kInteger);
  EXPECT_EQ(r.integer, 42);
  r = db->Execute({"MGET", "a", "nope"});
  ASSERT_EQ(r.type, ember::Reply::Type::kArray);
  ASSERT_EQ(r.elements.size(), 2u);
  EXPECT_EQ(r.elements[0].str, "42");
  EXPECT_TRUE(r.elements[1].is_nil());
  r = db->Execute({"NOSUCH"});
  EXPECT_TRUE(r.is_error());
  EXPECT_EQ(r.str.rfind("ERR unknown command 'NOSUCH'", 0), 0u) << r.str;
  r = db->Execute({"GET"});
  EXPECT_EQ(r.str, "ERR wrong number of arguments for 'get' command");
}

TEST(LibEmber, SessionKeepsItsState) {
  auto db = OpenDb();
  auto s = db->NewSession();
  EXPECT_EQ(s->Execute({"SELECT", "2"}).type, ember::Reply::Type::kStatus);
  s->Execute({"SET", "only-in-2", "x"});
  EXPECT_EQ(s->Execute({"DBSIZE"}).integer, 1);
  EXPECT_FALSE(db->Get("only-in-2").has_value());  // Store calls use db 0
  ember::Reply hello = s->Execute({"HELLO", "3"});
  EXPECT_EQ(hello.type, ember::Reply::Type::kMap);
  EXPECT_EQ(s->Execute({"GET", "missing"}).type, ember::Reply::Type::kNil);
}

TEST(LibEmber, ConcurrentThreadsStress) {
  auto db = OpenDb();
  constexpr int kThreads = 6, kIters = 500;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto session = db->NewSession();
      for (int i = 0; i < kIters; ++i) {
        if (db->Execute({"INCR", "shared"}).type != ember::Reply::Type::kInteger) ++errors;
        db->Execute({"MSET", "p:" + std::to_string(t), std::to_string(i), "q:" + std::to_string(t),
                     std::to_string(i)});
        ember::Reply r =
            session->Execute({"MGET", "p:" + std::to_string(t), "q:" + std::to_string(t)});
        if (r.elements.size() != 2 || r.elements[0].str != r.elements[1].str) ++errors;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(db->Get("shared"), std::to_string(kThreads * kIters));
}

TEST(LibEmber, BadOptionIsReported) {
  std::string error;
  auto db = ember::Store::Open({{{"databases", "zero"}}}, &error);
  EXPECT_EQ(db, nullptr);
  EXPECT_NE(error.find("databases"), std::string::npos) << error;
}

}  // namespace
