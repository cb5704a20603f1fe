#include "tests/tcp/harness.h"

#include <rte_mbuf.h>

#include <cstring>

#include "stack/wire/ethernet.h"
#include "stack/wire/ipv4.h"
#include "tests/support/eal_env.h"

namespace percore::tcp::testing {
namespace {

const wire::MacAddr kLocalMac{{0x02, 0, 0, 0, 0, 0x02}};
const wire::MacAddr kRemoteMac{{0x02, 0, 0, 0, 0, 0x01}};

std::string flag_names(std::uint8_t f) {
  std::string s;
  if (f & kSyn) s += "SYN,";
  if (f & kAck) s += "ACK,";
  if (f & kFin) s += "FIN,";
  if (f & kRst) s += "RST,";
  if (f & kPsh) s += "PSH,";
  if (!s.empty()) s.pop_back();
  return s;
}

void print_options(std::ostream& os, const wire::TcpOptions& o) {
  if (o.mss) os << " mss=" << *o.mss;
  if (o.window_scale) os << " ws=" << int{*o.window_scale};
  if (o.sack_permitted) os << " sackOK";
  if (o.timestamps) os << " ts=" << o.timestamps->val << "/" << o.timestamps->ecr;
  for (int i = 0; i < o.sack_count; ++i)
    os << " sack=" << o.sack[i].left << "-" << o.sack[i].right;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Seg& s) {
  os << "<" << flag_names(s.flags) << " seq=" << s.seq << " ack=" << s.ack;
  if (s.window) os << " win=" << *s.window;
  if (s.options) print_options(os, *s.options);
  if (!s.payload.empty()) os << " len=" << s.payload.size();
  return os << ">";
}

std::ostream& operator<<(std::ostream& os, const Sent& s) {
  os << "<" << flag_names(s.repr.flags) << " seq=" << s.repr.seq << " ack=" << s.repr.ack
     << " win=" << s.repr.window;
  print_options(os, s.repr.options);
  if (!s.payload.empty()) os << " len=" << s.payload.size();
  return os << ">";
}

TcpTest::TcpTest() { rebuild(); }

TcpTest::~TcpTest() {
  tx();
  tcp_.reset();
  net_.reset();
}

void TcpTest::rebuild() {
  tcp_.reset();
  // The peer's address never expires from the ARP cache: the tests are
  // about TCP, and hours pass in some of them.
  net_ = std::make_unique<net::NetStack>(
      net::Interface{.mac = kLocalMac, .addr = {kLocalIp, 24}}, percore::testing::test_pool(),
      net::ArpConfig{.reachable_time = std::chrono::hours(24 * 365)});
  net_->learn_neighbour(kRemoteIp, kRemoteMac, now_);
  tcp_ = std::make_unique<TcpLayer>(*net_, percore::testing::test_pool(), config_,
                                    std::array<std::uint64_t, 2>{7, 11}, now_);
}

void TcpTest::advance(Duration d) {
  now_ += d;
  tcp_->poll(now_);
}

void TcpTest::rx(const Seg& s) {
  deliver(s);
  tcp_->poll(now_);
}

void TcpTest::rx_burst(std::initializer_list<Seg> segs) {
  for (const Seg& s : segs) deliver(s);
  tcp_->poll(now_);
}

void TcpTest::deliver(const Seg& s) {
  wire::TcpRepr tcp{.src_port = s.src_port,
                    .dst_port = s.dst_port,
                    .seq = s.seq,
                    .ack = s.ack,
                    .flags = s.flags,
                    .window = s.window.value_or(65535)};
  if (s.options) tcp.options = *s.options;
  tcp.payload = {reinterpret_cast<const std::uint8_t*>(s.payload.data()), s.payload.size()};
  wire::Ipv4Repr ip{.src = kRemoteIp,
                    .dst = kLocalIp,
                    .protocol = 6,
                    .payload_len = static_cast<std::uint16_t>(tcp.buffer_len())};
  const std::size_t len = wire::EthernetRepr::buffer_len() + ip.buffer_len() + tcp.buffer_len();
  rte_mbuf* m = rte_pktmbuf_alloc(percore::testing::test_pool());
  ASSERT_NE(m, nullptr) << "test pool exhausted: an mbuf leak?";
  auto* p = reinterpret_cast<std::uint8_t*>(rte_pktmbuf_append(m, static_cast<std::uint16_t>(len)));
  wire::EthernetRepr{kLocalMac, kRemoteMac, 0x0800}.emit({p, len});
  ip.emit({p + 14, 20});
  tcp.emit({p + 34, tcp.buffer_len()}, kRemoteIp, kLocalIp);
  auto packet = net_->input(m, now_);
  ASSERT_TRUE(packet) << "the network layer dropped the segment";
  tcp_->input(*packet, now_);
}

std::vector<Sent> TcpTest::tx() {
  std::vector<Sent> out;
  for (rte_mbuf* m : net_->tx_frames()) {
    // Linearise the frame (the payload is chained behind the header).
    std::vector<std::uint8_t> frame(rte_pktmbuf_pkt_len(m));
    const auto* copied = rte_pktmbuf_read(m, 0, static_cast<std::uint32_t>(frame.size()), frame.data());
    if (copied != frame.data()) std::memcpy(frame.data(), copied, frame.size());
    rte_pktmbuf_free(m);
    auto eth = wire::EthernetView::parse(frame);
    if (!eth || eth->ethertype() != 0x0800) continue;
    auto ipv = wire::Ipv4View::parse(eth->payload());
    EXPECT_TRUE(ipv) << "bad IPv4 header from the stack";
    if (!ipv) continue;
    auto view = wire::TcpView::parse(ipv->payload(), ipv->src(), ipv->dst());
    EXPECT_TRUE(view) << "bad TCP segment (checksum?) from the stack";
    if (!view) continue;
    auto repr = wire::TcpRepr::parse(*view);
    EXPECT_TRUE(repr);
    if (!repr) continue;
    Sent s{*repr, std::string(repr->payload.begin(), repr->payload.end())};
    s.repr.payload = {};
    out.push_back(std::move(s));
  }
  net_->clear_tx();
  return out;
}

void TcpTest::expect_tx(const Seg& e, const char* where) {
  auto sent = tx();
  ASSERT_EQ(sent.size(), 1u) << where << ": expected exactly " << e << ", got " << sent.size()
                             << (sent.empty() ? "" : " segments, first ")
                             << (sent.empty() ? Sent{} : sent[0]);
  const Sent& s = sent[0];
  EXPECT_EQ(s.repr.flags, e.flags) << where << ": " << s << " vs " << e;
  EXPECT_EQ(s.repr.seq, e.seq) << where << ": " << s << " vs " << e;
  if (e.flags & kAck) {
    EXPECT_EQ(s.repr.ack, e.ack) << where << ": " << s << " vs " << e;
  }
  if (e.window) {
    EXPECT_EQ(s.repr.window, *e.window) << where << ": " << s << " vs " << e;
  }
  if (e.options) {
    EXPECT_EQ(s.repr.options, *e.options) << where << ": " << s << " vs " << e;
  }
  EXPECT_EQ(s.payload, e.payload) << where << ": " << s << " vs " << e;
  EXPECT_EQ(s.repr.src_port, e.dst_port) << where;
  EXPECT_EQ(s.repr.dst_port, e.src_port) << where;
}

void TcpTest::expect_no_tx(const char* where) {
  auto sent = tx();
  EXPECT_TRUE(sent.empty()) << where << ": unexpected " << sent.size() << " segment(s), first "
                            << (sent.empty() ? Sent{} : sent[0]);
}

Listener* TcpTest::listen(std::uint16_t port, unsigned backlog) {
  auto l = tcp_->listen(wire::Ipv4Addr::any(), port, backlog);
  EXPECT_TRUE(l);
  return l ? *l : nullptr;
}

Tcb* TcpTest::established(const Seg& syn_template) {
  Listener* l = listen(syn_template.dst_port);
  Seg syn = syn_template;
  syn.flags = kSyn;
  syn.seq = Seq(kPeerIss);
  rx(syn);
  auto sent = tx();
  EXPECT_EQ(sent.size(), 1u) << "no SYN-ACK";
  if (sent.size() != 1) return nullptr;
  EXPECT_EQ(sent[0].repr.flags, kSyn | kAck);
  L = sent[0].repr.seq + 1;
  R = Seq(kPeerIss + 1);
  Seg ack = seg(kAck).with_seq(R).with_ack(L);
  ack.ports(syn.src_port, syn.dst_port);
  if (syn.options && syn.options->timestamps)
    ack.ts(syn.options->timestamps->val + 1, sent[0].repr.options.timestamps ? sent[0].repr.options.timestamps->val : 0);
  rx(ack);
  expect_no_tx("after the handshake");
  Tcb* tcb = tcp_->accept(l);
  EXPECT_NE(tcb, nullptr);
  tcp_->take_ready();
  return tcb;
}

Tcb* TcpTest::connected(const Seg& synack_template) {
  auto tcb = tcp_->connect(kRemoteIp, kRemotePort, now_);
  EXPECT_TRUE(tcb);
  if (!tcb) return nullptr;
  tcp_->poll(now_);
  auto sent = tx();
  EXPECT_EQ(sent.size(), 1u) << "no SYN";
  if (sent.size() != 1) return nullptr;
  EXPECT_EQ(sent[0].repr.flags, kSyn);
  L = sent[0].repr.seq + 1;
  R = Seq(kPeerIss + 1);
  Seg synack = synack_template;
  synack.flags = kSyn | kAck;
  synack.seq = Seq(kPeerIss);
  synack.ack = L;
  synack.ports(kRemotePort, sent[0].repr.src_port);
  rx(synack);
  auto acks = tx();
  EXPECT_EQ(acks.size(), 1u) << "no ACK of the SYN-ACK";
  tcp_->take_ready();
  return *tcb;
}

std::size_t TcpTest::app_send(Tcb* tcb, std::string_view data) {
  const std::size_t n =
      tcb->send({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
  tcp_->touch(tcb);
  tcp_->poll(now_);
  return n;
}

std::string TcpTest::app_recv(Tcb* tcb, std::size_t max, bool peek) {
  std::string out(max, '\0');
  const std::size_t n = tcb->recv({reinterpret_cast<std::uint8_t*>(out.data()), max}, peek);
  out.resize(n);
  tcp_->touch(tcb);
  tcp_->poll(now_);
  return out;
}

void TcpTest::app_close(Tcb* tcb) {
  tcp_->close(tcb, now_);
  tcp_->poll(now_);
}

void TcpTest::app_shutdown(Tcb* tcb) {
  tcb->shutdown_write(now_);
  tcp_->touch(tcb);
  tcp_->poll(now_);
}

}  // namespace percore::tcp::testing
