// sendfile from a regular file to a socket, with and without an offset.
#include "compat.h"

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  char path[] = "/tmp/compat-sendfile-XXXXXX";
  int file = (int)MUST(mkstemp(path));
  unlink(path);
  static char data[200000];
  fill_pattern(data, sizeof data, 0);
  MUST(write(file, data, sizeof data));
  off_t off = 100000;
  CALL(sendfile(fd, file, &off, 100000));
  say("offset now %ld, file position %ld", (long)off, (long)lseek(file, 0, SEEK_CUR));
  MUST(lseek(file, 0, SEEK_SET));
  CALL(sendfile(fd, file, NULL, 100000));
  say("file position %ld", (long)lseek(file, 0, SEEK_CUR));
  CALL(sendfile(fd, file, NULL, 100));
  CALL(close(file));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_sink)
