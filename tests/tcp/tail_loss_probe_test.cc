// Tail loss probes (RFC 8985 7): with data in flight and no ACK for a PTO
// (2 SRTT, plus the worst-case delayed ACK when one segment is in flight,
// never after the RTO), the sender sends one probe: new data if the
// receiver's window allows, else the last segment again. A lost last
// segment is then repaired without an RTO, and an ACK beyond a probe that
// resent data, with no sign that the original arrived, calls for fast
// recovery's congestion response (RFC 8985 7.4).
#include "tests/tcp/scripted.h"

namespace percore::tcp::testing {
namespace {

class TailLossProbe : public InFlightTest {
 protected:
  // SACK, SRTT 20 ms from the handshake (RTO 200 ms, the minimum), ten
  // segments in flight.
  Tcb* ten_in_flight(unsigned queued = 0, Seg syn = seg(kSyn).mss(kMss).sack_ok()) {
    return InFlightTest::ten_in_flight(queued, 20ms, std::move(syn));
  }
  // Segments 0..7 acknowledged 20 ms after they left, the last two still
  // out: the probe comes 2 SRTT = 40 ms later and resends segment 9.
  Tcb* last_segment_probed() {
    Tcb* tcb = ten_in_flight();
    if (tcb == nullptr) return nullptr;
    advance(20ms);
    peer_ack(at(8));
    quiet_for(39ms, "PTO = 2 SRTT");
    advance(1ms);
    expect_tx(segment(9), "the probe resends the last segment");
    return tcb;
  }
};

TEST_F(TailLossProbe, ProbeAfterTwoSrttResendsTheLastSegment) {
  // RFC 8985 7.3: no new data to send, so the highest segment sent goes
  // again; cwnd is untouched and no recovery starts.
  Tcb* tcb = ten_in_flight();
  quiet_for(39ms);
  advance(1ms);
  expect_tx(segment(9));
  EXPECT_EQ(tcb->counters().loss_probes, 1u);
  EXPECT_EQ(tcb->congestion().cwnd(), 10 * kMss);
  EXPECT_FALSE(tcb->in_recovery());
  // RFC 8985 7.3: then the RTO timer, restarted, watches the flight; one
  // probe per episode.
  quiet_for(199ms, "one probe only; the RTO runs from the probe");
  advance(1ms);
  expect_tx(segment(0), "the RTO");
  EXPECT_EQ(tcb->counters().loss_probes, 1u);
}

TEST_F(TailLossProbe, LostLastSegmentIsRepairedWithoutATimeout) {
  Tcb* tcb = last_segment_probed();
  peer_ack(at(10));
  quiet_for(1s, "nothing left to resend");
  EXPECT_EQ(tcb->counters().rto_expirations, 0u);
  EXPECT_GE(tcb->congestion().cwnd(), 10 * kMss) << "no timeout collapsed the window";
}

TEST_F(TailLossProbe, ProbeSendsNewDataWhenTheWindowAllows) {
  // RFC 8985 7.3: an unsent segment goes first, beyond cwnd (the ten in
  // flight fill it) but within the receiver's window.
  Tcb* tcb = ten_in_flight(5);
  quiet_for(39ms);
  advance(1ms);
  expect_tx(segment(10), "new data as the probe");
  EXPECT_EQ(tcb->counters().retransmits, 0u);
}

TEST_F(TailLossProbe, OneSegmentInFlightAddsTheWorstCaseDelayedAck) {
  // RFC 8985 7.2: PTO = 2 SRTT + WCDelAckT (200 ms) when FlightSize is one
  // segment, as the receiver may be delaying its ACK. SRTT 300 ms gives an
  // RTO of 900 ms, so the 800 ms PTO comes first.
  Tcb* tcb = open(300ms, seg(kSyn).mss(kMss).sack_ok());
  app_send(tcb, "abc");
  tx();
  quiet_for(799ms);
  advance(1ms);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"), "the probe");
}

TEST_F(TailLossProbe, ProbeNeverComesAfterTheRto) {
  // RFC 8985 7.2: a PTO beyond the RTO's expiry is cut to it. One segment
  // in flight with SRTT 20 ms: 2 SRTT + 200 ms is past the 200 ms RTO.
  Tcb* tcb = open(20ms, seg(kSyn).mss(kMss).sack_ok());
  app_send(tcb, "abc");
  tx();
  quiet_for(198ms);
  advance(1ms);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"), "the probe, just before");
  EXPECT_EQ(tcb->counters().rto_expirations, 0u);
}

TEST_F(TailLossProbe, NoProbeWithoutSack) {
  // As Linux's tcp_schedule_loss_probe(): without SACK the sender could not
  // tell what a probe repaired.
  Tcb* tcb = ten_in_flight(0, seg(kSyn).mss(kMss));
  ASSERT_FALSE(tcb->sack());
  quiet_for(199ms);
  advance(1ms);
  expect_tx(segment(0), "the RTO");
  EXPECT_EQ(tcb->counters().loss_probes, 0u);
}

TEST_F(TailLossProbe, NoProbeDuringFastRecovery) {
  // RFC 8985 7.2: only in the open state.
  Tcb* tcb = ten_in_flight();
  rx(seg(kAck).with_seq(R).with_ack(L).sack(at(1), at(4)));
  expect_tx(segment(0), "fast retransmit");
  ASSERT_TRUE(tcb->in_recovery());
  quiet_for(199ms, "no probe in recovery");
  EXPECT_EQ(tcb->counters().loss_probes, 0u);
}

TEST_F(TailLossProbe, AckBeyondARepairingProbeReducesCwnd) {
  // RFC 8985 7.4.2 (Linux's tcp_process_tlp_ack()): the probe resent data,
  // and an ACK beyond it came with no D-SACK and no duplicate: the original
  // was lost, so cwnd takes fast recovery's reduction (CUBIC: 0.7).
  Tcb* tcb = last_segment_probed();
  peer_ack(at(10));
  const std::uint32_t cwnd = tcb->congestion().cwnd();
  app_send(tcb, "more");
  tx();
  peer_ack(at(10) + 4);
  EXPECT_EQ(tcb->counters().loss_probe_recoveries, 1u);
  // 0.7 of the window that the four bytes acknowledged had just grown.
  EXPECT_EQ(tcb->congestion().cwnd(), static_cast<std::uint32_t>((cwnd + 4) * 0.7));
  EXPECT_EQ(tcb->congestion().ssthresh(), tcb->congestion().cwnd());
}

TEST_F(TailLossProbe, DsackOfTheProbeMeansNothingWasLost) {
  // RFC 8985 7.4.1: a D-SACK (RFC 2883) for the probe says the original
  // arrived too: no congestion response.
  Tcb* tcb = last_segment_probed();
  peer_ack(at(10));
  rx(seg(kAck).with_seq(R).with_ack(at(10)).sack(at(9), at(10)));
  const std::uint32_t cwnd = tcb->congestion().cwnd();
  app_send(tcb, "more");
  tx();
  peer_ack(at(10) + 4);
  EXPECT_EQ(tcb->counters().loss_probe_recoveries, 0u);
  EXPECT_GE(tcb->congestion().cwnd(), cwnd);
}

}  // namespace
}  // namespace percore::tcp::testing
