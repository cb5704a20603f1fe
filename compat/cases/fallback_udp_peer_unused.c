// A UDP socket and a TCP connection side by side: the UDP one answers on
// loopback while the TCP one talks to the peer.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int tcp = dut_connect(PORT);
  int u = CALL_FD(socket(AF_INET, SOCK_DGRAM, 0));
  CALL(bind(u, LOOP_SA(PORT2)));
  CALL(connect(u, LOOP_SA(PORT2)));
  CALL(send(u, "self", 4, 0));
  char buf[8];
  CALL_DATA(recv(u, buf, sizeof buf, 0), buf);
  CALL(send(tcp, "tcp", 3, 0));
  close(u);
  CALL(close(tcp));
}

COMPAT_CASE(dut, peer_sink)
