// One thread sends 2 MiB while another receives the echo of it.
#include "compat.h"

static int fd;

static void *sender(void *arg) {
  (void)arg;
  send_pattern(fd, 2 << 20);
  CALL(shutdown(fd, SHUT_WR));
  return NULL;
}

static void dut(void) {
  SYNC("ready");
  fd = dut_connect(PORT);
  pthread_t t = start_thread(sender, NULL);
  long got = recv_until_eof(fd);
  join_thread(t);
  say("echoed back %ld", got);
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_echo)
