#include "stack/dev/faults.h"

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace percore::dev {
namespace {

constexpr std::uint32_t kEtherLen = sizeof(rte_ether_hdr);  // 14
constexpr Duration kMaxDelay = 10s;

// Offloads after which the device rewrites the frame in ways a software
// checksum cannot anticipate (segmentation, tunnels, SCTP's CRC32c): frames
// asking for them are left uncorrupted.
constexpr std::uint64_t kUncorruptibleTx =
    RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_UDP_SEG | RTE_MBUF_F_TX_TUNNEL_MASK |
    RTE_MBUF_F_TX_OUTER_IP_CKSUM | RTE_MBUF_F_TX_OUTER_UDP_CKSUM | RTE_MBUF_F_TX_SEC_OFFLOAD;

std::optional<double> parse_number(absl::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::expected<double, std::string> parse_probability(absl::string_view key,
                                                     absl::string_view value) {
  const bool percent = absl::EndsWith(value, "%");
  const auto number = parse_number(percent ? value.substr(0, value.size() - 1) : value);
  if (!number) return std::unexpected(absl::StrCat(key, "=", value, " is not a number"));
  if (percent) {
    if (*number < 0 || *number > 100) {
      return std::unexpected(absl::StrCat(key, "=", value, " is out of range (0..100%)"));
    }
    return *number / 100;
  }
  if (*number < 0 || *number > 1) {
    return std::unexpected(absl::StrCat(key, "=", value,
                                        " is out of range (a fraction 0..1 or a percentage "
                                        "such as 5%)"));
  }
  return *number;
}

std::expected<Duration, std::string> parse_delay(absl::string_view value) {
  if (!absl::ascii_isalpha(static_cast<unsigned char>(value.back()))) {
    return std::unexpected(absl::StrCat("delay=", value, " needs a unit (us, ms or s)"));
  }
  static constexpr std::pair<absl::string_view, double> kUnits[] = {
      {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
  const auto* unit = std::find_if(std::begin(kUnits), std::end(kUnits),
                                  [&](const auto& u) { return absl::EndsWith(value, u.first); });
  if (unit == std::end(kUnits)) {
    std::size_t unit_at = value.size();
    while (unit_at > 0 && absl::ascii_isalpha(static_cast<unsigned char>(value[unit_at - 1]))) {
      --unit_at;
    }
    return std::unexpected(absl::StrCat("delay=", value, " has an unknown unit '",
                                        value.substr(unit_at), "' (us, ms or s)"));
  }
  const auto number = parse_number(value.substr(0, value.size() - unit->first.size()));
  if (!number) return std::unexpected(absl::StrCat("delay=", value, " is not a number"));
  const double ns = std::round(*number * unit->second);
  if (ns < 0 || ns > static_cast<double>(kMaxDelay.count())) {
    return std::unexpected(absl::StrCat("delay=", value, " is out of range (0..10s)"));
  }
  return Duration(static_cast<Duration::rep>(ns));
}

std::string format_probability(absl::string_view key, double p) {
  return absl::StrFormat("%s=%g%%", key, p * 100);
}

std::string format_delay(Duration d) {
  if (d % 1s == Duration::zero()) return absl::StrCat("delay=", d / 1s, "s");
  if (d % 1ms == Duration::zero()) return absl::StrCat("delay=", d / 1ms, "ms");
  if (d % 1us == Duration::zero()) return absl::StrCat("delay=", d / 1us, "us");
  return absl::StrCat("delay=", d.count(), "ns");
}

// True when some segment's data is also reachable from another mbuf (a clone
// kept on a retransmission queue, an external buffer): writing to it would
// corrupt that holder's copy too.
bool shares_data(const rte_mbuf* frame) {
  for (const rte_mbuf* seg = frame; seg != nullptr; seg = seg->next) {
    if (!RTE_MBUF_DIRECT(seg) || rte_mbuf_refcnt_read(seg) > 1) return true;
  }
  return false;
}

std::uint8_t* byte_at(rte_mbuf* frame, std::uint32_t offset) {
  for (rte_mbuf* seg = frame; seg != nullptr; seg = seg->next) {
    if (offset < seg->data_len) return rte_pktmbuf_mtod_offset(seg, std::uint8_t*, offset);
    offset -= seg->data_len;
  }
  return nullptr;
}

// The IPv4 packet's end in the frame: total_length when the header is
// plausible, else the frame's end. Ethernet padding lies outside every
// checksum, so a bit flipped there would go unnoticed.
std::uint32_t ipv4_end(const rte_mbuf* frame) {
  const std::uint32_t frame_len = rte_pktmbuf_pkt_len(frame);
  rte_be16_t total_be;
  const auto* total = static_cast<const rte_be16_t*>(
      rte_pktmbuf_read(frame, kEtherLen + offsetof(rte_ipv4_hdr, total_length), 2, &total_be));
  if (total == nullptr) return frame_len;
  const std::uint32_t total_length = rte_be_to_cpu_16(*total);
  if (total_length < sizeof(rte_ipv4_hdr) || kEtherLen + total_length > frame_len) return frame_len;
  return kEtherLen + total_length;
}

// Computes in software the checksums the frame asks the device for, and
// clears those requests. The frame must not share its data, and its headers
// must lie in the first segment. False when the headers do not describe the
// frame (it is then left as it was).
bool checksum_in_software(rte_mbuf* frame) {
  const std::uint64_t l4_request = frame->ol_flags & RTE_MBUF_F_TX_L4_MASK;
  const std::uint32_t first_len = frame->data_len;
  if (first_len < kEtherLen + sizeof(rte_ipv4_hdr)) return false;
  auto* ip = rte_pktmbuf_mtod_offset(frame, rte_ipv4_hdr*, kEtherLen);
  const std::uint32_t ip_header_len = rte_ipv4_hdr_len(ip);
  const std::uint32_t total_length = rte_be_to_cpu_16(ip->total_length);
  if ((ip->version_ihl >> 4) != 4 || ip_header_len < sizeof(rte_ipv4_hdr) ||
      kEtherLen + ip_header_len > first_len || total_length < ip_header_len ||
      kEtherLen + total_length > rte_pktmbuf_pkt_len(frame)) {
    return false;
  }
  const std::uint32_t l4_offset = kEtherLen + ip_header_len;
  const std::uint32_t l4_header_len = l4_request == RTE_MBUF_F_TX_TCP_CKSUM   ? sizeof(rte_tcp_hdr)
                                      : l4_request == RTE_MBUF_F_TX_UDP_CKSUM ? sizeof(rte_udp_hdr)
                                                                              : 0;
  if (l4_offset + l4_header_len > std::min(first_len, kEtherLen + total_length)) return false;

  if (frame->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) {
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
  }
  if (l4_request == RTE_MBUF_F_TX_TCP_CKSUM) {
    auto* tcp = rte_pktmbuf_mtod_offset(frame, rte_tcp_hdr*, l4_offset);
    tcp->cksum = 0;
    tcp->cksum = rte_ipv4_udptcp_cksum_mbuf(frame, ip, static_cast<std::uint16_t>(l4_offset));
  } else if (l4_request == RTE_MBUF_F_TX_UDP_CKSUM) {
    auto* udp = rte_pktmbuf_mtod_offset(frame, rte_udp_hdr*, l4_offset);
    udp->dgram_cksum = 0;
    udp->dgram_cksum = rte_ipv4_udptcp_cksum_mbuf(frame, ip, static_cast<std::uint16_t>(l4_offset));
  }
  frame->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK);
  return true;
}

}  // namespace

std::expected<FaultSpec, std::string> FaultSpec::parse(std::string_view input) {
  FaultSpec spec;
  // Debian's abseil has its own string_view type.
  const absl::string_view text = absl::StripAsciiWhitespace({input.data(), input.size()});
  if (text.empty() || text == "none") return spec;
  bool seen[6] = {};
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (item.empty()) return std::unexpected(absl::StrCat("empty item in '", text, "'"));
    const std::size_t eq = item.find('=');
    if (eq == absl::string_view::npos) {
      return std::unexpected(
          absl::StrCat("fault '", item, "' has no value (write ", item, "=...)"));
    }
    const absl::string_view key = absl::StripAsciiWhitespace(item.substr(0, eq));
    const absl::string_view value = absl::StripAsciiWhitespace(item.substr(eq + 1));
    static constexpr absl::string_view kKeys[] = {"loss",    "reorder", "dup",
                                                  "corrupt", "delay",   "seed"};
    const auto* known = std::find(std::begin(kKeys), std::end(kKeys), key);
    if (known == std::end(kKeys)) {
      return std::unexpected(absl::StrCat("unknown fault '", key,
                                          "' (known: loss, reorder, dup, corrupt, delay, seed)"));
    }
    bool& given = seen[known - std::begin(kKeys)];
    if (given) return std::unexpected(absl::StrCat(key, " is given twice"));
    given = true;
    if (value.empty()) return std::unexpected(absl::StrCat(key, "= has no value"));

    if (key == "delay") {
      auto delay = parse_delay(value);
      if (!delay) return std::unexpected(std::move(delay.error()));
      spec.delay = *delay;
    } else if (key == "seed") {
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), spec.seed);
      if (ec != std::errc() || end != value.data() + value.size()) {
        return std::unexpected(absl::StrCat("seed=", value, " is not an unsigned integer"));
      }
    } else {
      auto p = parse_probability(key, value);
      if (!p) return std::unexpected(std::move(p.error()));
      double& field = key == "loss"      ? spec.loss
                      : key == "reorder" ? spec.reorder
                      : key == "dup"     ? spec.dup
                                         : spec.corrupt;
      field = *p;
    }
  }
  return spec;
}

