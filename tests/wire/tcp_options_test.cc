// TCP option parsing rules and Linux's emission layout.
#include <gtest/gtest.h>

#include <set>

#include "tests/wire/vectors.h"

namespace percore::testing {
namespace {

using wire::ParseError;
using wire::SackBlock;
using wire::Seq;
using wire::TcpOptions;
using wire::TcpTimestamps;
namespace Kind = wire::TcpOptionKind;

Frame emit(const TcpOptions& o) {
  Frame out(o.emitted_len());
  o.emit(out);
  return out;
}

std::optional<ParseError> parse_error(const Frame& options) {
  return error_of(TcpOptions::parse(options));
}

TEST(TcpOptions, SynLayoutWithEverythingIsLinuxs) {
  const TcpOptions o{.mss = 1460,
                     .window_scale = 7,
                     .sack_permitted = true,
                     .timestamps = TcpTimestamps{0x01020304, 0}};
  // MSS(4), SACK-permitted(2) + TS(10), NOP, WS(3): 20 bytes.
  EXPECT_EQ(emit(o), (Frame{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7}));
}

TEST(TcpOptions, TimestampsAloneArePaddedWithTwoNops) {
  const TcpOptions o{.timestamps = TcpTimestamps{1, 2}};
  EXPECT_EQ(emit(o), (Frame{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}));
}

TEST(TcpOptions, SackPermittedWithoutTimestampsIsPaddedWithTwoNops) {
  const TcpOptions o{.mss = 536, .window_scale = 0, .sack_permitted = true};
  EXPECT_EQ(emit(o), (Frame{2, 4, 0x02, 0x18, 1, 1, 4, 2, 1, 3, 3, 0}));
}

TEST(TcpOptions, SackBlocksFollowTimestamps) {
  TcpOptions o{.timestamps = TcpTimestamps{5, 6}};
  o.sack[0] = {Seq(0x100), Seq(0x200)};
  o.sack[1] = {Seq(0xfffffff0), Seq(0x10)};
  o.sack_count = 2;
  EXPECT_EQ(emit(o), (Frame{1,    1,    8,    10,   0,    0, 0, 5, 0, 0, 0, 6,    1,    1,
                            5,    18,   0,    0,    1,    0, 0, 0, 2, 0, 0xff, 0xff, 0xff, 0xf0,
                            0,    0,    0,    0x10}));
  EXPECT_EQ(*TcpOptions::parse(emit(o)), o);
}

// Linux: at most 3 SACK blocks beside timestamps, 4 without; 40 bytes at most.
TEST(TcpOptions, OnlyTheSackBlocksThatFitAreEmitted) {
  TcpOptions o;
  for (std::uint8_t i = 0; i < 4; ++i) o.sack[i] = {Seq(i * 100u), Seq(i * 100u + 50)};
  o.sack_count = 4;
  EXPECT_EQ(o.emitted_sack_count(), 4);
  EXPECT_EQ(o.emitted_len(), 36u);
  o.timestamps = TcpTimestamps{1, 2};
  EXPECT_EQ(o.emitted_sack_count(), 3);
  EXPECT_EQ(o.emitted_len(), 40u);
  const auto back = TcpOptions::parse(emit(o));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->sack_count, 3);
  EXPECT_EQ(back->sack[2], o.sack[2]);
  o.mss = 1460;
  o.window_scale = 14;
  o.sack_permitted = true;
  EXPECT_EQ(o.emitted_sack_count(), 2);  // 20 bytes of SYN options leave room for two
  EXPECT_EQ(o.emitted_len(), 40u);
}

TEST(TcpOptions, EmptyEmitsNothing) {
  EXPECT_EQ(TcpOptions{}.emitted_len(), 0u);
  EXPECT_EQ(*TcpOptions::parse(Frame{}), TcpOptions{});
}

// Linux's ACKs from tcp_sack.pcap: the most recent block first (RFC 2018 4),
// and D-SACK (RFC 2883) reporting a duplicate as the first block.
TEST(TcpOptions, RealSackBlocksFromLinux) {
  const auto frames = vector_frames("tcp_sack.pcap");
  ASSERT_EQ(frames.size(), 18u);
  const auto syn = tcp_repr_of(frames[0]);
  const Seq isn = syn.seq;  // client bytes 1..1500 are isn + 1 ..
  auto sacks = [&](std::size_t i) {
    const auto repr = tcp_repr_of(frames[i]);
    EXPECT_EQ(repr.src_port, 5000) << i;
    EXPECT_EQ(repr.ack, isn + 101) << i;
    EXPECT_TRUE(repr.options.timestamps) << i;
    return std::vector<SackBlock>(repr.options.sack.begin(),
                                  repr.options.sack.begin() + repr.options.sack_count);
  };
  EXPECT_EQ(sacks(6), (std::vector<SackBlock>{{isn + 301, isn + 601}}));
  EXPECT_EQ(sacks(8), (std::vector<SackBlock>{{isn + 1001, isn + 1501}, {isn + 301, isn + 601}}));
  EXPECT_EQ(sacks(10), (std::vector<SackBlock>{{isn + 1001, isn + 1501},
                                               {isn + 1001, isn + 1501},
                                               {isn + 301, isn + 601}}));
  // Three blocks and timestamps fill all 40 bytes of option space.
  EXPECT_EQ(tcp_of(frames[10]).header_len(), 60u);
  // Once the holes are filled: a D-SACK for a retransmission below the ACK.
  const auto dsack = tcp_repr_of(frames[12]);
  EXPECT_EQ(dsack.ack, isn + 1501);
  ASSERT_EQ(dsack.options.sack_count, 1);
  EXPECT_EQ(dsack.options.sack[0], (SackBlock{isn + 1, isn + 101}));
}

TEST(TcpOptions, EolEndsTheListAndNopsArePadding) {
  const auto o = TcpOptions::parse(Frame{1, 1, 3, 3, 5, 0, 2, 99, 0xff});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->window_scale, 5);
  EXPECT_FALSE(o->mss);  // after EOL: not an option, even if malformed
}

