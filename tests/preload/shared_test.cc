// The registry through which processes that share a device divide the
// work (preload/shared.h): every SYN is taken by exactly one listening
// process, and segments of connections nobody has are answered by one.
#include "preload/shared.h"

#include <gtest/gtest.h>

namespace percore::preload {
namespace {

using Admission = tcp::TcpLayer::Admission;

tcp::FourTuple tuple(std::uint16_t remote_port, std::uint16_t local_port = 8080) {
  return {wire::Ipv4Addr::from_octets(198, 18, 0, 2), local_port,
          wire::Ipv4Addr::from_octets(198, 18, 0, 1), remote_port};
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
  }
  SharedRegistry& registry_ = SharedRegistry::get();
  int a_ = -1, b_ = -1;  // two "processes" (slots) of this one
};

TEST_F(Registry, EverySynIsTakenByExactlyOneListener) {
  registry_.listen(8080, a_);
  registry_.listen(8080, b_);
  int taken_by_a = 0, taken_by_b = 0;
  for (std::uint16_t port = 40000; port < 40400; ++port) {
    const bool a = registry_.admit(tuple(port), true, a_) == Admission::Accept;
    const bool b = registry_.admit(tuple(port), true, b_) == Admission::Accept;
    EXPECT_NE(a, b) << "remote port " << port;
    taken_by_a += a;
    taken_by_b += b;
    // The rest of the connection goes where its SYN went.
    EXPECT_EQ(registry_.admit(tuple(port), false, a_) == Admission::Accept, a);
    EXPECT_EQ(registry_.admit(tuple(port), false, b_) == Admission::Accept, b);
  }
  // A hash, not a preference: both take a fair share.
  EXPECT_GT(taken_by_a, 120);
  EXPECT_GT(taken_by_b, 120);
  registry_.unlisten(8080, a_);
  registry_.unlisten(8080, b_);
}

TEST_F(Registry, OnlyTheRemainingListenerTakesSynsOnceTheOtherStops) {
  registry_.listen(8080, a_);
  registry_.listen(8080, b_);
  registry_.unlisten(8080, a_);
  for (std::uint16_t port = 40000; port < 40050; ++port) {
    EXPECT_EQ(registry_.admit(tuple(port), true, a_), Admission::Ignore);
    EXPECT_EQ(registry_.admit(tuple(port), true, b_), Admission::Accept);
  }
  registry_.unlisten(8080, b_);
}

TEST_F(Registry, ASynForAPortNobodyListensOnIsAnsweredByThePrimaryOnly) {
  // Exactly one of the two answers (with a RST, from its TCP layer).
  const int primary = registry_.primary(a_) ? a_ : b_;
  const int other = primary == a_ ? b_ : a_;
  EXPECT_EQ(registry_.admit(tuple(40000, 9999), true, primary), Admission::Accept);
  EXPECT_EQ(registry_.admit(tuple(40000, 9999), true, other), Admission::Ignore);
}

TEST_F(Registry, ASegmentForAnActiveOpenBelongsToTheProcessWhosePortItIs) {
  // Active opens take local ports = slot (mod kSlots): the first such port.
  std::uint16_t port = 40000;
  while (port % SharedRegistry::kSlots != a_) ++port;
  const tcp::FourTuple ours = tuple(80, port);
  EXPECT_EQ(ours.local_port % SharedRegistry::kSlots, a_);
  EXPECT_EQ(registry_.admit(ours, false, a_), Admission::Accept);
  EXPECT_EQ(registry_.admit(ours, false, b_), Admission::Ignore);
}

TEST_F(Registry, OtherLiveSlotsMakeTheDeviceShared) {
  EXPECT_TRUE(registry_.shared(a_));
  EXPECT_TRUE(registry_.primary(std::min(a_, b_)));
  EXPECT_FALSE(registry_.primary(std::max(a_, b_)));
}

}  // namespace
}  // namespace percore::preload
