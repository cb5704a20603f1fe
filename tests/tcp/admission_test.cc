// Several processes on one device (preload/shared.h): the layer asks the
// admission about every segment it has no connection for, and tells it
// when a connection it let in is gone, so a claim on a connection lasts
// exactly as long as the connection.
#include "tests/tcp/harness.h"

namespace percore::tcp::testing {
namespace {

using namespace std::chrono_literals;

class AdmissionTest : public TcpTest {
 protected:
  AdmissionTest() {
    config_.time_wait = 4s;
    rebuild();
    tcp_->set_admission([this](const FourTuple&, bool syn) {
      asked_.push_back(syn);
      return verdict_;
    });
    tcp_->set_admission_end([this](const FourTuple& t) { ended_.push_back(t); });
  }
  FourTuple tuple(std::uint16_t remote_port = kRemotePort) const {
    return {kLocalIp, kLocalPort, kRemoteIp, remote_port};
  }
  TcpLayer::Admission verdict_ = TcpLayer::Admission::Accept;
  std::vector<bool> asked_;  // syn, per question
  std::vector<FourTuple> ended_;
};

TEST_F(AdmissionTest, AnAdmittedConnectionIsToldOnceWhenItIsFreed) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  ASSERT_EQ(asked_, std::vector<bool>{true}) << "only the SYN had no connection";
  rx(seg(kRst).with_seq(R));
  EXPECT_TRUE(ended_.empty()) << "the application still holds it";
  app_close(tcb);
  advance(1ms);
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0], tuple());
  advance(10s);
  EXPECT_EQ(ended_.size(), 1u);
}

TEST_F(AdmissionTest, TimeWaitEndsTheConnection) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_close(tcb);
  const Seq fin = tcb->snd_nxt() - 1;
  tx();
  rx(seg(kFin | kAck).with_seq(R).with_ack(fin + 1));
  tx();
  EXPECT_TRUE(ended_.empty()) << "TIME-WAIT still answers for the tuple";
  advance(5s);
  EXPECT_EQ(ended_.size(), 1u);
}

TEST_F(AdmissionTest, ASynThatReusesTimeWaitKeepsTheConnectionAdmitted) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_close(tcb);
  const Seq fin = tcb->snd_nxt() - 1;
  tx();
  rx(seg(kFin | kAck).with_seq(R).with_ack(fin + 1));
  tx();
  advance(1s);
  rx(seg(kSyn).with_seq(R + 70000));
  ASSERT_EQ(tx().size(), 1u) << "SYN-ACK";
  EXPECT_EQ(tcp_->stats().time_wait_reused, 1u);
  // The tuple went from the old connection to the new one: still taken.
  EXPECT_TRUE(ended_.empty());
}

TEST_F(AdmissionTest, AnIgnoredSegmentIsCountedAndNeitherAnsweredNorTold) {
  listen();
  verdict_ = TcpLayer::Admission::Ignore;
  rx(seg(kSyn).with_seq(Seq(kPeerIss)));
  expect_no_tx();
  EXPECT_EQ(tcp_->stats().not_ours, 1u);
  EXPECT_EQ(tcp_->connections(), 0u);
  EXPECT_TRUE(ended_.empty());
}

TEST_F(AdmissionTest, AnAdmittedSegmentThatMakesNoConnectionIsToldAtOnce) {
  // Nobody listens: the segment is answered with a RST, and its admission
  // (a claim, in a shared registry) is given up.
  rx(seg(kAck).with_seq(Seq(5)).with_ack(Seq(7)));
  expect_tx(seg(kRst).with_seq(Seq(7)));
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0], tuple());
}

TEST_F(AdmissionTest, ASynAnsweredWithACookieKeepsItsAdmissionForTheAck) {
  listen(kLocalPort, 1);
  rx(seg(kSyn).with_seq(Seq(50)).ports(kRemotePort + 1, kLocalPort));
  tx();
  rx(seg(kSyn).with_seq(Seq(kPeerIss)));
  auto cookie = tx();
  ASSERT_EQ(cookie.size(), 1u);
  EXPECT_EQ(tcp_->stats().syn_queue_full, 1u);
  EXPECT_TRUE(ended_.empty()) << "its ACK must come back to this layer";
  rx(seg(kAck).with_seq(Seq(kPeerIss + 1)).with_ack(cookie[0].repr.seq + 1));
  EXPECT_EQ(tcp_->stats().syn_cookies_ok, 1u);
  EXPECT_TRUE(ended_.empty());
}

TEST_F(AdmissionTest, AnActiveOpenIsNotTheAdmissions) {
  Tcb* tcb = connected();
  ASSERT_NE(tcb, nullptr);
  EXPECT_TRUE(asked_.empty());
  rx(seg(kRst).with_seq(R).ports(kRemotePort, tcb->tuple().local_port));
  app_close(tcb);
  advance(1ms);
  EXPECT_TRUE(ended_.empty());
}

}  // namespace
}  // namespace percore::tcp::testing