TEST(TcpOptions, UnknownKindsAreSkippedByTheirLength) {
  const auto o = TcpOptions::parse(Frame{30, 6, 0xde, 0xad, 0xbe, 0xef, 253, 2, 2, 4, 0x05, 0xb4});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->mss, 1460);
}

TEST(TcpOptions, LengthBelowTwoOrMissingIsRejected) {
  EXPECT_EQ(parse_error({2, 0, 0, 0}), ParseError::BadOptionLength);
  EXPECT_EQ(parse_error({2, 1, 0, 0}), ParseError::BadOptionLength);
  EXPECT_EQ(parse_error({30, 0}), ParseError::BadOptionLength);  // unknown kinds too
  EXPECT_EQ(parse_error({30, 1}), ParseError::BadOptionLength);
  EXPECT_EQ(parse_error({1, 1, 1, 2}), ParseError::BadOptionLength);  // no length byte
}

TEST(TcpOptions, OptionPastTheEndIsRejected) {
  EXPECT_EQ(parse_error({2, 4, 0x05}), ParseError::BadOptionLength);
  EXPECT_EQ(parse_error({30, 9, 0, 0, 0}), ParseError::BadOptionLength);
  EXPECT_EQ(parse_error({1, 8, 10, 0, 0, 0, 1, 0, 0, 0}), ParseError::BadOptionLength);
}

TEST(TcpOptions, KnownKindWithTheWrongLengthIsRejected) {
  EXPECT_EQ(parse_error({Kind::kMss, 3, 5, 1}), ParseError::BadOptionLength);
  EXPECT_EQ(parse_error({Kind::kMss, 5, 5, 0xb4, 0}), ParseError::BadOptionLength);
  EXPECT_EQ(parse_error({Kind::kWindowScale, 2, 1, 1}), ParseError::BadOptionLength);
  EXPECT_EQ(parse_error({Kind::kWindowScale, 4, 7, 0}), ParseError::BadOptionLength);
  EXPECT_EQ(parse_error({Kind::kSackPermitted, 3, 0, 1}), ParseError::BadOptionLength);
  EXPECT_EQ(parse_error({Kind::kTimestamps, 8, 0, 0, 0, 1, 0, 0}), ParseError::BadOptionLength);
  EXPECT_EQ(parse_error({Kind::kTimestamps, 11, 0, 0, 0, 1, 0, 0, 0, 2, 0}),
            ParseError::BadOptionLength);
}

TEST(TcpOptions, SackLengthMustBeTwoPlusEightPerBlock) {
  EXPECT_EQ(parse_error({1, 1, Kind::kSack, 2}), ParseError::BadOptionLength);  // no block
  Frame nine{Kind::kSack, 9};
  nine.resize(9, 0);
  EXPECT_EQ(parse_error(nine), ParseError::BadOptionLength);
  Frame eleven{Kind::kSack, 11};
  eleven.resize(11, 0);
  EXPECT_EQ(parse_error(eleven), ParseError::BadOptionLength);
  Frame five_blocks{Kind::kSack, 42};  // cannot fit a TCP header, but say the buffer did
  five_blocks.resize(42, 0);
  EXPECT_EQ(parse_error(five_blocks), ParseError::BadOptionLength);
  Frame four_blocks{Kind::kSack, 34};
  four_blocks.resize(34, 0);
  four_blocks[33] = 9;
  const auto o = TcpOptions::parse(four_blocks);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->sack_count, 4);
  EXPECT_EQ(o->sack[3].right, Seq(9));
}

// Cutting Linux's SYN options anywhere inside an option must fail, and at an
// option boundary must parse what came before.
TEST(TcpOptions, EveryPrefixOfRealSynOptions) {
  const auto frames = vector_frames("tcp_handshake.pcap");
  ASSERT_FALSE(frames.empty());
  const auto all = tcp_of(frames[0]).options();
  ASSERT_EQ(all.size(), 20u);
  const std::set<std::size_t> boundaries = {0, 4, 6, 16, 17, 20};
  for (std::size_t len = 0; len <= all.size(); ++len) {
    const Frame prefix(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(len));
    const auto o = TcpOptions::parse(prefix);
    if (boundaries.contains(len)) {
      ASSERT_TRUE(o) << len;
      EXPECT_EQ(o->mss.has_value(), len >= 4) << len;
      EXPECT_EQ(o->sack_permitted, len >= 6) << len;
      EXPECT_EQ(o->timestamps.has_value(), len >= 16) << len;
      EXPECT_EQ(o->window_scale.has_value(), len == 20) << len;
    } else {
      EXPECT_EQ(error_of(o), ParseError::BadOptionLength) << len;
    }
  }
}

}  // namespace
}  // namespace percore::testing
