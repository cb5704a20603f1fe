#include "stack/dev/device.h"

#include <net/if.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "stack/core/text.h"

namespace percore::dev {
namespace {

bool valid_iface(std::string_view name) {
  if (name.empty() || name.size() >= IFNAMSIZ) return false;
  for (char c : name)
    if (c == '/' || c == ',' || c == '=' || c == ':' || c <= ' ') return false;
  return true;
}

}  // namespace

std::expected<DeviceSpec, std::string> DeviceSpec::parse(std::string_view text) {
  auto colon = text.find(':');
  std::string_view kind = text.substr(0, colon);
  std::string_view rest = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  DeviceSpec spec;
  if (kind == "tap") {
    spec.kind = DeviceKind::Tap;
    spec.iface = rest.empty() ? std::string(kDefaultTapName) : std::string(rest);
    if (!valid_iface(spec.iface)) return std::unexpected(absl::StrCat("bad TAP name '", absl_view(rest), "'"));
    return spec;
  }
  if (kind == "af_packet" || kind == "af_xdp") {
    spec.kind = kind == "af_packet" ? DeviceKind::AfPacket : DeviceKind::AfXdp;
    if (!valid_iface(rest))
      return std::unexpected(absl::StrCat("'", absl_view(text), "' needs an interface name: ", absl_view(kind), ":IFACE"));
    spec.iface = rest;
    return spec;
  }
  if (kind == "memif") {
    spec.kind = DeviceKind::Memif;
    std::vector<absl::string_view> parts = absl::StrSplit(absl_view(rest), ',');
    if (parts.empty() || parts[0].empty() || !absl::StartsWith(parts[0], "/"))
      return std::unexpected("memif needs an absolute socket path: memif:PATH,role=server|client");
    spec.memif_path = std::string(parts[0]);
    bool have_role = false;
    for (size_t i = 1; i < parts.size(); ++i) {
      if (parts[i] == "role=server" || parts[i] == "role=client") {
        spec.memif_server = parts[i] == "role=server";
        have_role = true;
      } else {
        return std::unexpected(absl::StrCat("unknown memif option '", parts[i], "'"));
      }
    }
    if (!have_role) return std::unexpected("memif needs role=server or role=client");
    return spec;
  }
  if (kind == "pci") {
    spec.kind = DeviceKind::Pci;
    if (rest.empty()) return std::unexpected("pci needs a device address: pci:BDF");
    spec.pci_address = rest;
    return spec;
  }
  return std::unexpected(absl::StrCat("unknown device '", absl_view(text),
                                      "' (expected tap, af_packet:IFACE, af_xdp:IFACE, "
                                      "memif:PATH,role=server|client or pci:BDF)"));
}

std::vector<std::string> DeviceSpec::eal_args(unsigned queues) const {
  switch (kind) {
    case DeviceKind::Tap:
      return {"--no-pci", "--vdev", absl::StrCat("net_tap0,iface=", iface)};
    case DeviceKind::AfPacket:
      // The kernel drops what arrives while the receive ring is full, and
      // the PMD's default ring of 512 frames overflows when a server's
      // clients all send at once: 5,000 keep-alive requests to nginx
      // (integration/47-nginx-load.sh) took 2-8 s a round, most of them in
      // the clients' retransmission timeouts, and 0.35 s with 4,096 frames
      // (2 KiB each: 8 MiB per ring, a receive and a transmit ring per queue).
      return {"--no-pci", "--vdev",
              absl::StrCat("net_af_packet0,iface=", iface, ",qpairs=", queues, ",framecnt=4096")};
    case DeviceKind::AfXdp:
      return {"--no-pci", "--vdev",
              absl::StrCat("net_af_xdp0,iface=", iface, ",start_queue=0,queue_count=", queues)};
    case DeviceKind::Memif:
      return {"--no-pci", "--vdev",
              absl::StrCat("net_memif0,role=", memif_server ? "server" : "client",
                           ",socket=", memif_path)};
    case DeviceKind::Pci:
      return {"-a", pci_address};
  }
  return {};
}

std::string DeviceSpec::to_string() const {
  switch (kind) {
    case DeviceKind::Tap: return absl::StrCat("tap:", iface);
    case DeviceKind::AfPacket: return absl::StrCat("af_packet:", iface);
    case DeviceKind::AfXdp: return absl::StrCat("af_xdp:", iface);
    case DeviceKind::Memif:
      return absl::StrCat("memif:", memif_path, ",role=", memif_server ? "server" : "client");
    case DeviceKind::Pci: return absl::StrCat("pci:", pci_address);
  }
  return "?";
}

}  // namespace percore::dev
