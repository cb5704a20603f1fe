// The native socket API over a shard's TCP layer, driven against a scripted
// peer (tests/tcp/harness.h).
#include "stack/api/sockets.h"

#include <algorithm>

#include "tests/support/eal_env.h"
#include "tests/tcp/harness.h"

namespace percore::api {
namespace {

using namespace tcp::testing;
using tcp::Event::kConnected;
using tcp::Event::kError;
using tcp::Event::kReadable;
using tcp::Event::kReadHup;
using tcp::Event::kWritable;

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class SocketsTest : public TcpTest {
 protected:
  SocketsTest() : api_(*tcp_) {}

  // A listening socket on kLocalPort and one connection accepted from the peer.
  SocketId accepted() {
    SocketId l = api_.open();
    EXPECT_TRUE(api_.bind(l, {wire::Ipv4Addr::any(), kLocalPort}));
    EXPECT_TRUE(api_.listen(l, 16));
    rx(seg(kSyn).with_seq(Seq(kPeerIss)).mss(1460));
    auto synack = tx();
    EXPECT_EQ(synack.size(), 1u);
    L = synack[0].repr.seq + 1;
    R = Seq(kPeerIss + 1);
    rx(seg(kAck).with_seq(R).with_ack(L));
    auto c = api_.accept(l, now());
    EXPECT_TRUE(c);
    listener_ = l;
    return c.value_or(SocketId{});
  }

  Sockets api_;
  SocketId listener_;
};

TEST_F(SocketsTest, AcceptWouldBlockUntilAPeerConnects) {
  SocketId l = api_.open();
  ASSERT_TRUE(api_.bind(l, {wire::Ipv4Addr::any(), kLocalPort}));
  ASSERT_TRUE(api_.listen(l, 4));
  auto none = api_.accept(l, now());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), Errc::WouldBlock);
  EXPECT_EQ(api_.events(l), 0u);
}

TEST_F(SocketsTest, ReadinessListsTheListenerThenTheConnection) {
  SocketId l = api_.open();
  ASSERT_TRUE(api_.bind(l, {wire::Ipv4Addr::any(), kLocalPort}));
  ASSERT_TRUE(api_.listen(l, 4));
  rx(seg(kSyn).with_seq(Seq(kPeerIss)));
  auto synack = tx();
  ASSERT_EQ(synack.size(), 1u);
  rx(seg(kAck).with_seq(Seq(kPeerIss + 1)).with_ack(synack[0].repr.seq + 1));
  auto ready = api_.take_ready();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0], l);
  EXPECT_TRUE(api_.events(l) & kReadable);
  auto c = api_.accept(l, now());
  ASSERT_TRUE(c);
  api_.take_ready();
  rx(seg(kAck | kPsh).with_seq(Seq(kPeerIss + 1)).with_ack(synack[0].repr.seq + 1).data("hi"));
  ready = api_.take_ready();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0], *c);
  EXPECT_TRUE(api_.events(*c) & kReadable);
}

TEST_F(SocketsTest, RecvWouldBlockThenDataThenEndOfStream) {
  SocketId c = accepted();
  std::uint8_t buf[16];
  auto r = api_.recv(c, buf);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::WouldBlock);
  rx(seg(kAck).with_seq(R).with_ack(L).data("abc"));
  r = api_.recv(c, buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 3u);
  rx(seg(kAck | kFin).with_seq(R + 3).with_ack(L));
  EXPECT_TRUE(api_.events(c) & kReadHup);
  r = api_.recv(c, buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0u) << "end of stream";
}

TEST_F(SocketsTest, PeekLeavesTheData) {
  SocketId c = accepted();
  rx(seg(kAck).with_seq(R).with_ack(L).data("xyz"));
  std::uint8_t buf[8];
  ASSERT_EQ(*api_.recv(c, buf, RecvFlag::kPeek), 3u);
  EXPECT_EQ(*api_.readable(c), 3u);
  ASSERT_EQ(*api_.recv(c, buf), 3u);
  EXPECT_EQ(*api_.readable(c), 0u);
}

TEST_F(SocketsTest, SendGoesOutAndCountsAsUnsentUntilAcked) {
  SocketId c = accepted();
  ASSERT_EQ(*api_.send(c, bytes("hello")), 5u);
  EXPECT_EQ(*api_.unsent(c), 5u);
  tcp_->poll(now());
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R).data("hello"));
  rx(seg(kAck).with_seq(R).with_ack(L + 5));
  EXPECT_EQ(*api_.unsent(c), 0u);
}

