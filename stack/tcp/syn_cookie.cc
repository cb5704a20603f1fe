#include "stack/tcp/syn_cookie.h"

namespace percore::tcp {
namespace {

constexpr std::uint32_t kMacMask = 0x00ffffff;
constexpr unsigned kMssShift = 24;
constexpr unsigned kSlotShift = 27;
// TSval low bits: 4 for the window scale (15 = none), 1 for SACK-permitted.
constexpr std::uint32_t kTsOptionBits = 5;
constexpr std::uint32_t kNoWscale = 15;

}  // namespace

std::uint32_t SynCookies::slot(Instant now) const {
  return static_cast<std::uint32_t>(now.time_since_epoch() / kSlot) & 0x1f;
}

std::uint32_t SynCookies::mac(const FourTuple& tuple, wire::Seq peer_isn,
                              std::uint32_t slot) const {
  return hash_.hash(tuple, peer_isn.raw() ^ (slot << 27) ^ 0x5ca1ab1e) & kMacMask;
}

wire::Seq SynCookies::make(const FourTuple& tuple, const wire::TcpRepr& syn, Instant now) const {
  // The largest table MSS not above the peer's (RFC 4987: a coarse MSS).
  const std::uint16_t peer_mss = syn.options.mss.value_or(536);
  std::uint32_t index = 0;
  for (std::uint32_t i = 0; i < std::size(kMssTable); ++i)
    if (kMssTable[i] <= peer_mss) index = i;
  const std::uint32_t s = slot(now);
  return wire::Seq((s << kSlotShift) | (index << kMssShift) | mac(tuple, syn.seq, s));
}

std::uint32_t SynCookies::tsval(const wire::TcpRepr& syn, std::uint32_t clock_ms) const {
  const std::uint32_t ws = syn.options.window_scale ? std::min<std::uint32_t>(*syn.options.window_scale, 14) : kNoWscale;
  const std::uint32_t bits = ws | (syn.options.sack_permitted ? 1u << 4 : 0u);
  return (clock_ms & ~((1u << kTsOptionBits) - 1)) | bits;
}

std::optional<CookieOptions> SynCookies::check(const FourTuple& tuple, const wire::TcpRepr& ack,
                                               Instant now) const {
  const std::uint32_t cookie = (ack.ack - 1).raw();
  const wire::Seq peer_isn = ack.seq - 1;
  const std::uint32_t s = cookie >> kSlotShift;
  const std::uint32_t current = slot(now);
  // Valid for the current and the previous slot (64 to 128 s), as Linux.
  if (s != current && s != ((current - 1) & 0x1f)) return std::nullopt;
  if ((cookie & kMacMask) != mac(tuple, peer_isn, s)) return std::nullopt;
  const std::uint32_t index = (cookie >> kMssShift) & 0x7;
  if (index >= std::size(kMssTable)) return std::nullopt;
  CookieOptions opts{.mss = kMssTable[index]};
  if (ack.options.timestamps) {
    const std::uint32_t bits = ack.options.timestamps->ecr & ((1u << kTsOptionBits) - 1);
    opts.timestamps = true;
    if ((bits & 0xf) != kNoWscale) opts.window_scale = static_cast<std::uint8_t>(bits & 0xf);
    opts.sack_permitted = (bits & 0x10) != 0;
  }
  return opts;
}

}  // namespace percore::tcp
