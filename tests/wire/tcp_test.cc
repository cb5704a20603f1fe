#include <gtest/gtest.h>

#include <string_view>

#include "tests/wire/vectors.h"

namespace percore::testing {
namespace {

using wire::ChecksumCheck;
using wire::ParseError;
using wire::Seq;
using wire::TcpRepr;
using wire::TcpView;
namespace TcpFlag = wire::TcpFlag;

constexpr std::uint16_t kClientWindowScale = 10;  // what this kernel chose for a 6 MB rcvbuf

Frame tcp_segment(const Frame& frame) { return Frame(frame.begin() + kIpAt + 20, frame.end()); }

std::string_view text(wire::Bytes b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

class Handshake : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(frames_.size(), 8u); }
  TcpRepr seg(std::size_t i) const { return tcp_repr_of(frames_[i]); }
  const std::vector<Frame> frames_ = vector_frames("tcp_handshake.pcap");
};

TEST_F(Handshake, SynCarriesMssSackPermittedTimestampsAndWindowScale) {
  const TcpView view = tcp_of(frames_[0]);
  EXPECT_EQ(view.header_len(), 40u);
  EXPECT_EQ(view.options().size(), 20u);
  EXPECT_TRUE(view.payload().empty());
  EXPECT_EQ(view.checksum(), wire::load_be16(&frames_[0][kIpAt + 20 + 16]));

  const TcpRepr syn = seg(0);
  EXPECT_EQ(syn.dst_port, 5000);
  EXPECT_EQ(syn.flags, TcpFlag::kSyn);
  EXPECT_EQ(syn.window, 64240);  // 44 * 1460, Linux's initial receive window
  EXPECT_EQ(syn.urgent, 0);
  EXPECT_EQ(syn.ack, Seq(0));
  EXPECT_EQ(syn.options.mss, 1460);
  EXPECT_TRUE(syn.options.sack_permitted);
  EXPECT_EQ(syn.options.window_scale, kClientWindowScale);
  ASSERT_TRUE(syn.options.timestamps);
  EXPECT_NE(syn.options.timestamps->val, 0u);
  EXPECT_EQ(syn.options.timestamps->ecr, 0u);
  EXPECT_EQ(syn.options.sack_count, 0);
  EXPECT_EQ(syn.options.emitted_len(), 20u);
  EXPECT_EQ(syn.segment_len(), 1u);
}

TEST_F(Handshake, SynAckAcknowledgesTheSynAndEchoesItsTimestamp) {
  const TcpRepr syn = seg(0);
  const TcpRepr syn_ack = seg(1);
  EXPECT_EQ(syn_ack.flags, TcpFlag::kSyn | TcpFlag::kAck);
  EXPECT_EQ(syn_ack.src_port, syn.dst_port);
  EXPECT_EQ(syn_ack.dst_port, syn.src_port);
  EXPECT_EQ(syn_ack.ack, syn.seq + 1);
  EXPECT_EQ(syn_ack.window, 65160);
  EXPECT_EQ(syn_ack.options.mss, 1460);
  EXPECT_TRUE(syn_ack.options.sack_permitted);
  EXPECT_EQ(syn_ack.options.window_scale, kClientWindowScale);
  ASSERT_TRUE(syn_ack.options.timestamps);
  EXPECT_EQ(syn_ack.options.timestamps->ecr, syn.options.timestamps->val);
}

TEST_F(Handshake, AckThenDataThenFin) {
  const TcpRepr syn = seg(0);
  const TcpRepr syn_ack = seg(1);
  const TcpRepr ack = seg(2);
  EXPECT_EQ(ack.flags, TcpFlag::kAck);
  EXPECT_EQ(ack.seq, syn.seq + 1);
  EXPECT_EQ(ack.ack, syn_ack.seq + 1);
  EXPECT_EQ(ack.window, 63);  // scaled by 2^10 from here on
  EXPECT_FALSE(ack.options.mss);
  EXPECT_FALSE(ack.options.sack_permitted);
  EXPECT_FALSE(ack.options.window_scale);
  ASSERT_TRUE(ack.options.timestamps);
  EXPECT_EQ(ack.options.timestamps->ecr, syn_ack.options.timestamps->val);
  EXPECT_EQ(ack.options.emitted_len(), 12u);
  EXPECT_EQ(ack.segment_len(), 0u);

  const TcpRepr data = seg(3);
  EXPECT_EQ(data.flags, TcpFlag::kPsh | TcpFlag::kAck);
  EXPECT_EQ(data.seq, syn.seq + 1);
  EXPECT_EQ(text(data.payload), "hello from percore's test vectors");
  EXPECT_EQ(data.segment_len(), 33u);

  const TcpRepr data_ack = seg(4);
  EXPECT_EQ(data_ack.flags, TcpFlag::kAck);
  EXPECT_EQ(data_ack.ack, data.seq + 33);

  const TcpRepr fin = seg(5);
  EXPECT_EQ(fin.flags, TcpFlag::kFin | TcpFlag::kAck);
  EXPECT_EQ(fin.seq, data.seq + 33);
  EXPECT_EQ(fin.segment_len(), 1u);

  const TcpRepr server_fin = seg(6);
  EXPECT_EQ(server_fin.flags, TcpFlag::kFin | TcpFlag::kAck);
  EXPECT_EQ(server_fin.ack, fin.seq + 1);
  EXPECT_EQ(seg(7).ack, server_fin.seq + 1);
}

TEST(Tcp, RstForAClosedPortAcknowledgesTheSyn) {
  const auto frames = vector_frames("tcp_rst.pcap");
  ASSERT_EQ(frames.size(), 2u);
  const TcpRepr syn = tcp_repr_of(frames[0]);
  const TcpRepr rst = tcp_repr_of(frames[1]);
  EXPECT_EQ(syn.dst_port, 5001);
  // RFC 9293 3.10.7.1: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
  EXPECT_EQ(rst.flags, TcpFlag::kRst | TcpFlag::kAck);
  EXPECT_EQ(rst.seq, Seq(0));
  EXPECT_EQ(rst.ack, syn.seq + syn.segment_len());
  EXPECT_EQ(rst.window, 0);
  EXPECT_EQ(rst.options, wire::TcpOptions{});
  EXPECT_EQ(rst.header_len(), 20u);
}

TEST(Tcp, SynWithoutTimestampsUsesNopPadding) {
  const auto frames = vector_frames("tcp_syn_nots.pcap");
  ASSERT_EQ(frames.size(), 6u);
  const TcpView view = tcp_of(frames[0]);
  // MSS, NOP NOP SACK-permitted, NOP WS.
  EXPECT_EQ(Frame(view.options().begin(), view.options().end()),
            (Frame{2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, kClientWindowScale}));
  const TcpRepr syn = TcpRepr::parse(view).value();
  EXPECT_EQ(syn.options.mss, 1460);
  EXPECT_TRUE(syn.options.sack_permitted);
  EXPECT_EQ(syn.options.window_scale, kClientWindowScale);
  EXPECT_FALSE(syn.options.timestamps);
  // The server drops timestamps too (RFC 7323 3.2), and later segments have no options.
  EXPECT_FALSE(tcp_repr_of(frames[1]).options.timestamps);
  EXPECT_EQ(tcp_of(frames[2]).header_len(), 20u);
}

TEST(Tcp, ChecksumCoversThePseudoHeaderAndPayload) {
  const auto frames = vector_frames("tcp_handshake.pcap");
  ASSERT_EQ(frames.size(), 8u);
  Frame data = tcp_segment(frames[3]);
  EXPECT_TRUE(TcpView::parse(data, kClientIp, kServerIp));
  // (Swapping src and dst would not do: the sum is the same.)
  EXPECT_EQ(error_of(TcpView::parse(data, kClientIp, kRouterIp)), ParseError::BadChecksum);
  data.back() ^= 0x01;
  EXPECT_EQ(error_of(TcpView::parse(data, kClientIp, kServerIp)), ParseError::BadChecksum);
  const auto skipped = TcpView::parse(data, kClientIp, kServerIp, ChecksumCheck::Skip);
  ASSERT_TRUE(skipped);
  EXPECT_EQ(skipped->payload().size(), 33u);
}

TEST(Tcp, DataOffsetIsChecked) {
  const auto frames = vector_frames("tcp_handshake.pcap");
  ASSERT_EQ(frames.size(), 8u);
  Frame f = frames[2];  // a 32-byte header, no payload
  const std::size_t doff_at = kIpAt + 20 + 12;
  for (std::uint8_t words = 0; words < 5; ++words) {
    f[doff_at] = static_cast<std::uint8_t>(words << 4);
    refresh_l4_checksum(f);
    const Frame seg = tcp_segment(f);
    EXPECT_EQ(error_of(TcpView::parse(seg, kClientIp, kServerIp)), ParseError::BadHeaderLength)
        << int{words};
  }
  f[doff_at] = 9 << 4;  // 36 bytes in a 32-byte segment
  refresh_l4_checksum(f);
  const Frame seg = tcp_segment(f);
  EXPECT_EQ(error_of(TcpView::parse(seg, kClientIp, kServerIp)), ParseError::Truncated);
}

TEST(Tcp, UnknownOptionInARealSynIsSkipped) {
  const auto frames = vector_frames("tcp_handshake.pcap");
  ASSERT_FALSE(frames.empty());
  // The SYN's MSS option becomes an unknown kind 30 (MPTCP) of the same length.
  Frame f = frames[0];
  const std::size_t options_at = kIpAt + 20 + 20;
  ASSERT_EQ(f[options_at], wire::TcpOptionKind::kMss);
  f[options_at] = 30;
  refresh_l4_checksum(f);
  const TcpRepr syn = tcp_repr_of(f);
  EXPECT_FALSE(syn.options.mss);
  EXPECT_TRUE(syn.options.sack_permitted);
  EXPECT_EQ(syn.options.window_scale, kClientWindowScale);
  EXPECT_TRUE(syn.options.timestamps);
}

TEST(Tcp, BadOptionLengthInARealSynFailsTheRepr) {
  const auto frames = vector_frames("tcp_handshake.pcap");
  ASSERT_FALSE(frames.empty());
  Frame f = frames[0];
  f[kIpAt + 20 + 20 + 1] = 5;  // MSS with length 5
  refresh_l4_checksum(f);
  const TcpView view = tcp_of(f);  // the header itself is sound
  EXPECT_EQ(error_of(TcpRepr::parse(view)), ParseError::BadOptionLength);
}

TEST(Tcp, EmitsHeaderFieldsWhereRfc9293PutsThem) {
  const Frame payload{'x', 'y', 'z'};
  const TcpRepr repr{.src_port = 0x1234,
                     .dst_port = 80,
                     .seq = Seq(0x01020304),
                     .ack = Seq(0xa0b0c0d0),
                     .flags = TcpFlag::kPsh | TcpFlag::kAck,
                     .window = 0x4000,
                     .urgent = 7,
                     .payload = payload};
  ASSERT_EQ(repr.buffer_len(), 23u);
  Frame out(repr.buffer_len());
  repr.emit(out, kClientIp, kServerIp);
  Frame zeroed = out;
  zeroed[16] = zeroed[17] = 0;
  EXPECT_EQ(zeroed, (Frame{0x12, 0x34, 0x00, 80,   0x01, 0x02, 0x03, 0x04, 0xa0, 0xb0, 0xc0, 0xd0,
                           0x50, 0x18, 0x40, 0x00, 0x00, 0x00, 0x00, 7,    'x',  'y',  'z'}));
  EXPECT_EQ(wire::ipv4_l4_checksum(kClientIp, kServerIp, 6, out), 0);

  repr.emit(out, kClientIp, kServerIp, wire::ChecksumFill::Offload);
  EXPECT_EQ(wire::load_be16(&out[16]), wire::ipv4_pseudo_header_sum(kClientIp, kServerIp, 6, 23));
}

TEST(Tcp, SegmentLengthCountsSynAndFin) {
  const Frame payload(10);
  TcpRepr repr{.flags = TcpFlag::kSyn | TcpFlag::kFin, .payload = payload};
  EXPECT_EQ(repr.segment_len(), 12u);
  repr.flags = TcpFlag::kAck | TcpFlag::kPsh | TcpFlag::kRst;
  EXPECT_EQ(repr.segment_len(), 10u);
}

}  // namespace
}  // namespace percore::testing
