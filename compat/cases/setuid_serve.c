// Serving after dropping root: a TCP socket made as root (not yet bound),
// then setgroups/setgid/setuid to nobody (no capabilities left: CapEff and
// CapPrm 0; AF_PACKET and raw ICMP sockets are EPERM, a port below 1024
// EACCES), is bound to DUT_IP:PORT, listens and serves an echo to the
// peer; a socket made after the drop connects to the peer and sends.
#include "compat.h"

#include <grp.h>
#include <linux/if_ether.h>

// Drop root for nobody (65534) the usual way, then show what is left.
static void drop_to_nobody(void) {
  CALL(setgroups(0, NULL));
  CALL(setgid(65534));
  CALL(setuid(65534));
  say("uid %d euid %d gid %d egid %d", (int)getuid(), (int)geteuid(), (int)getgid(),
      (int)getegid());
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) fail("/proc/self/status: %s", errname(errno));
  char line[256];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "CapEff:", 7) != 0 && strncmp(line, "CapPrm:", 7) != 0) continue;
    line[strcspn(line, "\n")] = 0;
    for (char *p = line; *p; p++)
      if (*p == '\t') *p = ' ';
    say("%s", line);
  }
  fclose(f);
}

// Sockets that need privileges: EPERM now.
static void privileged_sockets(void) {
  int r = CALL(socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)));
  if (r >= 0) close(r);
  r = CALL(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
  if (r >= 0) close(r);
}

// recv exactly n bytes (fails the case on EOF or error), logged with data.
static void recv_exact(int fd, char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = recv(fd, buf + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) fail("recv: %s", r == 0 ? "EOF" : errname(errno));
    got += (size_t)r;
  }
  log_data("recv", (long)n, 0, buf);
}

static void dut(void) {
  int l = CALL_FD(socket(AF_INET, SOCK_STREAM, 0));
  int one = 1;
  MUST(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
  drop_to_nobody();
  privileged_sockets();
  int low = CALL_FD(socket(AF_INET, SOCK_STREAM, 0));
  CALL(bind(low, DUT_SA(80)));
  CALL(close(low));
  CALL(bind(l, DUT_SA(PORT)));
  CALL(listen(l, 4));
  SYNC("ready");
  int c = CALL_FD(accept(l, NULL, NULL));
  char buf[16];
  recv_exact(c, buf, 5);
  CALL(send(c, buf, 5, 0));
  CALL_DATA(recv(c, buf, sizeof buf, 0), buf);
  CALL(close(c));
  CALL(close(l));
  SYNC("served");
  int s = CALL_FD(socket(AF_INET, SOCK_STREAM, 0));
  CALL(connect(s, PEER_SA(PORT2)));
  CALL(send(s, "bye", 3, 0));
  CALL(close(s));
}

static void peer(void) {
  int l2 = peer_listen(PORT2);
  SYNC("ready");
  int c = peer_connect(PORT);
  MUST(send(c, "hello", 5, 0));
  char buf[16];
  recv_exact(c, buf, 5);
  close(c);
  say("closed");
  SYNC("served");
  int a = accept_one(l2);
  recv_until_eof(a);
  close(a);
  close(l2);
}

COMPAT_CASE(dut, peer)
