// The registry through which processes that share a device divide the
// work (preload/shared.h): every SYN is taken by exactly one listening
// process, preferably one that can take it now, every later segment of the
// connection goes where its SYN went, and segments of connections nobody
// has are answered by one.
#include "preload/shared.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace percore::preload {
namespace {

using Admission = tcp::TcpLayer::Admission;
using Taken = SharedRegistry::Taken;

tcp::FourTuple tuple(std::uint16_t remote_port, std::uint16_t local_port = 8080,
                     std::uint8_t remote_host = 1) {
  return {wire::Ipv4Addr::from_octets(198, 18, 0, 2), local_port,
          wire::Ipv4Addr::from_octets(198, 18, 0, remote_host), remote_port};
}

class Registry : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = registry_.claim();
    b_ = registry_.claim();
    ASSERT_GE(a_, 0);
    ASSERT_GE(b_, 0);
    ASSERT_NE(a_, b_);
  }
  void TearDown() override {
    registry_.release(a_);
    registry_.release(b_);
    if (c_ >= 0) registry_.release(c_);
  }
  bool takes(const tcp::FourTuple& t, bool syn, int slot) {
    return registry_.admit(t, syn, slot).admission == Admission::Accept;
  }
  // Which of a_ and b_ takes the SYN; the test fails unless exactly one.
  int taker(const tcp::FourTuple& t) {
    const bool a = takes(t, true, a_), b = takes(t, true, b_);
    EXPECT_NE(a, b) << "remote port " << t.remote_port;
    return a ? a_ : b_;
  }
  SharedRegistry& registry_ = SharedRegistry::get();
  int a_ = -1, b_ = -1, c_ = -1;  // "processes" (slots) of this one
};

TEST_F(Registry, EverySynIsTakenByExactlyOneListener) {
  registry_.listen(8080, a_);
  registry_.listen(8080, b_);
  int taken_by_a = 0, taken_by_b = 0;
  for (std::uint16_t port = 40000; port < 40400; ++port) {
    const bool a = taker(tuple(port)) == a_;
    taken_by_a += a;
    taken_by_b += !a;
    // The rest of the connection goes where its SYN went.
    EXPECT_EQ(takes(tuple(port), false, a_), a);
    EXPECT_EQ(takes(tuple(port), false, b_), !a);
    registry_.ended(tuple(port), a ? a_ : b_, Taken::Claimed);
  }
  // With nobody able to take one now, a hash: both take a fair share.
  EXPECT_GT(taken_by_a, 120);
  EXPECT_GT(taken_by_b, 120);
  registry_.unlisten(8080, a_);
  registry_.unlisten(8080, b_);
}

TEST_F(Registry, ASynGoesToTheListenerThatCanTakeItNow) {
  // a_ serves a connection; b_ waits in accept: Linux's one accept queue
  // would give b_ the next connection, so percore must too.
  registry_.listen(8081, a_);
  registry_.listen(8081, b_);
  for (std::uint16_t port = 40000; port < 40100; ++port) {
    registry_.set_available(8081, b_, true);
    EXPECT_EQ(taker(tuple(port, 8081)), b_) << "remote port " << port;
    registry_.ended(tuple(port, 8081), b_, Taken::Claimed);
  }
  registry_.unlisten(8081, a_);
  registry_.unlisten(8081, b_);
}

TEST_F(Registry, TwoWaitingListenersGetOneConnectionEach) {
  // nginx-like: two workers block in accept; two connections arrive.
  registry_.listen(8082, a_);
  registry_.listen(8082, b_);
  for (std::uint16_t port = 40000; port < 40100; port += 2) {
    registry_.set_available(8082, a_, true);
    registry_.set_available(8082, b_, true);
    const int first = taker(tuple(port, 8082));
    const int second = taker(tuple(port + 1, 8082));
    EXPECT_NE(first, second) << "remote ports " << port << ", " << port + 1;
    registry_.ended(tuple(port, 8082), first, Taken::Claimed);
    registry_.ended(tuple(port + 1, 8082), second, Taken::Claimed);
  }
  registry_.unlisten(8082, a_);
  registry_.unlisten(8082, b_);
}

