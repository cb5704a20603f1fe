// RFC 4987 3.6: SYN cookies when the SYN queue is full.
#include "stack/tcp/syn_cookie.h"

#include "tests/tcp/harness.h"

namespace percore::tcp::testing {
namespace {

class SynCookieTest : public TcpTest {
 protected:
  // A listener whose one-entry SYN queue is already taken, so the next SYN
  // is answered with a cookie. Returns the cookie SYN-ACK.
  Sent cookie_synack(const Seg& syn_template) {
    listener_ = listen(kLocalPort, 1);
    rx(seg(kSyn).with_seq(Seq(50)).ports(kRemotePort + 100, kLocalPort));
    tx();
    Seg syn = syn_template;
    syn.flags = kSyn;
    syn.seq = Seq(kPeerIss);
    rx(syn);
    auto sent = tx();
    EXPECT_EQ(sent.size(), 1u);
    EXPECT_EQ(tcp_->stats().syn_queue_full, 1u);
    EXPECT_EQ(tcp_->connections(), 1u) << "no state for the cookie connection";
    return sent.empty() ? Sent{} : sent[0];
  }
  Listener* listener_ = nullptr;
};

TEST_F(SynCookieTest, TheReturnedCookieMakesAnEstablishedConnection) {
  Sent synack = cookie_synack(seg(kSyn).mss(1460));
  EXPECT_EQ(synack.repr.flags, kSyn | kAck);
  EXPECT_EQ(synack.repr.ack, Seq(kPeerIss + 1));
  rx(seg(kAck).with_seq(Seq(kPeerIss + 1)).with_ack(synack.repr.seq + 1));
  expect_no_tx();
  EXPECT_EQ(tcp_->stats().syn_cookies_ok, 1u);
  Tcb* tcb = tcp_->accept(listener_);
  ASSERT_NE(tcb, nullptr);
  EXPECT_EQ(tcb->state(), State::Established);
  EXPECT_EQ(tcb->mss(), 1460u);
  EXPECT_EQ(tcb->rcv_nxt(), Seq(kPeerIss + 1));
  EXPECT_EQ(tcb->snd_una(), synack.repr.seq + 1);
}

TEST_F(SynCookieTest, TheMssIsRoundedDownToTheTable) {
  Sent synack = cookie_synack(seg(kSyn).mss(1400));
  rx(seg(kAck).with_seq(Seq(kPeerIss + 1)).with_ack(synack.repr.seq + 1));
  Tcb* tcb = tcp_->accept(listener_);
  ASSERT_NE(tcb, nullptr);
  EXPECT_EQ(tcb->mss(), 1300u);
}

TEST_F(SynCookieTest, TimestampsCarryWindowScaleAndSack) {
  Sent synack = cookie_synack(seg(kSyn).mss(1460).sack_ok().ts(777, 0).wscale(9));
  ASSERT_TRUE(synack.repr.options.timestamps);
  EXPECT_EQ(synack.repr.options.timestamps->ecr, 777u);
  rx(seg(kAck).with_seq(Seq(kPeerIss + 1)).with_ack(synack.repr.seq + 1)
         .ts(778, synack.repr.options.timestamps->val));
  Tcb* tcb = tcp_->accept(listener_);
  ASSERT_NE(tcb, nullptr);
  EXPECT_TRUE(tcb->timestamps());
  EXPECT_TRUE(tcb->sack());
  EXPECT_EQ(tcb->snd_wscale(), 9);
  EXPECT_EQ(tcb->mss(), 1448u);
}

TEST_F(SynCookieTest, AForgedCookieIsReset) {
  Sent synack = cookie_synack(seg(kSyn).mss(1460));
  const Seq forged = synack.repr.seq + 12345;
  rx(seg(kAck).with_seq(Seq(kPeerIss + 1)).with_ack(forged + 1));
  expect_tx(seg(kRst).with_seq(forged + 1));
  EXPECT_EQ(tcp_->stats().syn_cookies_bad, 1u);
  EXPECT_EQ(tcp_->accept(listener_), nullptr);
}

TEST_F(SynCookieTest, ACookieForAnotherPeerIsnIsReset) {
  Sent synack = cookie_synack(seg(kSyn).mss(1460));
  rx(seg(kAck).with_seq(Seq(kPeerIss + 5)).with_ack(synack.repr.seq + 1));
  auto sent = tx();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].repr.flags, kRst);
}

TEST_F(SynCookieTest, ACookieExpiresAfterTwoSlots) {
  Sent synack = cookie_synack(seg(kSyn).mss(1460));
  advance(SynCookies::kSlot * 2);
  tx();  // the other half-open connection's SYN-ACK retransmissions
  rx(seg(kAck).with_seq(Seq(kPeerIss + 1)).with_ack(synack.repr.seq + 1));
  auto sent = tx();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].repr.flags, kRst);
  EXPECT_EQ(tcp_->stats().syn_cookies_ok, 0u);
}

TEST_F(SynCookieTest, ACookieIsValidInTheNextSlot) {
  Sent synack = cookie_synack(seg(kSyn).mss(1460));
  advance(SynCookies::kSlot);
  rx(seg(kAck).with_seq(Seq(kPeerIss + 1)).with_ack(synack.repr.seq + 1));
  EXPECT_EQ(tcp_->stats().syn_cookies_ok, 1u);
}

}  // namespace
}  // namespace percore::tcp::testing
