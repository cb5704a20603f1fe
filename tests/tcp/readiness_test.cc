// Readiness as Linux's tcp_poll reports it: EPOLLOUT after our SHUT_WR and
// only with a third of the send buffer free (sk_stream_is_writeable),
// EPOLLRDHUP after SHUT_RD, EPOLLHUP once both directions are shut; and a
// wakeup on every arrival of data (sk_data_ready), for edge-triggered epoll.
#include "tests/tcp/harness.h"

#include <algorithm>

namespace percore::tcp::testing {
namespace {

class Readiness : public TcpTest {
 protected:
  bool queued_ready(const Tcb* tcb) {
    const auto ready = tcp_->take_ready();
    return std::ranges::any_of(ready, [&](const TcpLayer::Ready& r) { return r.tcb == tcb; });
  }
};

TEST_F(Readiness, WritableAfterShutWrite) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_shutdown(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  const std::uint32_t ev = tcb->events();
  EXPECT_TRUE(ev & Event::kWritable) << "tcp_poll: SEND_SHUTDOWN reports EPOLLOUT";
  EXPECT_FALSE(ev & Event::kReadable);
  EXPECT_FALSE(ev & Event::kHup) << "only one direction is shut";
}

TEST_F(Readiness, ShutReadReportsReadHup) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  tcb->shutdown_read();
  const std::uint32_t ev = tcb->events();
  EXPECT_TRUE(ev & Event::kReadable);
  EXPECT_TRUE(ev & Event::kReadHup) << "RCV_SHUTDOWN reports EPOLLRDHUP";
  EXPECT_TRUE(ev & Event::kWritable);
  EXPECT_FALSE(ev & Event::kHup);
}

TEST_F(Readiness, HupOnceBothDirectionsAreShutBeforeOurFinIsAcked) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  app_shutdown(tcb);
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  rx(seg(kFin | kAck).with_seq(R).with_ack(L));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  EXPECT_EQ(tcb->state(), State::Closing);
  const std::uint32_t ev = tcb->events();
  EXPECT_TRUE(ev & Event::kHup) << "sk_shutdown == SHUTDOWN_MASK";
  EXPECT_TRUE(ev & Event::kReadHup);
  EXPECT_TRUE(ev & Event::kWritable);
}

TEST_F(Readiness, WritableOnlyWithAThirdOfTheSendBufferFree) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  tcb->set_sndbuf(300);
  EXPECT_EQ(app_send(tcb, std::string(300, 'x')), 300u);
  (void)tx();
  EXPECT_FALSE(tcb->events() & Event::kWritable) << "full";
  rx(seg(kAck).with_seq(R).with_ack(L + 99));
  EXPECT_FALSE(tcb->events() & Event::kWritable) << "99 free, 201 queued";
  rx(seg(kAck).with_seq(R).with_ack(L + 100));
  EXPECT_TRUE(tcb->events() & Event::kWritable) << "100 free, 200 queued";
}

TEST_F(Readiness, EveryArrivalOfDataWakesReaders) {
  Tcb* tcb = established();
  ASSERT_NE(tcb, nullptr);
  (void)tcp_->take_ready();
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L).data("abc"));
  EXPECT_TRUE(queued_ready(tcb));
  rx(seg(kAck | kPsh).with_seq(R + 3).with_ack(L).data("def"));
  EXPECT_TRUE(queued_ready(tcb)) << "already readable, but new data is a wakeup";
  rx(seg(kAck).with_seq(R + 6).with_ack(L));
  EXPECT_FALSE(queued_ready(tcb)) << "a bare ACK wakes nobody";
}

}  // namespace
}  // namespace percore::tcp::testing
