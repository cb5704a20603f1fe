// Which DPDK device a process drives, parsed from PERCORE_DEV, and the EAL
// arguments that create it.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace percore::dev {

enum class DeviceKind { Tap, AfPacket, AfXdp, Memif, Pci };

struct DeviceSpec {
  DeviceKind kind = DeviceKind::Tap;
  std::string iface;        // af_packet/af_xdp: the kernel interface; tap: the TAP's name
  std::string memif_path;   // memif: the control socket path
  bool memif_server = false;
  std::string pci_address;  // pci: the BDF, e.g. 0000:3b:00.0

  // "tap", "tap:NAME", "af_packet:IFACE", "af_xdp:IFACE",
  // "memif:PATH,role=server|client", "pci:BDF". The error names what is wrong.
  static std::expected<DeviceSpec, std::string> parse(std::string_view text);

  // EAL arguments that create or select this device with `queues` queue pairs.
  std::vector<std::string> eal_args(unsigned queues) const;
  std::string to_string() const;
};

inline constexpr std::string_view kDefaultTapName = "pctap0";

}  // namespace percore::dev
