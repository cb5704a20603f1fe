// RLIMIT_NOFILE: socket and accept fail with EMFILE at the limit.
#include <sys/resource.h>
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  int probe = (int)MUST(dup(0));
  close(probe);
  struct rlimit rl = {.rlim_cur = (rlim_t)probe + 2, .rlim_max = 4096};
  MUST(setrlimit(RLIMIT_NOFILE, &rl));
  int a = CALL_FD(socket(AF_INET, SOCK_STREAM, 0));
  int b = CALL_FD(socket(AF_INET, SOCK_STREAM, 0));
  CALL(socket(AF_INET, SOCK_STREAM, 0));
  CALL(dup(a));
  SYNC("ready");
  wait_ev(l, POLLIN);
  CALL(accept(l, NULL, NULL));
  CALL(close(b));
  int c = CALL_FD(accept(l, NULL, NULL));
  CALL(close(c));
  CALL(close(a));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client)