TEST_F(Registry, TheFirstProcessToSeeASynDecidesForAll) {
  // Each process reads the availability when it sees the frame: a_ sees
  // the SYN while only b_ can take it; by the time b_ sees it, only a_ can.
  // Still exactly one answers, and it is the one a_ proposed.
  registry_.listen(8083, a_);
  registry_.listen(8083, b_);
  for (std::uint16_t port = 40000; port < 40050; ++port) {
    registry_.set_available(8083, b_, true);
    registry_.set_available(8083, a_, false);
    EXPECT_FALSE(takes(tuple(port, 8083), true, a_));
    registry_.set_available(8083, a_, true);
    registry_.set_available(8083, b_, false);
    EXPECT_TRUE(takes(tuple(port, 8083), true, b_));
    // Its retransmission and its ACK: the same.
    EXPECT_FALSE(takes(tuple(port, 8083), true, a_));
    EXPECT_FALSE(takes(tuple(port, 8083), false, a_));
    EXPECT_TRUE(takes(tuple(port, 8083), false, b_));
    registry_.ended(tuple(port, 8083), b_, Taken::Claimed);
  }
  registry_.unlisten(8083, a_);
  registry_.unlisten(8083, b_);
}

TEST_F(Registry, AConnectionStaysWithItsProcessWhenListenersComeAndGo) {
  registry_.listen(8084, a_);
  registry_.listen(8084, b_);
  std::vector<std::pair<tcp::FourTuple, int>> taken;
  for (std::uint16_t port = 40000; port < 40100; ++port)
    taken.emplace_back(tuple(port, 8084), taker(tuple(port, 8084)));
  // A third worker starts, the first stops listening: a hash over the
  // listeners would now send some of these to another process, which
  // would reset them.
  c_ = registry_.claim();
  ASSERT_GE(c_, 0);
  registry_.listen(8084, c_);
  registry_.unlisten(8084, a_);
  for (const auto& [t, owner] : taken) {
    EXPECT_EQ(takes(t, false, a_), owner == a_);
    EXPECT_EQ(takes(t, false, b_), owner == b_);
    EXPECT_FALSE(takes(t, false, c_));
    registry_.ended(t, owner, Taken::Claimed);
  }
  registry_.unlisten(8084, b_);
  registry_.unlisten(8084, c_);
}

TEST_F(Registry, AnEndedConnectionIsNobodysAndItsTupleIsDecidedAnew) {
  registry_.listen(8085, a_);
  registry_.listen(8085, b_);
  const tcp::FourTuple t = tuple(40000, 8085);
  registry_.set_available(8085, a_, true);
  ASSERT_EQ(taker(t), a_);
  registry_.ended(t, a_, Taken::Claimed);
  // The same tuple again (the peer reuses its port): b_ can take it now.
  registry_.set_available(8085, b_, true);
  EXPECT_EQ(taker(t), b_);
  registry_.ended(t, b_, Taken::Claimed);
  // A late ACK of it: nobody's, answered (reset) by the primary alone.
  const int primary = registry_.primary(a_) ? a_ : b_;
  EXPECT_TRUE(takes(t, false, primary));
  EXPECT_FALSE(takes(t, false, primary == a_ ? b_ : a_));
  registry_.unlisten(8085, a_);
  registry_.unlisten(8085, b_);
}

// A tuple whose claim bucket is `t`'s.
tcp::FourTuple sharing_a_bucket(const tcp::FourTuple& t) {
  const std::size_t bucket = SharedRegistry::bucket_of(t);
  for (unsigned host = 2; host < 255; ++host)
    for (unsigned port = 1; port < 65536; ++port) {
      auto other = tuple(static_cast<std::uint16_t>(port), t.local_port,
                         static_cast<std::uint8_t>(host));
      if (SharedRegistry::bucket_of(other) == bucket) return other;
    }
  ADD_FAILURE() << "no tuple shares the bucket";
  return t;
}