TEST_F(SocketsTest, SendAfterShutdownIsEpipe) {
  SocketId c = accepted();
  ASSERT_TRUE(api_.shutdown(c, Shutdown::Write, now()));
  auto r = api_.send(c, bytes("x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::Shutdown);
}

TEST_F(SocketsTest, ResetIsReportedOnceThenEndOfStream) {
  SocketId c = accepted();
  rx(seg(kRst).with_seq(R));
  EXPECT_TRUE(api_.events(c) & kError);
  std::uint8_t buf[4];
  auto r = api_.recv(c, buf);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::ConnectionReset);
  r = api_.recv(c, buf);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0u);
}

TEST_F(SocketsTest, ConnectIsInProgressThenConnected) {
  SocketId c = api_.open();
  auto r = api_.connect(c, {kRemoteIp, kRemotePort}, now());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::InProgress);
  tcp_->poll(now());
  auto syn = tx();
  ASSERT_EQ(syn.size(), 1u);
  auto again = api_.connect(c, {kRemoteIp, kRemotePort}, now());
  EXPECT_EQ(again.error(), Errc::InProgress) << "Linux: EALREADY while connecting";
  rx(seg(kSyn | kAck).with_seq(Seq(kPeerIss)).with_ack(syn[0].repr.seq + 1)
         .ports(kRemotePort, syn[0].repr.src_port));
  EXPECT_TRUE(api_.events(c) & kConnected);
  EXPECT_TRUE(api_.events(c) & kWritable);
  EXPECT_EQ(api_.connect(c, {kRemoteIp, kRemotePort}, now()).error(), Errc::AlreadyConnected);
  EXPECT_EQ(api_.remote(c)->port, kRemotePort);
  EXPECT_EQ(api_.local(c)->port, syn[0].repr.src_port);
}

TEST_F(SocketsTest, RefusedConnectSetsSoError) {
  SocketId c = api_.open();
  (void)api_.connect(c, {kRemoteIp, kRemotePort}, now());
  tcp_->poll(now());
  auto syn = tx();
  ASSERT_EQ(syn.size(), 1u);
  rx(seg(kRst | kAck).with_seq(Seq(0)).with_ack(syn[0].repr.seq + 1)
         .ports(kRemotePort, syn[0].repr.src_port));
  EXPECT_TRUE(api_.events(c) & kError);
  auto err = api_.take_error(c);
  ASSERT_TRUE(err);
  EXPECT_EQ(*err, Errc::ConnectionRefused);
  EXPECT_EQ(*api_.take_error(c), std::nullopt) << "SO_ERROR clears on read";
}

TEST_F(SocketsTest, ConnectFromABoundPort) {
  SocketId c = api_.open();
  ASSERT_TRUE(api_.bind(c, {wire::Ipv4Addr::any(), 45678}));
  (void)api_.connect(c, {kRemoteIp, kRemotePort}, now());
  tcp_->poll(now());
  auto syn = tx();
  ASSERT_EQ(syn.size(), 1u);
  EXPECT_EQ(syn[0].repr.src_port, 45678);
}

TEST_F(SocketsTest, BindingAPortTwiceIsAddressInUse) {
  SocketId a = api_.open();
  SocketId b = api_.open();
  ASSERT_TRUE(api_.bind(a, {wire::Ipv4Addr::any(), 8080}));
  auto r = api_.bind(b, {kLocalIp, 8080});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Errc::AddressInUse);
  EXPECT_EQ(api_.bind(a, {wire::Ipv4Addr::any(), 8081}).error(), Errc::InvalidArgument)
      << "already bound";
}

TEST_F(SocketsTest, ListenWithoutBindGetsAnEphemeralPort) {
  SocketId l = api_.open();
  ASSERT_TRUE(api_.listen(l, 1));
  EXPECT_GE(api_.local(l)->port, 32768);
}

TEST_F(SocketsTest, StaleHandlesAreRejected) {
  SocketId c = accepted();
  ASSERT_TRUE(api_.close(c, now()));
  std::uint8_t buf[1];
  EXPECT_EQ(api_.recv(c, buf).error(), Errc::InvalidArgument);
  EXPECT_EQ(api_.close(c, now()).error(), Errc::InvalidArgument);
  SocketId reused = api_.open();
  EXPECT_EQ(reused.index, c.index) << "the slot is reused";
  EXPECT_NE(reused.generation, c.generation) << "with a new generation";
}

TEST_F(SocketsTest, CloseSendsFinAndTheConnectionFinishes) {
  SocketId c = accepted();
  const std::size_t before = tcp_->connections();
  ASSERT_TRUE(api_.close(c, now()));
  tcp_->poll(now());
  expect_tx(seg(kAck | kFin).with_seq(L).with_ack(R));
  rx(seg(kAck | kFin).with_seq(R).with_ack(L + 1));
  expect_tx(seg(kAck).with_seq(L + 1).with_ack(R + 1));
  EXPECT_EQ(tcp_->connections(), before) << "TIME-WAIT keeps the tuple";
  advance(config_.time_wait);
  EXPECT_EQ(tcp_->connections(), before - 1);
}

