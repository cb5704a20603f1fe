// With SA_RESTART a blocking recv survives a signal and returns the data
// that comes later.
#include "compat.h"

static void dut(void) {
  on_signal(SIGALRM, true);
  SYNC("ready");
  int fd = dut_connect(PORT);
  char buf[8];
  alarm_ms(50);
  SYNC("go");
  CALL_DATA(recv(fd, buf, sizeof buf, 0), buf);
  say("SIGALRM count %d", signal_count(SIGALRM));
  CALL(close(fd));
}

static void peer(void) {
  int l = peer_listen(PORT);
  SYNC("ready");
  int c = accept_one(l);
  SYNC("go");
  sleep_ms(300);
  MUST(send(c, "late", 4, 0));
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