bool FaultSpec::any() const {
  return loss > 0 || reorder > 0 || dup > 0 || corrupt > 0 || delay > Duration::zero();
}

std::string FaultSpec::to_string() const {
  if (!any()) return "none";
  std::vector<std::string> items;
  if (loss > 0) items.push_back(format_probability("loss", loss));
  if (reorder > 0) items.push_back(format_probability("reorder", reorder));
  if (dup > 0) items.push_back(format_probability("dup", dup));
  if (corrupt > 0) items.push_back(format_probability("corrupt", corrupt));
  if (delay > Duration::zero()) items.push_back(format_delay(delay));
  items.push_back(absl::StrCat("seed=", seed));
  return absl::StrJoin(items, ",");
}

FaultInjector::FaultInjector(const FaultSpec& spec, rte_mempool* pool)
    : spec_(spec), pool_(pool), rng_(spec.seed) {}

FaultInjector::~FaultInjector() {
  for (const Held& h : delayed_) rte_pktmbuf_free(h.frame);
  for (rte_mbuf* frame : reorder_slot_) rte_pktmbuf_free(frame);
}

bool FaultInjector::chance(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  // 53 random bits as a double in [0, 1): the same sequence on every platform,
  // unlike std::uniform_real_distribution.
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53 < p;
}

