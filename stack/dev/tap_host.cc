#include "stack/dev/tap_host.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace percore::dev {
namespace {

sockaddr_in to_sockaddr(wire::Ipv4Addr addr) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(addr.value);
  return sin;
}

}  // namespace

std::expected<void, std::string> configure_tap_host(const std::string& iface,
                                                    const wire::Ipv4Cidr& host_addr) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::unexpected(absl::StrCat("socket: ", std::strerror(errno)));
  auto fail = [&](const char* what) {
    std::string msg = absl::StrCat("TAP ", iface, ": ", what, ": ", std::strerror(errno));
    ::close(fd);
    return std::unexpected(std::move(msg));
  };
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, iface.c_str(), IFNAMSIZ - 1);
  sockaddr_in addr = to_sockaddr(host_addr.addr);
  std::memcpy(&ifr.ifr_addr, &addr, sizeof addr);
  if (::ioctl(fd, SIOCSIFADDR, &ifr) < 0) return fail("set address");
  sockaddr_in mask = to_sockaddr(wire::Ipv4Addr{host_addr.netmask()});
  std::memcpy(&ifr.ifr_netmask, &mask, sizeof mask);
  if (::ioctl(fd, SIOCSIFNETMASK, &ifr) < 0) return fail("set netmask");
  if (::ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) return fail("get flags");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (::ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) return fail("bring up");
  ::close(fd);
  return {};
}

}  // namespace percore::dev
