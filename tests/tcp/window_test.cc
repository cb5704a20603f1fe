// Flow control: window scaling both ways (RFC 7323 2), the sender within the
// peer's window, the receive window as data is buffered and read (RFC 9293
// 3.8.6: never shrink it, update it when the application reads), silly
// window avoidance on both sides (RFC 9293 3.8.6.2), Nagle's algorithm
// (RFC 1122 4.2.3.4) with TCP_NODELAY, and TCP_CORK.
#include "tests/tcp/scripted.h"

namespace percore::tcp::testing {
namespace {

class Window : public ScriptedTest {
 protected:
  // A connection whose receive buffer holds 8 full segments, unscaled.
  Tcb* open_small_buffer() {
    config_.rcvbuf = 8 * kMss;
    rebuild();
    return open(0ms);
  }
  void peer_data(std::uint32_t offset, std::uint32_t len) {
    rx(seg(kAck).with_seq(R + offset).with_ack(L).data(std::string(len, 'x')));
  }
  // The sum of the payloads sent, all of which must lie below `limit`.
  std::uint32_t sent_bytes_below(Seq limit) {
    std::uint32_t total = 0;
    for (const Sent& s : tx()) {
      EXPECT_LE(s.repr.seq + static_cast<std::uint32_t>(s.payload.size()), limit) << s;
      total += static_cast<std::uint32_t>(s.payload.size());
    }
    return total;
  }
};

TEST_F(Window, PeersWindowIsScaledByItsShift) {
  // RFC 7323 2.3: SND.WND = SEG.WND << Snd.Wind.Shift.
  Tcb* tcb = open(0ms, seg(kSyn).mss(kMss).wscale(7));
  peer_ack(L, 23);
  EXPECT_EQ(tcb->snd_wnd(), 23u << 7);
  app_send(tcb, pattern(5000));
  // 2944 bytes of window: two full segments; 24 more would be a sliver.
  EXPECT_EQ(sent_bytes_below(L + (23u << 7)), 2 * kMss);
}

TEST_F(Window, SegmentsAfterAnOddLengthWriteCarryCorrectChecksums) {
  // A 7-byte write leaves every later segment's payload at odd offsets of
  // the send buffer's mbufs, spanning two of them: each segment's checksum
  // must still be right (tx() verifies it; the peer would drop it for good).
  Tcb* tcb = open(0ms, seg(kSyn).mss(kMss).wscale(7));
  peer_ack(L, 1000);
  app_send(tcb, "HEADER\n");
  app_send(tcb, pattern(20000));
  std::uint32_t total = 0;
  for (const Sent& s : tx()) total += static_cast<std::uint32_t>(s.payload.size());
  EXPECT_GT(total, 7u + kMss);
}

TEST_F(Window, SynWindowIsNeverScaled) {
  // RFC 7323 2.2: the window field of a SYN or SYN-ACK is not scaled.
  Tcb* tcb = connected(seg(kSyn | kAck).mss(kMss).wscale(7).wnd(1000));
  ASSERT_NE(tcb, nullptr);
  EXPECT_EQ(tcb->snd_wnd(), 1000u);
  rx(seg(kAck).with_seq(R).with_ack(L).wnd(1000).ports(kRemotePort, tcb->tuple().local_port));
  EXPECT_EQ(tcb->snd_wnd(), 1000u << 7);
}

TEST_F(Window, OurWindowIsScaledByOurShift) {
  // Our shift covers max_rcvbuf (4 MiB): 65535 << 7 >= 4 MiB > 65535 << 6.
  Tcb* tcb = open(0ms, seg(kSyn).mss(kMss).wscale(2));
  EXPECT_EQ(tcb->rcv_wscale(), 7);
  app_send(tcb, "abc");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).wnd((256 * 1024) >> 7).data("abc"));
}

TEST_F(Window, NoScalingUnlessThePeerOffersIt) {
  // RFC 7323 1.3: without the peer's option neither side scales; the
  // 256 KiB buffer is advertised as 65535.
  Tcb* tcb = open(0ms);
  EXPECT_EQ(tcb->rcv_wscale(), 0);
  EXPECT_EQ(tcb->snd_wscale(), 0);
  peer_data(0, 100);
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 100).wnd(65535));
}

