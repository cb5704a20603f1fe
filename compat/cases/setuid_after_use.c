// Dropping root in the middle: the DUT connects to the peer and exchanges
// data as root, then setgroups/setgid/setuid to nobody (CapEff and CapPrm
// 0, AF_PACKET sockets EPERM), keeps using that connection, and opens a
// listener on DUT_IP:PORT2 made after the drop that serves an echo.
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
  SYNC("ready");
  int fd = dut_connect(PORT);
  char buf[16];
  CALL(send(fd, "one", 3, 0));
  recv_exact(fd, buf, 3);
  drop_to_nobody();
  privileged_sockets();
  SYNC("dropped");
  CALL(send(fd, "two", 3, 0));
  recv_exact(fd, buf, 3);
  int l = CALL_FD(socket(AF_INET, SOCK_STREAM, 0));
  int one = 1;
  MUST(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
  CALL(bind(l, DUT_SA(PORT2)));
  CALL(listen(l, 4));
  SYNC("listening");
  int c = CALL_FD(accept(l, NULL, NULL));
  recv_exact(c, buf, 5);
  CALL(send(c, buf, 5, 0));
  CALL_DATA(recv(c, buf, sizeof buf, 0), buf);
  CALL(close(c));
  CALL(close(l));
  CALL(send(fd, "three", 5, 0));
  recv_exact(fd, buf, 5);
  CALL(close(fd));
}

// Echo exactly n bytes on c.
static void echo_n(int c, size_t n) {
  char buf[16];
  recv_exact(c, buf, n);
  MUST(send(c, buf, n, 0));
}

static void peer(void) {
  int c1 = peer_accepted();
  echo_n(c1, 3);
  SYNC("dropped");
  echo_n(c1, 3);
  SYNC("listening");
  int c2 = peer_connect(PORT2);
  MUST(send(c2, "hello", 5, 0));
  char buf[16];
  recv_exact(c2, buf, 5);
  close(c2);
  say("closed");
  echo_n(c1, 5);
  recv_until_eof(c1);
  close(c1);
}

COMPAT_CASE(dut, peer)
