// RFC 5961: blind in-window attacks. A RST not exactly at RCV.NXT (3.2)
// and a SYN in a synchronized state (4.2) earn a challenge ACK; an ACK
// outside [SND.UNA - MAX.SND.WND, SND.NXT] is refused (5.2).
#include "tests/tcp/harness.h"

namespace percore::tcp::testing {
namespace {

class Rfc5961 : public TcpTest {};

// The challenge ACK: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
TEST_F(Rfc5961, InWindowRstNotAtRcvNxtGetsChallengeAck) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kRst).with_seq(R + 100));
  expect_tx(seg(kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(tcb->state(), State::Established);
  EXPECT_FALSE(tcb->error());
  EXPECT_EQ(tcb->counters().challenge_acks, 1u);
}

TEST_F(Rfc5961, RstOneAboveRcvNxtGetsChallengeAck) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kRst).with_seq(R + 1));
  expect_tx(seg(kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(tcb->state(), State::Established);
}

TEST_F(Rfc5961, RstAtTheLastByteOfTheWindowGetsChallengeAck) {
  // With window scaling (our shift is 7) the first segment after the
  // handshake advertises the whole 256 KiB buffer: 2048 << 7. The window is
  // [R, R + 262144).
  Tcb* tcb = established(seg(kSyn).mss(1460).wscale(7));
  ASSERT_NE(tcb, nullptr);
  ASSERT_EQ(tcb->rcv_wscale(), 7);
  app_send(tcb, "x");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).wnd(2048).data("x"));
  rx(seg(kAck).with_seq(R).with_ack(L + 1));
  expect_no_tx();
  rx(seg(kRst).with_seq(R + 262143));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R));
  EXPECT_EQ(tcb->counters().challenge_acks, 1u);
  rx(seg(kRst).with_seq(R + 262144));
  expect_no_tx("the first number past the window: silently dropped");
  EXPECT_EQ(tcb->counters().challenge_acks, 1u);
  EXPECT_EQ(tcb->state(), State::Established);
}

TEST_F(Rfc5961, RstBeyondTheAdvertisedWindowIsDropped) {
  // Without window scaling we can advertise only 65535 bytes: that is the
  // receive window, whatever room the 256 KiB buffer has (Linux's
  // tcp_sequence() checks tcp_receive_window(), what was advertised).
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kRst).with_seq(R + 65534));
  expect_tx(seg(kAck).with_seq(L).with_ack(R));
  rx(seg(kRst).with_seq(R + 65535));
  expect_no_tx("outside the window we offered");
  EXPECT_EQ(tcb->counters().challenge_acks, 1u);
}

TEST_F(Rfc5961, ChallengeAckCarriesTheCurrentSequenceNumbers) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_send(tcb, "hello");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("hello"));
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L + 5).data("abc"));
  expect_tx(seg(kAck).with_seq(L + 5).with_ack(R + 3));
  rx(seg(kRst).with_seq(R + 50));
  expect_tx(seg(kAck).with_seq(L + 5).with_ack(R + 3));
  EXPECT_EQ(tcb->state(), State::Established);
}

TEST_F(Rfc5961, RstThenTheExactRstResets) {
  // The legitimate peer answers a challenge ACK with a RST at RCV.NXT.
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kRst).with_seq(R + 10));
  expect_tx(seg(kAck).with_seq(L).with_ack(R));
  rx(seg(kRst).with_seq(R));
  expect_no_tx();
  EXPECT_EQ(tcb->state(), State::Closed);
  EXPECT_EQ(tcb->error(), Errc::ConnectionReset);
}

TEST_F(Rfc5961, InWindowRstInFinWait2GetsChallengeAck) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_close(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  rx(seg(kAck).with_seq(R).with_ack(L + 1));
  ASSERT_EQ(tcb->state(), State::FinWait2);
  rx(seg(kRst).with_seq(R + 7));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R));
  EXPECT_EQ(tcb->state(), State::FinWait2);
}

TEST_F(Rfc5961, SynInEstablishedGetsChallengeAckAndTheConnectionIsKept) {
  // RFC 5961 4.2: whatever its sequence number, a SYN is answered with a
  // challenge ACK and the connection stays.
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kSyn).with_seq(R));
  expect_tx(seg(kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(tcb->state(), State::Established);
  EXPECT_FALSE(tcb->error());
  EXPECT_EQ(tcb->counters().challenge_acks, 1u);
  // The connection still works.
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L).data("abc"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 3));
  EXPECT_EQ(app_recv(tcb), "abc");
}