TEST_F(Window, ScaledWindowNeverPullsTheRightEdgeBack) {
  // With a shift of 7 the window field counts 128-byte units; rounding the
  // window down after 1460 bytes would move the right edge left by up to
  // 127 bytes (RFC 9293 3.8.6: do not shrink; Linux's tcp_select_window()
  // rounds up instead).
  Tcb* tcb = open(0ms, seg(kSyn).mss(kMss).wscale(7));
  app_send(tcb, "abc");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).wnd(2048).data("abc"));
  const Seq edge = R + (2048u << 7);
  rx(seg(kAck).with_seq(R).with_ack(L + 3).data(std::string(kMss, 'x')));
  auto sent = tx();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].repr.ack, R + kMss);
  EXPECT_GE(sent[0].repr.ack + (std::uint32_t{sent[0].repr.window} << 7), edge) << sent[0];
}

TEST_F(Window, DataUpToTheRoundedUpEdgeIsAccepted) {
  // The window field counts 128-byte units (shift 7), so the edge we
  // advertise is rounded up, up to 127 bytes beyond the buffer's room
  // (Linux's tcp_select_window()). Those bytes are in the window we
  // offered (RFC 9293 3.10.7.4): a peer that fills it exactly must see
  // every byte acknowledged, not wait for its persist timer.
  config_.rcvbuf = 8 * kMss;
  rebuild();
  Tcb* tcb = open(0ms, seg(kSyn).mss(kMss).wscale(7));
  ASSERT_EQ(tcb->rcv_wscale(), 7);
  Seq next = R;
  Seq edge = R + 8 * kMss;  // the furthest edge offered; the SYN-ACK's window is unscaled
  for (int i = 0; i < 20 && next < edge; ++i) {
    const std::uint32_t len = std::min(kMss, static_cast<std::uint32_t>(edge - next));
    rx(seg(kAck).with_seq(next).with_ack(L).data(std::string(len, 'x')));
    next += len;
    auto sent = tx();
    ASSERT_FALSE(sent.empty()) << "the first segments are ACKed at once";
    ASSERT_EQ(sent.back().repr.ack, next) << "every byte offered is kept";
    const Seq offered = sent.back().repr.ack + (std::uint32_t{sent.back().repr.window} << 7);
    if (offered > edge) edge = offered;
  }
  EXPECT_EQ(edge, next) << "the window closed";
  EXPECT_GT(tcb->readable(), 8 * kMss) << "rounding up offered bytes beyond the buffer";
  EXPECT_LT(tcb->readable(), 8 * kMss + 128) << "never a whole unit beyond it";
  rx(seg(kAck).with_seq(next).with_ack(L).data("z"));
  expect_tx(seg(kAck).with_seq(L).with_ack(next).wnd(0), "a byte beyond the edge is not kept");
  EXPECT_EQ(app_recv(tcb).size(), static_cast<std::uint32_t>(next - R));
}

TEST_F(Window, ReceiveWindowShrinksAsDataIsBuffered) {
  open_small_buffer();
  peer_data(0, kMss);
  expect_tx(seg(kAck).with_seq(L).with_ack(R + kMss).wnd(7 * kMss));
  peer_data(kMss, kMss);
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 2 * kMss).wnd(6 * kMss));
}

TEST_F(Window, FullBufferAdvertisesAZeroWindow) {
  Tcb* tcb = open_small_buffer();
  for (std::uint32_t i = 0; i < 8; ++i) peer_data(i * kMss, kMss);
  auto sent = tx();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(sent.back().repr.ack, R + 8 * kMss);
  EXPECT_EQ(sent.back().repr.window, 0);
  EXPECT_EQ(tcb->readable(), 8 * kMss);
  // A byte beyond the zero window is not taken; the ACK repeats the window.
  peer_data(8 * kMss, 1);
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 8 * kMss).wnd(0));
  EXPECT_EQ(tcb->readable(), 8 * kMss);
}

TEST_F(Window, ReadingReopensTheWindowWithAnUpdate) {
  // RFC 9293 3.8.6.2.2 / RFC 1122 4.2.3.3: when the application frees
  // enough of the buffer, the new window is announced without waiting for
  // data to ACK.
  Tcb* tcb = open_small_buffer();
  for (std::uint32_t i = 0; i < 8; ++i) peer_data(i * kMss, kMss);
  tx();
  EXPECT_EQ(app_recv(tcb).size(), 8 * kMss);
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 8 * kMss).wnd(8 * kMss), "window update");
}

