// Plain kernel descriptors next to a percore socket keep their semantics.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  int p[2];
  CALL(pipe2(p, O_NONBLOCK));
  char buf[8];
  CALL(read(p[0], buf, sizeof buf));
  CALL(write(p[1], "pipe", 4));
  CALL_DATA(read(p[0], buf, sizeof buf), buf);
  int ev = CALL_FD(eventfd(5, EFD_NONBLOCK));
  eventfd_t v;
  CALL(eventfd_read(ev, &v));
  say("eventfd %llu", (unsigned long long)v);
  CALL(eventfd_read(ev, &v));
  CALL(send(fd, "tcp", 3, 0));
  close(p[0]);
  close(p[1]);
  close(ev);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
