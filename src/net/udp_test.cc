#include "net/udp.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <string>

namespace ember::net {
namespace {

int BoundPort(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

void WaitReadable(int fd) {
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 2000), 1);
}

TEST(Udp, BatchReceivesAndRepliesToEachSender) {
  std::string err;
  int server = BindUdp("127.0.0.1", 0, /*reuse_port=*/true, &err);
  ASSERT_GE(server, 0) << err;
  sockaddr_in to = Loopback(BoundPort(server));
  int a = BindUdp("127.0.0.1", 0, false, &err);
  int b = BindUdp("127.0.0.1", 0, false, &err);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  ASSERT_EQ(sendto(a, "one", 3, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 3);
  ASSERT_EQ(sendto(b, "", 0, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 0);
  ASSERT_EQ(sendto(a, "three", 5, 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)), 5);
  WaitReadable(server);

  UdpBatch batch(8);
  size_t n = batch.Receive(server);
  ASSERT_EQ(n, 3u);
  EXPECT_EQ(batch.data(0), "one");
  EXPECT_EQ(batch.data(1), "");
  EXPECT_EQ(batch.data(2), "three");
  for (size_t i = 0; i < n; ++i) {
    EXPECT_FALSE(batch.truncated(i));
    EXPECT_TRUE(batch.peer(i).IsLoopback());
  }
  EXPECT_EQ(batch.peer(0).ToString(), "127.0.0.1:" + std::to_string(BoundPort(a)));

  // Replies to datagrams 0 and 1 only; each goes to its own sender.
  batch.QueueReply(0, "r-one");
  batch.QueueReply(1, "r-empty");
  EXPECT_EQ(batch.Send(server), 12u);
  char buf[64];
  WaitReadable(a);
  EXPECT_EQ(recv(a, buf, sizeof(buf), 0), 5);
  EXPECT_EQ(std::string(buf, 5), "r-one");
  WaitReadable(b);
  EXPECT_EQ(recv(b, buf, sizeof(buf), 0), 7);
  EXPECT_EQ(std::string(buf, 7), "r-empty");
  EXPECT_EQ(recv(a, buf, sizeof(buf), MSG_DONTWAIT), -1);  // nothing for "three"

  EXPECT_EQ(batch.Receive(server), 0u);  // nothing pending
  close(a);
  close(b);
  close(server);
}

TEST(Udp, ReusePortSharesThePortAndExclusiveBindFails) {
  std::string err;
  int s1 = BindUdp("127.0.0.1", 0, true, &err);
  ASSERT_GE(s1, 0) << err;
  int port = BoundPort(s1);
  int s2 = BindUdp("127.0.0.1", port, true, &err);
  EXPECT_GE(s2, 0) << err;
  EXPECT_EQ(BindUdp("127.0.0.1", port, false, &err), -1);
  EXPECT_FALSE(err.empty());
  EXPECT_EQ(BindUdp("not-an-address", port, false, &err), -1);
  EXPECT_NE(err.find("Invalid bind address"), std::string::npos);
  close(s1);
  if (s2 >= 0) close(s2);
}

}  // namespace
}  // namespace ember::net
