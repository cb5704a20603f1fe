// A non-blocking sender fills the buffers until EAGAIN (the peer does not
// read); the peer then reads exactly what was accepted.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  set_nonblock(fd, true);
  static char buf[65536];
  fill_pattern(buf, sizeof buf, 0);
  long total = 0, r;
  int partial = 0;
  while ((r = send(fd, buf, sizeof buf, 0)) > 0) {
    total += r;
    partial += r < (long)sizeof buf;
  }
  say("send stopped with %s after more than 64 KiB: %d", errname(errno), total > 65536);
  ctl_put(total);
  CALL(shutdown(fd, SHUT_WR));
  SYNC("read");
  CALL(close(fd));
}

static void peer(void) {
  int l = peer_listen(PORT);
  SYNC("ready");
  int c = accept_one(l);
  long want = ctl_get();
  char buf[65536];
  long got = 0, r;
  while ((r = recv(c, buf, sizeof buf, 0)) > 0) got += r;
  say("received what the DUT sent: %d", got == want);
  SYNC("read");
  close(c);
}

COMPAT_CASE(dut, peer)
