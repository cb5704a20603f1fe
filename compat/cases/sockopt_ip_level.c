// IP-level options on a TCP socket: IP_TOS and IP_TTL round trips.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = tcp_socket();
  GETINT(fd, IPPROTO_IP, IP_TOS);
  SETINT(fd, IPPROTO_IP, IP_TOS, 0x10);
  GETINT(fd, IPPROTO_IP, IP_TOS);
  GETINT(fd, IPPROTO_IP, IP_TTL);
  SETINT(fd, IPPROTO_IP, IP_TTL, 33);
  GETINT(fd, IPPROTO_IP, IP_TTL);
  SETINT(fd, IPPROTO_IP, IP_TTL, 0);
  CALL(connect(fd, PEER_SA(PORT)));
  GETINT(fd, IPPROTO_IP, IP_TOS);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
