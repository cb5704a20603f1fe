// sendto with an address on a connected TCP socket: the address is ignored.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(sendto(fd, "one", 3, 0, PEER_SA(PORT2)));
  CALL(sendto(fd, "two", 3, 0, NULL, 0));
  char buf[16];
  struct sockaddr_in from;
  socklen_t len = sizeof from;
  memset(&from, 0xee, sizeof from);
  CALL_DATA(recvfrom(fd, buf, 6, MSG_WAITALL, (struct sockaddr *)&from, &len), buf);
  say("recvfrom address length %u", len);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_echo)
