// SO_RCVTIMEO on a listener bounds accept: EAGAIN after the timeout.
#include "compat.h"

static void dut(void) {
  int l = dut_listen(PORT);
  struct timeval tv = {.tv_usec = 200000};
  CALL(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  long t = now_ms();
  CALL(accept(l, NULL, NULL));
  say_elapsed(t, 200);
  CALL(close(l));
}

COMPAT_CASE(dut, NULL)