TEST_F(Rfc5961, SynOutsideTheWindowIsAlsoAnsweredWithAnAck) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kSyn).with_seq(R + 5000000));
  expect_tx(seg(kAck).with_seq(L).with_ack(R));
  rx(seg(kSyn).with_seq(R - 5000));
  expect_tx(seg(kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(tcb->state(), State::Established);
}

TEST_F(Rfc5961, SynAckInEstablishedGetsChallengeAck) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kSyn | kAck).with_seq(R + 3).with_ack(L));
  expect_tx(seg(kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(tcb->state(), State::Established);
  EXPECT_EQ(tcb->counters().challenge_acks, 1u);
}

TEST_F(Rfc5961, SynCarryingDataDeliversNothing) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kSyn).with_seq(R).data("evil"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(tcb->readable(), 0u);
  EXPECT_EQ(tcb->rcv_nxt(), R);
}

TEST_F(Rfc5961, SynInCloseWaitGetsChallengeAck) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kFin | kAck).with_seq(R).with_ack(L));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 1));
  rx(seg(kSyn).with_seq(R + 1));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 1));
  EXPECT_EQ(tcb->state(), State::CloseWait);
}

TEST_F(Rfc5961, AckAboveSndNxtIsAckedAndDropped) {
  // RFC 5961 5.2 / RFC 9293 3.10.7.4: SEG.ACK > SND.NXT -> send an ACK,
  // drop the segment (its data included).
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L + 1).data("abc"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(tcb->readable(), 0u);
  EXPECT_EQ(tcb->snd_una(), L);
  EXPECT_EQ(tcb->counters().bad_acks, 1u);
}

TEST_F(Rfc5961, AckUpToSndNxtIsFineOneMoreIsNot) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_send(tcb, "abc");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  rx(seg(kAck).with_seq(R).with_ack(L + 4));
  expect_tx(seg(kAck).with_seq(L + 3).with_ack(R));
  EXPECT_EQ(tcb->snd_una(), L) << "nothing acknowledged";
  rx(seg(kAck).with_seq(R).with_ack(L + 3));
  expect_no_tx();
  EXPECT_EQ(tcb->snd_una(), L + 3);
  EXPECT_EQ(tcb->counters().bad_acks, 1u);
}

TEST_F(Rfc5961, AckTooOldGetsChallengeAckAndIsDropped) {
  // MAX.SND.WND is the peer's 65535: SND.UNA - 65536 is too old.
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L - 65536).data("abc"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(tcb->readable(), 0u) << "the data of a segment with a bad ACK is dropped";
  EXPECT_EQ(tcb->counters().challenge_acks, 1u);
  EXPECT_EQ(tcb->counters().bad_acks, 1u);
  EXPECT_EQ(tcb->state(), State::Established);
}

TEST_F(Rfc5961, AckAtTheOldestAcceptableEdgeIsProcessed) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L - 65535).data("abc"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 3), "a duplicate ACK: its data is taken");
  EXPECT_EQ(app_recv(tcb), "abc");
  EXPECT_EQ(tcb->counters().challenge_acks, 0u);
  EXPECT_EQ(tcb->counters().bad_acks, 0u);
}

TEST_F(Rfc5961, MaxSndWndIsTheLargestWindowEverSeen) {
  // The peer shrinks its window to 1000; MAX.SND.WND stays 65535.
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck).with_seq(R).with_ack(L).wnd(1000));
  expect_no_tx();
  ASSERT_EQ(tcb->snd_wnd(), 1000u);
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L - 60000).wnd(1000).data("abc"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 3));
  EXPECT_EQ(tcb->counters().challenge_acks, 0u);
}

TEST_F(Rfc5961, MaxSndWndFollowsTheScaledWindow) {
  // With window scale 2 the peer's 65535 means 262140 bytes.
  Tcb* tcb = established(seg(kSyn).mss(1460).wscale(2));
  ASSERT_NE(tcb, nullptr);
  rx(seg(kAck).with_seq(R).with_ack(L).wnd(65535));
  ASSERT_EQ(tcb->snd_wnd(), 262140u);
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L - 262140).data("abc"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 3));
  rx(seg(kAck | kPsh).with_seq(R + 3).with_ack(L - 262141).data("def"));
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 3), "one byte older: challenged");
  EXPECT_EQ(tcb->counters().challenge_acks, 1u);
}

TEST_F(Rfc5961, ChallengeAcksAreCounted) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  rx(seg(kRst).with_seq(R + 9));
  rx(seg(kSyn).with_seq(R));
  rx(seg(kAck).with_seq(R).with_ack(L - 100000));
  EXPECT_EQ(tx().size(), 3u);
  EXPECT_EQ(tcb->counters().challenge_acks, 3u);
  EXPECT_EQ(tcb->state(), State::Established);
}

}  // namespace
}  // namespace percore::tcp::testing
