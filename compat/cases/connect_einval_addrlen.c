// Address lengths: too short is EINVAL, longer than sockaddr_in is fine.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  memcpy(&ss, SA_IN(PEER_IP, PORT), sizeof(struct sockaddr_in));
  int fd = tcp_socket();
  CALL(connect(fd, (struct sockaddr *)&ss, 4));
  CALL(connect(fd, (struct sockaddr *)&ss, 0));
  CALL(connect(fd, (struct sockaddr *)&ss, sizeof ss));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
