// Four threads each open their own connection and exchange data.
#include "compat.h"

static void *client(void *arg) {
  long i = (long)arg;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(fd, PEER_SA(PORT)) < 0) {
    say("thread connect failed: %s", errname(errno));
    return NULL;
  }
  char msg[2] = {(char)('a' + i), 0}, back[2] = {0};
  send(fd, msg, 1, 0);
  long r = recv(fd, back, 1, MSG_WAITALL);
  close(fd);
  say("a thread got its byte back: %d", r == 1 && back[0] == msg[0]);
  return NULL;
}

static void dut(void) {
  SYNC("ready");
  pthread_t t[4];
  for (long i = 0; i < 4; i++) t[i] = start_thread(client, (void *)i);
  for (int i = 0; i < 4; i++) join_thread(t[i]);
}

static void peer(void) {
  int l = peer_listen(PORT);
  SYNC("ready");
  for (int i = 0; i < 4; i++) {
    int c = (int)MUST(accept(l, NULL, NULL));
    char b;
    if (recv(c, &b, 1, MSG_WAITALL) == 1) send(c, &b, 1, 0);
    recv(c, &b, 1, 0);
    close(c);
  }
  say("served 4");
  close(l);
}

COMPAT_CASE(dut, peer)
