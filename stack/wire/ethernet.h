// Ethernet II frames (IEEE 802.3 with an EtherType). percore sends and
// receives untagged frames only; the FCS is the NIC's business.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>

#include "stack/wire/addr.h"
#include "stack/wire/bytes.h"
#include "stack/wire/parse_error.h"

namespace percore::wire {

inline constexpr std::size_t kEthernetHeaderLen = 14;

enum class EtherType : std::uint16_t { Ipv4 = 0x0800, Arp = 0x0806, Ipv6 = 0x86dd };

class EthernetView {
 public:
  // Truncated when the frame is shorter than the header.
  static std::expected<EthernetView, ParseError> parse(Bytes frame);

  MacAddr dst() const { return load_mac(frame_.data()); }
  MacAddr src() const { return load_mac(frame_.data() + 6); }
  // A raw number: anything may arrive, not just the EtherType values we name.
  std::uint16_t ethertype() const { return load_be16(frame_.data() + 12); }
  // Everything after the header, including any padding to the 60-byte minimum.
  Bytes payload() const { return frame_.subspan(kEthernetHeaderLen); }

 private:
  explicit EthernetView(Bytes frame) : frame_(frame) {}
  Bytes frame_;
};

struct EthernetRepr {
  MacAddr dst;
  MacAddr src;
  std::uint16_t ethertype = 0;

  static EthernetRepr parse(const EthernetView& view);
  static constexpr std::size_t buffer_len() { return kEthernetHeaderLen; }
  // Writes the header into out[0, buffer_len()).
  void emit(MutBytes out) const;

  friend bool operator==(const EthernetRepr&, const EthernetRepr&) = default;
};

}  // namespace percore::wire