TEST_F(SocketsTest, OptionsRoundTripAndAreInherited) {
  SocketId l = api_.open();
  ASSERT_TRUE(api_.set_option(l, Option::NoDelay, 1, now()));
  ASSERT_TRUE(api_.set_option(l, Option::KeepIdleSec, 30, now()));
  ASSERT_TRUE(api_.bind(l, {wire::Ipv4Addr::any(), kLocalPort}));
  ASSERT_TRUE(api_.listen(l, 4));
  rx(seg(kSyn).with_seq(Seq(kPeerIss)));
  auto synack = tx();
  rx(seg(kAck).with_seq(Seq(kPeerIss + 1)).with_ack(synack[0].repr.seq + 1));
  auto c = api_.accept(l, now());
  ASSERT_TRUE(c);
  EXPECT_EQ(*api_.get_option(*c, Option::NoDelay), 1);
  EXPECT_EQ(*api_.get_option(*c, Option::KeepIdleSec), 30);
  EXPECT_EQ(*api_.get_option(*c, Option::KeepAlive), 0);
  EXPECT_EQ(api_.set_option(*c, Option::KeepCount, 0, now()).error(), Errc::InvalidArgument);
}

TEST_F(SocketsTest, TcpInfoReportsTheConnection) {
  SocketId c = accepted();
  auto info = api_.info(c);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->state, tcp::State::Established);
  EXPECT_EQ(info->mss, 1460u);
  EXPECT_GT(info->snd_cwnd, 0u);
  EXPECT_EQ(api_.info(listener_)->state, tcp::State::Listen);
}

TEST_F(SocketsTest, SiocoutqCountsTheFinUntilItIsAcknowledged) {
  SocketId c = accepted();
  ASSERT_TRUE(api_.shutdown(c, Shutdown::Write, now()));
  tcp_->poll(now());
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  EXPECT_EQ(api_.unsent(c).value(), 1u) << "Linux: write_seq - snd_una, the FIN included";
  rx(seg(kAck).with_seq(R).with_ack(L + 1));
  EXPECT_EQ(api_.unsent(c).value(), 0u);
}

TEST_F(SocketsTest, NoPeerNameOnceInTimeWait) {
  SocketId c = accepted();
  ASSERT_TRUE(api_.shutdown(c, Shutdown::Write, now()));
  tcp_->poll(now());
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  rx(seg(kFin | kAck).with_seq(R).with_ack(L + 1));
  ASSERT_EQ(api_.info(c)->state, tcp::State::TimeWait);
  EXPECT_EQ(api_.remote(c).error(), Errc::NotConnected) << "Linux's socket is CLOSE";
  EXPECT_TRUE(api_.local(c));
}

TEST_F(SocketsTest, RcvLowatHoldsReadabilityBack) {
  SocketId c = accepted();
  ASSERT_TRUE(api_.set_option(c, Option::RcvLowat, 5, now()));
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L).data("abc"));
  EXPECT_FALSE(api_.events(c) & kReadable) << "3 bytes, SO_RCVLOWAT 5";
  rx(seg(kAck | kPsh).with_seq(R + 3).with_ack(L).data("de"));
  EXPECT_TRUE(api_.events(c) & kReadable);
}

TEST_F(SocketsTest, TimeWaitHoldsThePortUnlessBothReuseIt) {
  SocketId c = accepted();
  ASSERT_TRUE(api_.set_option(c, Option::ReuseAddr, 1, now()));
  ASSERT_TRUE(api_.close(listener_, now()));
  ASSERT_TRUE(api_.close(c, now()));
  tcp_->poll(now());
  expect_tx(seg(kFin | kAck).with_seq(L).with_ack(R));
  rx(seg(kFin | kAck).with_seq(R).with_ack(L + 1));
  const Endpoint port{wire::Ipv4Addr::any(), kLocalPort};
  EXPECT_TRUE(api_.port_taken(port, false, false)) << "TIME-WAIT holds it";
  EXPECT_FALSE(api_.port_taken(port, true, false)) << "SO_REUSEADDR on both";
}

TEST_F(SocketsTest, AConnectionResetInTheAcceptQueueIsStillAccepted) {
  SocketId l = api_.open();
  ASSERT_TRUE(api_.bind(l, {wire::Ipv4Addr::any(), kLocalPort}));
  ASSERT_TRUE(api_.listen(l, 16));
  rx(seg(kSyn).with_seq(Seq(kPeerIss)).mss(1460));
  auto synack = tx();
  ASSERT_EQ(synack.size(), 1u);
  L = synack[0].repr.seq + 1;
  R = Seq(kPeerIss + 1);
  rx(seg(kAck).with_seq(R).with_ack(L));
  rx(seg(kRst).with_seq(R));
  tcp_->poll(now());
  auto c = api_.accept(l, now());
  ASSERT_TRUE(c) << "Linux's accept() returns it";
  std::uint8_t buf[8];
  EXPECT_EQ(api_.recv(*c, buf).error(), Errc::ConnectionReset);
  EXPECT_EQ(api_.recv(*c, buf).value(), 0u);
}