TEST_F(Window, ReadingInSmallPiecesStillReopensTheWindow) {
  // An application that reads one segment at a time must still reopen a
  // zero window once enough is free.
  Tcb* tcb = open_small_buffer();
  for (std::uint32_t i = 0; i < 8; ++i) peer_data(i * kMss, kMss);
  tx();
  std::vector<Sent> updates;
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(app_recv(tcb, kMss).size(), kMss);
    for (Sent& s : tx()) updates.push_back(s);
  }
  ASSERT_FALSE(updates.empty()) << "the window stayed closed";
  EXPECT_GE(updates.front().repr.window, kMss);
  EXPECT_EQ(updates.back().repr.ack, R + 8 * kMss);
}

TEST_F(Window, SmallReadsDoNotAnnounceASillyWindow) {
  // RFC 9293 3.8.6.2.2 (receiver SWS avoidance): after a zero window, open
  // it only by min(RCV.BUFF / 2, MSS) or more; 100 bytes freed stay hidden
  // even when the peer's probe asks for the window.
  Tcb* tcb = open_small_buffer();
  for (std::uint32_t i = 0; i < 8; ++i) peer_data(i * kMss, kMss);
  tx();
  EXPECT_EQ(app_recv(tcb, 100).size(), 100u);
  expect_no_tx("no update for 100 bytes");
  rx(seg(kAck).with_seq(R + 8 * kMss - 1).with_ack(L));  // a zero-window probe
  expect_tx(seg(kAck).with_seq(L).with_ack(R + 8 * kMss).wnd(0));
}

TEST_F(Window, WeNeverShrinkTheAdvertisedRightEdge) {
  // RFC 9293 3.8.6 (SHLD-14): a smaller buffer does not pull back the
  // right edge already offered; the window closes as data arrives instead.
  Tcb* tcb = open_small_buffer();
  tcb->set_rcvbuf(2 * kMss);
  peer_data(0, kMss);
  expect_tx(seg(kAck).with_seq(L).with_ack(R + kMss).wnd(7 * kMss));
}

TEST_F(Window, SenderStaysWithinThePeersWindow) {
  Tcb* tcb = open(0ms, seg(kSyn).mss(kMss).wnd(4000));
  app_send(tcb, pattern(10000));
  // 4000 bytes: two full segments; the 1080 left would be a sliver.
  EXPECT_EQ(sent_bytes_below(L + 4000), 2 * kMss);
  peer_ack(L + 2 * kMss, 4000);
  EXPECT_EQ(sent_bytes_below(L + 2 * kMss + 4000), 2 * kMss);
  EXPECT_EQ(tcb->snd_nxt(), L + 4 * kMss);
}

TEST_F(Window, PeerRetractingItsWindowStopsNewData) {
  // RFC 9293 3.8.6: a receiver may shrink its window (it should not); the
  // sender then sends nothing beyond the new right edge.
  Tcb* tcb = open(0ms);
  const std::string data = pattern(10 * kMss);
  app_send(tcb, data.substr(0, 4 * kMss));
  EXPECT_EQ(tx().size(), 4u);
  peer_ack(L + kMss, 2 * kMss);  // right edge L + 3 MSS, below SND.NXT
  app_send(tcb, data.substr(4 * kMss));
  expect_no_tx("nothing fits below the retracted edge");
  peer_ack(L + 4 * kMss, 2 * kMss);
  EXPECT_EQ(sent_bytes_below(L + 6 * kMss), 2 * kMss);
  EXPECT_EQ(tcb->snd_nxt(), L + 6 * kMss);
}

TEST_F(Window, SenderSendsTheLastBytesIntoASmallWindow) {
  // RFC 9293 3.8.6.2.1 (b): a sliver is fine when it is all there is (and
  // Nagle does not hold it: TCP_NODELAY).
  Tcb* tcb = open(0ms, seg(kSyn).mss(kMss).wnd(4000));
  tcb->set_nodelay(true);
  app_send(tcb, pattern(3000));
  EXPECT_EQ(sent_bytes_below(L + 4000), 3000u);
}

TEST_F(Window, SenderSwsAvoidanceHoldsASliverOfALargeWindow) {
  // RFC 9293 3.8.6.2.1: with 100 bytes of a 64 KiB window usable and more
  // queued, wait rather than send a silly segment.
  Tcb* tcb = open(0ms);
  app_send(tcb, pattern(20000));
  EXPECT_EQ(tx().size(), 10u);
  peer_ack(L, 10 * kMss + 100);
  expect_no_tx("100 bytes is less than an MSS and half the largest window");
  peer_ack(L + kMss, 10 * kMss + 100);
  EXPECT_EQ(sent_bytes_below(L + 11 * kMss + 100), kMss) << "a full segment fits again";
}