void FaultInjector::apply(std::span<rte_mbuf* const> in, std::vector<rte_mbuf*>& out, Instant now) {
  release(now, out);
  for (rte_mbuf* frame : in) {
    ++stats_.frames;
    if (chance(spec_.loss)) {
      ++stats_.lost;
      rte_pktmbuf_free(frame);
      continue;
    }
    if (chance(spec_.corrupt)) corrupt(frame);
    // Duplicate after corrupting, so both copies carry the same bytes.
    absl::InlinedVector<rte_mbuf*, 2> copies = {frame};
    if (chance(spec_.dup)) {
      if (rte_mbuf* copy = rte_pktmbuf_copy(frame, pool_, 0, UINT32_MAX)) {
        ++stats_.duplicated;
        copies.push_back(copy);
      } else {
        ++stats_.alloc_failed;
      }
    }
    // The frame after a reordered one is its follower and is never held itself,
    // so reorder=100% swaps pairs.
    if (reorder_slot_.empty() && chance(spec_.reorder)) {
      ++stats_.reordered;
      for (rte_mbuf* f : copies) {
        make_room(out);
        reorder_slot_.push_back(f);
      }
      reorder_due_ = now + kReorderTimeout + spec_.delay;
      continue;
    }
    const Instant due = now + spec_.delay;
    for (rte_mbuf* f : copies) forward(f, due, now, out);
    for (rte_mbuf* f : reorder_slot_) forward(f, due, now, out);
    reorder_slot_.clear();
  }
}

