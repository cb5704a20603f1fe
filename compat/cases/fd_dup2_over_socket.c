// dup2 over the last descriptor of a connection closes it: the peer sees
// EOF.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  CALL(send(fd, "bye", 3, 0));
  int null = (int)MUST(open("/dev/null", O_RDWR));
  CALL(dup2(null, fd));
  SYNC("eof");
  CALL(close(fd));
  CALL(close(null));
}

COMPAT_CASE(dut, peer_sink_eof)