TEST_F(Window, SenderUsesAWindowSmallerThanOneSegment) {
  // A peer whose window never reaches an MSS must still get data: RFC 9293
  // 3.8.6.2.1 (c) sends once half the largest window it offered is usable
  // (Linux's tcp_bound_to_half_wnd() likewise).
  Tcb* tcb = open(0ms, seg(kSyn).mss(kMss).wnd(1000));
  app_send(tcb, pattern(5000));
  EXPECT_EQ(sent_bytes_below(L + 1000), 1000u);
  peer_ack(L + 1000, 1000);
  EXPECT_EQ(sent_bytes_below(L + 2000), 1000u);
  EXPECT_EQ(tcb->snd_nxt(), L + 2000);
}

TEST_F(Window, NagleHoldsASmallSegmentWhileDataIsUnacknowledged) {
  // RFC 1122 4.2.3.4.
  Tcb* tcb = open(0ms);
  app_send(tcb, "a");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("a"), "nothing in flight: send");
  app_send(tcb, "b");
  app_send(tcb, "c");
  expect_no_tx("Nagle");
  peer_ack(L + 1);
  expect_tx(seg(kAck | kPsh).with_seq(L + 1).with_ack(R).data("bc"), "coalesced on the ACK");
}

TEST_F(Window, NagleLetsFullSegmentsThrough) {
  Tcb* tcb = open(0ms);
  app_send(tcb, "a");
  tx();
  const std::string more = pattern(kMss + 10);
  app_send(tcb, more);
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R).data(more.substr(0, kMss)),
            "a full segment goes; the 10-byte tail waits");
  peer_ack(L + 1 + kMss);
  expect_tx(seg(kAck | kPsh).with_seq(L + 1 + kMss).with_ack(R).data(more.substr(kMss)));
}

TEST_F(Window, NodelaySendsSmallSegmentsAtOnce) {
  Tcb* tcb = open(0ms);
  tcb->set_nodelay(true);
  app_send(tcb, "a");
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("a"));
  app_send(tcb, "b");
  expect_tx(seg(kAck | kPsh).with_seq(L + 1).with_ack(R).data("b"), "TCP_NODELAY");
}

TEST_F(Window, SettingNodelayFlushesWhatNagleHeld) {
  // Linux: setting TCP_NODELAY pushes pending data (tcp_push_pending_frames).
  Tcb* tcb = open(0ms);
  app_send(tcb, "a");
  tx();
  app_send(tcb, "b");
  expect_no_tx();
  tcb->set_nodelay(true);
  tcp_->touch(tcb);
  tcp_->poll(now());
  expect_tx(seg(kAck | kPsh).with_seq(L + 1).with_ack(R).data("b"));
}

TEST_F(Window, CorkHoldsPartialSegmentsUntilUncorked) {
  Tcb* tcb = open(0ms);
  tcb->set_cork(true);
  app_send(tcb, "header");
  expect_no_tx("corked, nothing in flight, still held");
  const std::string body = pattern(kMss);
  app_send(tcb, body);
  const std::string all = "header" + body;
  expect_tx(seg(kAck).with_seq(L).with_ack(R).data(all.substr(0, kMss)), "a full segment");
  tcb->set_cork(false);
  tcp_->touch(tcb);
  tcp_->poll(now());
  // Uncorked, the tail is an ordinary small segment: Nagle holds it while
  // the full one is unacknowledged (Linux pushes at once only with NODELAY).
  expect_no_tx("Nagle");
  peer_ack(L + kMss);
  expect_tx(seg(kAck | kPsh).with_seq(L + kMss).with_ack(R).data(all.substr(kMss)), "uncorked");
}

TEST_F(Window, CorkWinsOverNodelay) {
  // Linux: TCP_CORK holds partial frames even with TCP_NODELAY set.
  Tcb* tcb = open(0ms);
  tcb->set_nodelay(true);
  tcb->set_cork(true);
  app_send(tcb, "abc");
  expect_no_tx();
  tcb->set_cork(false);
  tcp_->touch(tcb);
  tcp_->poll(now());
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
}

