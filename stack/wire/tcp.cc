#include "stack/wire/tcp.h"

#include <rte_byteorder.h>
#include <rte_tcp.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "stack/wire/ipv4.h"

namespace percore::wire {
namespace {

constexpr auto kTcp = static_cast<std::uint8_t>(IpProto::Tcp);

static_assert(sizeof(rte_tcp_hdr) == kTcpHeaderLen);
static_assert(offsetof(rte_tcp_hdr, sent_seq) == 4);
static_assert(offsetof(rte_tcp_hdr, data_off) == 12);
static_assert(offsetof(rte_tcp_hdr, rx_win) == 14);
static_assert(offsetof(rte_tcp_hdr, cksum) == 16);
static_assert(TcpFlag::kSyn == RTE_TCP_SYN_FLAG && TcpFlag::kCwr == RTE_TCP_CWR_FLAG);

constexpr std::size_t kMssLen = 4;
constexpr std::size_t kWindowScaleLen = 3;
constexpr std::size_t kSackPermittedLen = 2;
constexpr std::size_t kTimestampsLen = 10;
constexpr std::size_t kSackBlockLen = 8;
// Every option is padded with leading NOPs to a 32-bit word, as Linux does.
constexpr std::size_t kAlignedSackHeaderLen = 4;

// Each option's length once padded to 32 bits in Linux's layout.
std::size_t emitted_len_without_sack(const TcpOptions& o) {
  std::size_t len = o.mss ? 4 : 0;
  if (o.timestamps)
    len += 12;
  else if (o.sack_permitted)
    len += 4;
  if (o.window_scale) len += 4;
  return len;
}

}  // namespace

std::expected<TcpOptions, ParseError> TcpOptions::parse(Bytes options) {
  using namespace TcpOptionKind;
  TcpOptions o;
  std::size_t i = 0;
  while (i < options.size()) {
    const std::uint8_t kind = options[i];
    if (kind == kEol) break;
    if (kind == kNop) {
      ++i;
      continue;
    }
    if (i + 1 >= options.size()) return std::unexpected(ParseError::BadOptionLength);
    const std::size_t len = options[i + 1];
    if (len < 2 || len > options.size() - i) return std::unexpected(ParseError::BadOptionLength);
    const std::uint8_t* value = options.data() + i + 2;
    switch (kind) {
      case kMss:
        if (len != kMssLen) return std::unexpected(ParseError::BadOptionLength);
        o.mss = load_be16(value);
        break;
      case kWindowScale:
        if (len != kWindowScaleLen) return std::unexpected(ParseError::BadOptionLength);
        o.window_scale = value[0];
        break;
      case kSackPermitted:
        if (len != kSackPermittedLen) return std::unexpected(ParseError::BadOptionLength);
        o.sack_permitted = true;
        break;
      case kSack: {
        const std::size_t blocks = (len - 2) / kSackBlockLen;
        if ((len - 2) % kSackBlockLen != 0 || blocks < 1 || blocks > o.sack.size())
          return std::unexpected(ParseError::BadOptionLength);
        for (std::size_t b = 0; b < blocks; ++b) {
          const std::uint8_t* block = value + b * kSackBlockLen;
          o.sack[b] = {Seq(load_be32(block)), Seq(load_be32(block + 4))};
        }
        o.sack_count = static_cast<std::uint8_t>(blocks);
        break;
      }
      case kTimestamps:
        if (len != kTimestampsLen) return std::unexpected(ParseError::BadOptionLength);
        o.timestamps = TcpTimestamps{load_be32(value), load_be32(value + 4)};
        break;
      default:
        // RFC 9293 3.1: an option we do not implement is skipped by its length.
        break;
    }
    i += len;
  }
  return o;
}

std::uint8_t TcpOptions::emitted_sack_count() const {
  const std::size_t room = kTcpMaxOptionsLen - emitted_len_without_sack(*this);
  if (room < kAlignedSackHeaderLen + kSackBlockLen) return 0;
  const std::size_t fit = (room - kAlignedSackHeaderLen) / kSackBlockLen;
  return static_cast<std::uint8_t>(std::min({std::size_t{sack_count}, fit, sack.size()}));
}

std::size_t TcpOptions::emitted_len() const {
  const std::size_t blocks = emitted_sack_count();
  return emitted_len_without_sack(*this) +
         (blocks > 0 ? kAlignedSackHeaderLen + blocks * kSackBlockLen : 0);
}

void TcpOptions::emit(MutBytes out) const {
  using namespace TcpOptionKind;
  assert(out.size() >= emitted_len());
  std::uint8_t* p = out.data();
  if (mss) {
    p[0] = kMss;
    p[1] = kMssLen;
    store_be16(p + 2, *mss);
    p += 4;
  }
  if (timestamps) {
    // Linux puts SACK-permitted in the two bytes that would be NOP padding.
    if (sack_permitted) {
      p[0] = kSackPermitted;
      p[1] = kSackPermittedLen;
    } else {
      p[0] = p[1] = kNop;
    }
    p[2] = kTimestamps;
    p[3] = kTimestampsLen;
    store_be32(p + 4, timestamps->val);
    store_be32(p + 8, timestamps->ecr);
    p += 12;
  } else if (sack_permitted) {
    p[0] = p[1] = kNop;
    p[2] = kSackPermitted;
    p[3] = kSackPermittedLen;
    p += 4;
  }
  if (window_scale) {
    p[0] = kNop;
    p[1] = kWindowScale;
    p[2] = kWindowScaleLen;
    p[3] = *window_scale;
    p += 4;
  }
  if (const std::size_t blocks = emitted_sack_count(); blocks > 0) {
    p[0] = p[1] = kNop;
    p[2] = kSack;
    p[3] = static_cast<std::uint8_t>(2 + blocks * kSackBlockLen);
    p += 4;
    for (std::size_t b = 0; b < blocks; ++b) {
      store_be32(p, sack[b].left.raw());
      store_be32(p + 4, sack[b].right.raw());
      p += kSackBlockLen;
    }
  }
}

std::expected<TcpView, ParseError> TcpView::parse(Bytes segment, Ipv4Addr src, Ipv4Addr dst,
                                                  ChecksumCheck check) {
  if (segment.size() < kTcpHeaderLen) return std::unexpected(ParseError::Truncated);
  const std::size_t header_len = (segment[12] >> 4) * 4u;
  if (header_len < kTcpHeaderLen) return std::unexpected(ParseError::BadHeaderLength);
  if (header_len > segment.size()) return std::unexpected(ParseError::Truncated);
  if (check == ChecksumCheck::Verify && ipv4_l4_checksum(src, dst, kTcp, segment) != 0)
    return std::unexpected(ParseError::BadChecksum);
  return TcpView(segment);
}

std::expected<TcpRepr, ParseError> TcpRepr::parse(const TcpView& view) {
  auto options = TcpOptions::parse(view.options());
  if (!options) return std::unexpected(options.error());
  return TcpRepr{.src_port = view.src_port(),
                 .dst_port = view.dst_port(),
                 .seq = view.seq(),
                 .ack = view.ack(),
                 .flags = view.flags(),
                 .window = view.window(),
                 .urgent = view.urgent(),
                 .options = *options,
                 .payload = view.payload()};
}

void TcpRepr::emit(MutBytes out, Ipv4Addr src, Ipv4Addr dst, ChecksumFill fill) const {
  const std::size_t hlen = header_len();
  const std::size_t len = hlen + payload.size();
  assert(out.size() >= len && len <= 0xffff);
  rte_tcp_hdr h;
  h.src_port = rte_cpu_to_be_16(src_port);
  h.dst_port = rte_cpu_to_be_16(dst_port);
  h.sent_seq = rte_cpu_to_be_32(seq.raw());
  h.recv_ack = rte_cpu_to_be_32(ack.raw());
  h.data_off = static_cast<std::uint8_t>((hlen / 4) << 4);
  h.tcp_flags = flags;
  h.rx_win = rte_cpu_to_be_16(window);
  h.cksum = 0;
  h.tcp_urp = rte_cpu_to_be_16(urgent);
  std::memcpy(out.data(), &h, sizeof h);
  options.emit(out.subspan(kTcpHeaderLen, hlen - kTcpHeaderLen));
  // memmove: the payload may already sit in place behind the header.
  if (!payload.empty()) std::memmove(out.data() + hlen, payload.data(), payload.size());
  const std::uint16_t cksum =
      fill == ChecksumFill::Offload
          ? ipv4_pseudo_header_sum(src, dst, kTcp, static_cast<std::uint16_t>(len))
          : ipv4_l4_checksum(src, dst, kTcp, out.first(len));
  store_be16(out.data() + 16, cksum);
}

}  // namespace percore::wire
