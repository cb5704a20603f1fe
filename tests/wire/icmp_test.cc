#include <gtest/gtest.h>

#include <numeric>

#include "tests/wire/vectors.h"

namespace percore::testing {
namespace {

using wire::ChecksumCheck;
using wire::IcmpRepr;
using wire::IcmpView;
using wire::ParseError;

Frame icmp_message(const Frame& frame) {
  return Frame(frame.begin() + kIpAt + 20, frame.end());
}

// traffic.py icmp-echo: ident 0x5043, seq 1, data bytes 0..55.
Frame expected_echo_data() {
  Frame data(56);
  std::iota(data.begin(), data.end(), 0);
  return data;
}

TEST(Icmp, ParsesLinuxEchoRequestAndReply) {
  const auto frames = vector_frames("icmp_echo.pcap");
  ASSERT_EQ(frames.size(), 2u);
  const Frame request_bytes = icmp_message(frames[0]);
  const auto request = IcmpView::parse(request_bytes);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->type(), IcmpRepr::kEchoRequest);
  EXPECT_EQ(request->code(), 0);
  EXPECT_EQ(request->ident(), 0x5043);
  EXPECT_EQ(request->seq_no(), 1);
  EXPECT_EQ(request->rest_of_header(), 0x50430001u);
  EXPECT_EQ(Frame(request->data().begin(), request->data().end()), expected_echo_data());

  const Frame reply_bytes = icmp_message(frames[1]);
  const auto reply = IcmpRepr::parse(*IcmpView::parse(reply_bytes));
  EXPECT_EQ(reply.type, IcmpRepr::kEchoReply);
  EXPECT_EQ(reply.code, 0);
  EXPECT_EQ(reply.ident(), 0x5043);
  EXPECT_EQ(reply.seq_no(), 1);
  EXPECT_EQ(Frame(reply.data.begin(), reply.data.end()), expected_echo_data());
}

// What Linux's reply carries is exactly what our own reply to its request
// would be: the request with the type changed and the checksum redone.
TEST(Icmp, OurEchoReplyToLinuxsRequestMatchesLinuxsReply) {
  const auto frames = vector_frames("icmp_echo.pcap");
  ASSERT_EQ(frames.size(), 2u);
  const Frame request_bytes = icmp_message(frames[0]);
  const auto request = IcmpRepr::parse(*IcmpView::parse(request_bytes));
  const IcmpRepr reply{IcmpRepr::kEchoReply, 0, request.rest_of_header, request.data};
  Frame out(reply.buffer_len());
  reply.emit(out);
  EXPECT_EQ(out, icmp_message(frames[1]));
}

TEST(Icmp, EmitsInPlaceOverTheRequest) {
  const auto frames = vector_frames("icmp_echo.pcap");
  ASSERT_EQ(frames.size(), 2u);
  Frame buffer = icmp_message(frames[0]);
  const auto request = IcmpRepr::parse(*IcmpView::parse(buffer));
  const IcmpRepr reply{IcmpRepr::kEchoReply, 0, request.rest_of_header, request.data};
  reply.emit(buffer);
  EXPECT_EQ(buffer, icmp_message(frames[1]));
}

TEST(Icmp, BadChecksumIsRejectedUnlessSkipped) {
  const auto frames = vector_frames("icmp_echo.pcap");
  ASSERT_FALSE(frames.empty());
  Frame message = icmp_message(frames[0]);
  message.back() ^= 0x80;
  EXPECT_EQ(error_of(IcmpView::parse(message)), ParseError::BadChecksum);
  EXPECT_TRUE(IcmpView::parse(message, ChecksumCheck::Skip));
}

TEST(Icmp, ShorterThanItsHeaderIsTruncated) {
  const Frame seven(7, 0);
  EXPECT_EQ(error_of(IcmpView::parse(seven)), ParseError::Truncated);
  EXPECT_EQ(error_of(IcmpView::parse(seven, ChecksumCheck::Skip)), ParseError::Truncated);
}

TEST(Icmp, OddLengthDataIsChecksummedWithAZeroPad) {
  const Frame data{1, 2, 3};
  const IcmpRepr echo{IcmpRepr::kEchoRequest, 0, 0x00010002, data};
  Frame out(echo.buffer_len());
  echo.emit(out);
  // RFC 1071 by hand: 0800 + 0000 + 0001 + 0002 + 0102 + 0300 = 0c05.
  EXPECT_EQ(wire::load_be16(&out[2]), 0xffff - 0x0c05);
  EXPECT_TRUE(IcmpView::parse(out));
}

}  // namespace
}  // namespace percore::testing
