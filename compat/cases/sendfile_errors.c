// sendfile from a socket, or to an unconnected socket.
#include "compat.h"

static void dut(void) {
  signal(SIGPIPE, SIG_IGN);
  SYNC("ready");
  int fd = dut_connect(PORT);
  int file = (int)MUST(open("/etc/hostname", O_RDONLY));
  int idle = tcp_socket();
  CALL(sendfile(idle, file, NULL, 10));
  CALL(sendfile(file, fd, NULL, 10));
  CALL(sendfile(fd, -1, NULL, 10));
  CALL(close(idle));
  CALL(close(file));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