void FaultInjector::forward(rte_mbuf* frame, Instant due, Instant now,
                            std::vector<rte_mbuf*>& out) {
  if (due <= now && delayed_.empty()) {
    out.push_back(frame);
    return;
  }
  make_room(out);
  // Due times never decrease, so the queue stays in leaving order even if
  // `now` steps back.
  if (!delayed_.empty()) due = std::max(due, delayed_.back().due);
  delayed_.push_back({frame, due});
  ++stats_.delayed;
}

void FaultInjector::make_room(std::vector<rte_mbuf*>& out) {
  // The slot holds at most two frames, so the queue is never empty here.
  while (held() >= kMaxHeld && !delayed_.empty()) {
    out.push_back(delayed_.front().frame);
    delayed_.pop_front();
    ++stats_.overflowed;
  }
}

void FaultInjector::release(Instant now, std::vector<rte_mbuf*>& out) {
  // Every queued frame arrived before the slot's frame (a later arrival would
  // have released the slot), so the queue goes first.
  while (!delayed_.empty() && delayed_.front().due <= now) {
    out.push_back(delayed_.front().frame);
    delayed_.pop_front();
  }
  if (!reorder_slot_.empty() && reorder_due_ <= now) {
    out.insert(out.end(), reorder_slot_.begin(), reorder_slot_.end());
    reorder_slot_.clear();
  }
}

std::optional<Instant> FaultInjector::next_release() const {
  std::optional<Instant> next;
  if (!delayed_.empty()) next = delayed_.front().due;
  if (!reorder_slot_.empty()) next = next ? std::min(*next, reorder_due_) : reorder_due_;
  return next;
}

void FaultInjector::corrupt(rte_mbuf*& frame) {
  const std::uint32_t frame_len = rte_pktmbuf_pkt_len(frame);
  if (frame_len <= kEtherLen) return;
  // Only IPv4 is corrupted: a flipped bit in ARP would be believed (nothing
  // checks it) and poison a neighbour cache instead of testing recovery.
  rte_be16_t type_be;
  const auto* type = static_cast<const rte_be16_t*>(
      rte_pktmbuf_read(frame, offsetof(rte_ether_hdr, ether_type), 2, &type_be));
  if (type == nullptr || rte_be_to_cpu_16(*type) != RTE_ETHER_TYPE_IPV4) return;
  if ((frame->ol_flags & kUncorruptibleTx) ||
      (frame->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_SCTP_CKSUM) {
    return;
  }

  // With checksum offload the device would checksum the corrupted bytes and
  // hide the damage; merely clearing the flags would leave the pseudo-header
  // sum in the TCP/UDP field, which could by chance be right. So the
  // checksums are computed in software over the intact bytes first: a single
  // flipped bit changes a one's-complement sum by +-2^k, never by a multiple
  // of 0xffff, so the receiver's verification always fails.
  const bool offloaded = frame->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK);
  constexpr std::uint32_t kHeadersLen = kEtherLen + 60 + 60;  // maximal IPv4 + TCP headers
  const bool split_headers = frame->data_len < std::min(frame_len, kHeadersLen);
  if (shares_data(frame) || (offloaded && split_headers)) {
    rte_mbuf* copy = rte_pktmbuf_copy(frame, pool_, 0, UINT32_MAX);
    if (copy == nullptr) {
      ++stats_.alloc_failed;
      return;
    }
    rte_pktmbuf_free(frame);
    frame = copy;
  }
  if (offloaded && !checksum_in_software(frame)) return;

  const std::uint32_t end = ipv4_end(frame);
  const auto offset = static_cast<std::uint32_t>(kEtherLen + rng_() % (end - kEtherLen));
  const auto bit = static_cast<unsigned>(rng_() % 8);
  *byte_at(frame, offset) ^= static_cast<std::uint8_t>(1u << bit);
  // The device's verdict on rx described the intact bytes: make the stack
  // verify in software.
  frame->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
  ++stats_.corrupted;
}

}  // namespace percore::dev