TEST_F(Window, CorkedDataIsFlushedAfter200Ms) {
  // Linux (tcp(7)): "there is a 200 millisecond ceiling on the time for
  // which output is corked by TCP_CORK".
  Tcb* tcb = open(0ms);
  tcb->set_cork(true);
  app_send(tcb, "abc");
  quiet_for(199ms);
  advance(1ms);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
}

TEST_F(Window, CorkCeilingStartsAgainForLaterData) {
  Tcb* tcb = open(0ms);
  tcb->set_cork(true);
  app_send(tcb, "abc");
  advance(200ms);
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("abc"));
  peer_ack(L + 3);
  app_send(tcb, "def");
  quiet_for(199ms, "still corked: the ceiling counts from the new data");
  advance(1ms);
  expect_tx(seg(kAck | kPsh).with_seq(L + 3).with_ack(R).data("def"));
}

class AutoTuning : public Window {
 protected:
  // An 8-segment buffer, a peer that scales (so a larger window can be
  // announced) and a 100 ms RTT. The peer fills the window; the application
  // reads `read` bytes of it at once.
  Tcb* open_tuned() {
    config_.rcvbuf = 8 * kMss;
    rebuild();
    return open(100ms, seg(kSyn).mss(kMss).wscale(7));
  }
  void fill_window(Tcb* tcb, std::uint32_t from, std::size_t read, std::uint32_t segments = 8) {
    for (std::uint32_t i = 0; i < segments; ++i) peer_data(from + i * kMss, kMss);
    tx();
    EXPECT_EQ(app_recv(tcb, read).size(), read);
    tx();
  }
  std::uint32_t buffer(const Tcb* tcb) const { return tcb->rcv_wnd() + tcb->readable(); }
};

TEST_F(AutoTuning, BufferGrowsWhenTheReaderDrainsAWindowPerRtt) {
  // Linux's tcp_rcv_space_adjust(): the window, not the reader, limits the
  // peer; double the buffer (toward max_rcvbuf) each such RTT.
  Tcb* tcb = open_tuned();
  fill_window(tcb, 0, 8 * kMss);
  EXPECT_EQ(buffer(tcb), 8 * kMss);
  advance(100ms);
  fill_window(tcb, 8 * kMss, 16 * kMss, 16);
  EXPECT_EQ(buffer(tcb), 16 * kMss);
  advance(100ms);
  peer_data(24 * kMss, kMss);
  advance(40ms);
  auto sent = tx();
  ASSERT_FALSE(sent.empty());
  EXPECT_EQ(buffer(tcb), 32 * kMss);
  EXPECT_EQ(std::uint32_t{sent.back().repr.window}, (31 * kMss) >> 7)
      << "the larger window is announced";
}

TEST_F(AutoTuning, SlowReaderKeepsTheBuffer) {
  Tcb* tcb = open_tuned();
  fill_window(tcb, 0, 4 * kMss);
  advance(100ms);
  peer_data(8 * kMss, 1);
  tx();
  EXPECT_EQ(buffer(tcb), 8 * kMss) << "half a window read per RTT: no growth";
}

TEST_F(AutoTuning, NoGrowthWithinOneRtt) {
  Tcb* tcb = open_tuned();
  fill_window(tcb, 0, 8 * kMss);
  advance(50ms);
  fill_window(tcb, 8 * kMss, 8 * kMss);
  EXPECT_EQ(buffer(tcb), 8 * kMss) << "measured once per RTT";
}

TEST_F(AutoTuning, StopsAtMaxRcvbuf) {
  config_.max_rcvbuf = 12 * kMss;
  Tcb* tcb = open_tuned();
  fill_window(tcb, 0, 8 * kMss);
  advance(100ms);
  fill_window(tcb, 8 * kMss, 8 * kMss);
  EXPECT_EQ(buffer(tcb), 12 * kMss);
}

TEST_F(AutoTuning, SetRcvbufTurnsItOff) {
  // As SO_RCVBUF locks the buffer in Linux.
  Tcb* tcb = open_tuned();
  tcb->set_rcvbuf(8 * kMss);
  fill_window(tcb, 0, 8 * kMss);
  advance(100ms);
  fill_window(tcb, 8 * kMss, 8 * kMss);
  EXPECT_EQ(buffer(tcb), 8 * kMss);
}

}  // namespace
}  // namespace percore::tcp::testing