// Migration: a connection moves to another shard's layer (preload moves it
// to the shard of the thread that uses it) with its data, its timers and
// its readiness.
class MovingSocketsTest : public SocketsTest {
 protected:
  MovingSocketsTest()
      : other_tcp_(std::make_unique<tcp::TcpLayer>(*net_, percore::testing::test_pool(), config_,
                                                   std::array<std::uint64_t, 2>{7, 11}, now())),
        other_(*other_tcp_) {}
  ~MovingSocketsTest() override {
    tx();
    other_tcp_.reset();
  }

  // Moves `c` to the other layer, which the harness then drives (its rx(),
  // tx() and advance() go to tcp_).
  SocketId move(SocketId c) {
    auto m = api_.take_for_move(c, other_);
    EXPECT_TRUE(m.has_value());
    if (!m) return {};
    SocketId id = other_.adopt_moved(std::move(*m));
    std::swap(tcp_, other_tcp_);
    return id;
  }

  static constexpr tcp::FourTuple kTuple{kLocalIp, kLocalPort, kRemoteIp, kRemotePort};
  std::unique_ptr<tcp::TcpLayer> other_tcp_;
  Sockets other_;
};

TEST_F(MovingSocketsTest, DataTimersAndReadinessMoveWithTheConnection) {
  SocketId c = accepted();
  rx(seg(kAck | kPsh).with_seq(R).with_ack(L).data("abc"));  // unread at the move
  tx();  // its ACK
  ASSERT_EQ(*api_.send(c, bytes("hello")), 5u);
  tcp_->poll(now());
  expect_tx(seg(kAck | kPsh).with_seq(L).with_ack(R + 3).data("hello"));

  SocketId moved = move(c);
  EXPECT_FALSE(api_.owns(kTuple));
  EXPECT_TRUE(other_.owns(kTuple));
  EXPECT_EQ(api_.events(c), 0u);  // the old handle is stale
  EXPECT_TRUE(other_.events(moved) & kReadable);
  auto ready = other_.take_ready();
  EXPECT_NE(std::find(ready.begin(), ready.end(), moved), ready.end());

  std::uint8_t buf[8];
  ASSERT_EQ(*other_.recv(moved, buf), 3u);
  EXPECT_EQ(std::string_view(reinterpret_cast<char*>(buf), 3), "abc");
  // The retransmission timer armed on the old layer fires on the new one.
  tx();
  advance(std::chrono::seconds(2));
  auto resent = tx();
  ASSERT_FALSE(resent.empty());
  EXPECT_EQ(resent[0].repr.seq, L);
  EXPECT_EQ(resent[0].payload, "hello");
  rx(seg(kAck).with_seq(R + 3).with_ack(L + 5));
  EXPECT_EQ(*other_.unsent(moved), 0u);
  tx();
  // It closes from its new home.
  ASSERT_TRUE(other_.close(moved, now()));
  tcp_->poll(now());
  expect_tx(seg(kAck | kFin).with_seq(L + 5).with_ack(R + 3));
}

TEST_F(MovingSocketsTest, OnlyAnOpenConnectionMoves) {
  SocketId c = accepted();
  EXPECT_FALSE(api_.take_for_move(listener_, other_));  // a listener stays
  ASSERT_TRUE(api_.shutdown(c, Shutdown::Write, now()));
  tcp_->poll(now());
  tx();
  EXPECT_FALSE(api_.take_for_move(c, other_));  // FIN-WAIT: closing here
  EXPECT_TRUE(api_.owns(kTuple));
  EXPECT_NE(api_.events(c), 0u);  // still a live handle
}

TEST_F(MovingSocketsTest, NotWhereAnEarlierIncarnationLingers) {
  // The other layer holds the same tuple (say, in TIME-WAIT): no move.
  SocketId c = accepted();
  std::swap(tcp_, other_tcp_);
  Sockets first(*tcp_);
  SocketId l = first.open();
  ASSERT_TRUE(first.bind(l, {wire::Ipv4Addr::any(), kLocalPort}));
  ASSERT_TRUE(first.listen(l, 4));
  rx(seg(kSyn).with_seq(Seq(kPeerIss)));
  tx();
  std::swap(tcp_, other_tcp_);
  Sockets probe(*other_tcp_);
  EXPECT_TRUE(probe.owns(kTuple));
  EXPECT_FALSE(api_.take_for_move(c, probe));
  EXPECT_TRUE(api_.owns(kTuple));
}

}  // namespace
}  // namespace percore::api
