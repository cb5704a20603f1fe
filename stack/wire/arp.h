// ARP (RFC 826) for IPv4 over Ethernet, the only kind percore speaks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>

#include "stack/wire/addr.h"
#include "stack/wire/bytes.h"
#include "stack/wire/parse_error.h"

namespace percore::wire {

enum class ArpOp : std::uint16_t { Request = 1, Reply = 2 };

class ArpView {
 public:
  // Truncated below 28 bytes; Unsupported unless hardware type Ethernet (1),
  // protocol IPv4 (0x0800), and address lengths 6 and 4. Bytes past the 28
  // (Ethernet padding) are ignored.
  static std::expected<ArpView, ParseError> parse(Bytes packet);

  std::uint16_t op() const { return load_be16(packet_.data() + 6); }
  MacAddr sender_mac() const { return load_mac(packet_.data() + 8); }
  Ipv4Addr sender_ip() const { return load_ipv4(packet_.data() + 14); }
  MacAddr target_mac() const { return load_mac(packet_.data() + 18); }
  Ipv4Addr target_ip() const { return load_ipv4(packet_.data() + 24); }

 private:
  explicit ArpView(Bytes packet) : packet_(packet) {}
  Bytes packet_;
};

struct ArpRepr {
  ArpOp op = ArpOp::Request;
  MacAddr sender_mac;
  Ipv4Addr sender_ip;
  MacAddr target_mac;
  Ipv4Addr target_ip;

  // Unsupported for operations other than request and reply (RARP, InARP).
  static std::expected<ArpRepr, ParseError> parse(const ArpView& view);
  static constexpr std::size_t buffer_len() { return 28; }
  void emit(MutBytes out) const;

  friend bool operator==(const ArpRepr&, const ArpRepr&) = default;
};

}  // namespace percore::wire