TEST_F(Registry, ATupleWhoseBucketIsBusyIsTakenByHashUntilItEnds) {
  registry_.listen(8086, a_);
  registry_.listen(8086, b_);
  const tcp::FourTuple first = tuple(40000, 8086);
  const tcp::FourTuple second = sharing_a_bucket(first);
  ShardAdmission at_a(registry_, a_), at_b(registry_, b_);
  registry_.set_available(8086, a_, true);
  const bool first_a = at_a.admit(first, true) == Admission::Accept;
  const bool first_b = at_b.admit(first, true) == Admission::Accept;
  ASSERT_NE(first_a, first_b);
  // The second cannot be claimed: one of the two takes it by hash.
  const bool second_a = at_a.admit(second, true) == Admission::Accept;
  const bool second_b = at_b.admit(second, true) == Admission::Accept;
  ASSERT_NE(second_a, second_b);
  ShardAdmission& second_owner = second_a ? at_a : at_b;
  ShardAdmission& second_other = second_a ? at_b : at_a;
  // The first ends and frees its claim; the second's retransmitted SYN
  // must still go to its owner alone, though a_ can take a connection now
  // and the bucket has no claim.
  (first_a ? at_a : at_b).ended(first);
  registry_.set_available(8086, a_, true);
  registry_.set_available(8086, b_, true);
  EXPECT_EQ(second_owner.admit(second, true), Admission::Accept);
  EXPECT_EQ(second_other.admit(second, true), Admission::Ignore);
  EXPECT_EQ(second_owner.admit(second, false), Admission::Accept);
  EXPECT_EQ(second_other.admit(second, false), Admission::Ignore);
  // Once it ends (counted once, though its SYN came twice), the bucket
  // takes claims again: the available listener gets the next SYN.
  second_owner.ended(second);
  registry_.set_available(8086, a_, false);
  EXPECT_EQ(taker(second), b_);
  registry_.ended(second, b_, Taken::Claimed);
  registry_.unlisten(8086, a_);
  registry_.unlisten(8086, b_);
}

TEST_F(Registry, ALingeringProcessKeepsItsConnectionsAndTakesNoNewOnes) {
  registry_.listen(8087, a_);
  registry_.listen(8087, b_);
  registry_.set_available(8087, a_, true);
  const tcp::FourTuple kept = tuple(40000, 8087);
  ASSERT_EQ(taker(kept), a_);
  // a_ exits and hands its connections to a lingering child (here: the
  // same process, which is alive).
  registry_.linger(a_);
  registry_.hand_over(a_, getpid());
  for (std::uint16_t port = 40001; port < 40050; ++port) {
    registry_.set_available(8087, a_, true);
    EXPECT_EQ(taker(tuple(port, 8087)), b_);
    registry_.ended(tuple(port, 8087), b_, Taken::Claimed);
  }
  EXPECT_TRUE(takes(kept, false, a_));
  EXPECT_FALSE(takes(kept, false, b_));
  // Nor does it answer for segments nobody owns.
  EXPECT_FALSE(registry_.primary(a_));
  EXPECT_TRUE(registry_.primary(b_));
  registry_.unlisten(8087, b_);
}

TEST_F(Registry, ADeadProcesssConnectionsAreNobodysOnceReaped) {
  registry_.listen(8088, a_);
  const tcp::FourTuple t = tuple(40000, 8088);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Another process: listens alone, takes the connection, dies.
    const int slot = SharedRegistry::get().claim();
    SharedRegistry::get().listen(8088, slot);
    SharedRegistry::get().set_available(8088, slot, true);
    const bool took = SharedRegistry::get().admit(t, true, slot).admission == Admission::Accept;
    _exit(slot >= 0 && took ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(takes(t, true, a_));  // the dead process's claim
  registry_.reap();
  EXPECT_TRUE(takes(t, true, a_));  // the retransmitted SYN, decided anew
  registry_.ended(t, a_, Taken::Claimed);
  registry_.unlisten(8088, a_);
}

TEST_F(Registry, ASynForAPortNobodyListensOnIsAnsweredByThePrimaryOnly) {
  // Exactly one of the two answers (with a RST, from its TCP layer).
  const int primary = registry_.primary(a_) ? a_ : b_;
  const int other = primary == a_ ? b_ : a_;
  EXPECT_TRUE(takes(tuple(40000, 9999), true, primary));
  EXPECT_FALSE(takes(tuple(40000, 9999), true, other));
}

TEST_F(Registry, ASegmentForAnActiveOpenBelongsToTheProcessWhosePortItIs) {
  // Active opens take local ports = slot (mod kSlots): the first such port.
  std::uint16_t port = 40000;
  while (port % SharedRegistry::kSlots != a_) ++port;
  const tcp::FourTuple ours = tuple(80, port);
  EXPECT_EQ(ours.local_port % SharedRegistry::kSlots, a_);
  EXPECT_TRUE(takes(ours, false, a_));
  EXPECT_FALSE(takes(ours, false, b_));
}

TEST_F(Registry, OtherLiveSlotsMakeTheDeviceShared) {
  EXPECT_TRUE(registry_.shared(a_));
  EXPECT_TRUE(registry_.primary(std::min(a_, b_)));
  EXPECT_FALSE(registry_.primary(std::max(a_, b_)));
}

}  // namespace
}  // namespace percore::preload
