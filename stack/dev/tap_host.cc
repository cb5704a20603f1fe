#include "stack/dev/tap_host.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

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

std::expected<int, std::string> claim_tap(const std::string& iface) {
  const std::string path = absl::StrCat("/run/lock/percore-tap-", iface, ".lock");
  // Readable by all: a process with CAP_NET_ADMIN need not be root's
  // (redis as user redis), and flock needs only a descriptor, not writing.
  // Created only when missing: with fs.protected_regular (Debian's default
  // 2), O_CREAT on another user's file in the sticky /run/lock is EACCES
  // even for root.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(absl::StrCat("TAP ", iface, ": ", path, ": ", std::strerror(errno)));
  struct stat st{};
  if (::fstat(fd, &st) == 0 && st.st_uid == ::geteuid() && (st.st_mode & 0777) != 0644)
    ::fchmod(fd, 0644);
  // A process that is exiting (nginx's old worker after a reload) lets go
  // within moments, and its interface goes when its last descriptor closes.
  constexpr int kTries = 200;
  constexpr timespec kPause{0, 10'000'000};  // 10 ms: 2 s in all
  bool locked = false;
  for (int i = 0; i < kTries; ++i) {
    locked = locked || ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (locked && ::if_nametoindex(iface.c_str()) == 0) return fd;
    ::nanosleep(&kPause, nullptr);
  }
  ::close(fd);
  if (!locked)
    return std::unexpected(absl::StrCat("TAP interface ", iface,
                                        " is another process's stack (one process per TAP "
                                        "device; workers that share a device need af_packet)"));
  return std::unexpected(absl::StrCat("TAP interface ", iface, " exists and is not percore's"));
}

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
