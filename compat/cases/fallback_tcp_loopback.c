// TCP over 127.0.0.1 stays on the kernel and works in the same process.
#include "compat.h"

static void dut(void) {
  int l = listen_on("127.0.0.1", PORT, 4);
  int c = connect_to("127.0.0.1", PORT);
  int a = accept_one(l);
  show_name(a);
  CALL(send(c, "loop", 4, 0));
  recv_show(a, 64);
  CALL(close(c));
  recv_show(a, 64);
  close(a);
  close(l);
}

COMPAT_CASE(dut, NULL)
