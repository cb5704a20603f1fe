// RFC 5961 7: challenge ACKs are rate-limited per shard.
#include "tests/tcp/harness.h"

namespace percore::tcp::testing {
namespace {

class ChallengeAckLimitTest : public TcpTest {};

TEST_F(ChallengeAckLimitTest, AtMostTheLimitPerSecondThenMoreNextSecond) {
  tcp_->challenge_ack_limit().per_second = 10;
  Tcb* tcb = established(seg(kSyn).mss(1460));
  ASSERT_NE(tcb, nullptr);
  // In-window RSTs that are not at RCV.NXT each earn a challenge ACK.
  for (int i = 0; i < 15; ++i) rx(seg(kRst).with_seq(R + 100));
  EXPECT_EQ(tx().size(), 10u);
  EXPECT_EQ(tcp_->challenge_ack_limit().suppressed, 5u);
  EXPECT_EQ(tcb->state(), State::Established);
  advance(1s);
  rx(seg(kRst).with_seq(R + 100));
  EXPECT_EQ(tx().size(), 1u);
}

TEST_F(ChallengeAckLimitTest, TheLimitIsSharedByAllConnectionsOfTheShard) {
  tcp_->challenge_ack_limit().per_second = 4;
  Tcb* a = established(seg(kSyn).mss(1460));
  ASSERT_NE(a, nullptr);
  for (int i = 0; i < 4; ++i) rx(seg(kSyn).with_seq(R + 10));  // SYN in ESTABLISHED
  EXPECT_EQ(tx().size(), 4u);
  rx(seg(kSyn).with_seq(R + 10));
  expect_no_tx("the shard's budget is spent");
}

}  // namespace
}  // namespace percore::tcp::testing
