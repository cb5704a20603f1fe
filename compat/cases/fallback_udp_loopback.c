// UDP stays on the kernel: a datagram over 127.0.0.1.
#include "compat.h"

static void dut(void) {
  int a = CALL_FD(socket(AF_INET, SOCK_DGRAM, 0));
  int b = CALL_FD(socket(AF_INET, SOCK_DGRAM, 0));
  CALL(bind(a, LOOP_SA(PORT)));
  CALL(sendto(b, "dgram", 5, 0, LOOP_SA(PORT)));
  char buf[16];
  struct sockaddr_in from;
  socklen_t len = sizeof from;
  CALL_DATA(recvfrom(a, buf, sizeof buf, 0, (struct sockaddr *)&from, &len), buf);
  say("from %s", fmt_addr((struct sockaddr *)&from));
  GETINT(a, SOL_SOCKET, SO_TYPE);
  CALL(recv(a, buf, sizeof buf, MSG_DONTWAIT));
  close(a);
  close(b);
}

COMPAT_CASE(dut, NULL)
