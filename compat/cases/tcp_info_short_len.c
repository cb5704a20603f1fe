// TCP_INFO with a short buffer copies what fits and says how much.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  unsigned char buf[8];
  socklen_t len = sizeof buf;
  CALL(getsockopt(fd, IPPROTO_TCP, TCP_INFO, buf, &len));
  say("len %u state %s", len, tcp_state_name(buf[0]));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
