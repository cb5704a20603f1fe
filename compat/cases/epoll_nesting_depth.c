// How deep epoll sets may nest: a chain grown upward (the chain's top added
// into a new set) and downward (a new set added into the chain's bottom),
// one EPOLL_CTL_ADD per level up to 7, shows the depth Linux refuses with
// ELOOP (EP_MAX_NESTS); two chains joined past the limit are refused too.
// A pipe with data (written before the first wait, and again after a wait
// returned 0), and a percore socket the peer sends to, at the bottom of a
// chain of five sets (the deepest Linux allows) make its top readable.
#include "compat.h"

static char names[64][16];
static int nnames;

static int epfd(const char *prefix, int level) {
  int ep = (int)MUST(epoll_create1(0));
  if (nnames == 64) fail("too many sets");
  snprintf(names[nnames], sizeof names[0], "%s%d", prefix, level);
  name_fd(ep, names[nnames++]);
  return ep;
}

// `epoll_ctl(up2, ADD, up1, IN) = 0`: the set and the target by name.
static long add(int ep, int fd) {
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  errno = 0;
  int r = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  int err = errno;
  char what[160];
  snprintf(what, sizeof what, "epoll_ctl(%s, ADD, %s, IN)", fd_name(ep), fd_name(fd));
  return log_ret(what, r, err);
}

static void wait_on(int ep, int timeout) {
  struct epoll_event evs[8];
  errno = 0;
  long t = now_ms();
  int r = epoll_wait(ep, evs, 8, timeout);
  int err = errno;
  long d = now_ms() - t;
  if (r < 0) {
    say("epoll_wait(%s, %d) = -1 %s", fd_name(ep), timeout, errname(err));
    return;
  }
  char line[300];
  int len = snprintf(line, sizeof line, "epoll_wait(%s, %d) = %d", fd_name(ep), timeout, r);
  for (int i = 0; i < r; i++)
    len += snprintf(line + len, sizeof line - (size_t)len, " [%s:%s]",
                    fd_name(evs[i].data.fd), fmt_events(evs[i].events));
  say("%s", line);
  if (timeout > 0 && r > 0) say("  elapsed < %dms: %s", timeout / 2, d < timeout / 2 ? "yes" : "no");
}

// Upward: level 1 is `bottom` (a new set when -1), each new set holds the
// chain's top. Returns the top; *depth is how many sets the chain has.
static int grow_up(const char *prefix, int bottom, int levels, int *depth) {
  int top = bottom >= 0 ? bottom : epfd(prefix, 1);
  *depth = 1;
  for (int level = 2; level <= levels; level++) {
    int n = epfd(prefix, level);
    if (add(n, top) == 0) {
      top = n;
      *depth = level;
    }
  }
  say("%s chain: %d sets", prefix, *depth);
  return top;
}

// Downward: each new set goes into the chain's bottom. Returns the bottom.
static int grow_down(const char *prefix, int top, int levels, int *depth) {
  int bottom = top;
  *depth = 1;
  for (int level = 2; level <= levels; level++) {
    int n = epfd(prefix, level);
    if (add(bottom, n) == 0) {
      bottom = n;
      *depth = level;
    }
  }
  say("%s chain: %d sets", prefix, *depth);
  return bottom;
}

static void dut(void) {
  int depth;
  say("-- upward");
  grow_up("up", -1, 7, &depth);
  say("-- downward");
  grow_down("down", epfd("down", 1), 7, &depth);
  say("-- two chains joined: 3 under 3, then 2 under 3");
  int a_top = grow_up("a", -1, 3, &depth);
  int b_bottom = grow_down("b", epfd("b", 1), 3, &depth);
  add(b_bottom, a_top);
  int c_top = grow_up("c", -1, 2, &depth);
  int d_bottom = grow_down("d", epfd("d", 1), 3, &depth);
  add(d_bottom, c_top);
  say("-- a pipe at the bottom");
  int p[2];
  MUST(pipe(p));
  name_fd(p[0], "pipe");
  MUST(write(p[1], "x", 1));
  int e1 = epfd("pipe_chain", 1);
  add(e1, p[0]);
  int top = grow_up("pipe_chain", e1, 5, &depth);
  wait_on(top, 1000);
  wait_on(e1, 0);
  char c;
  MUST(read(p[0], &c, 1));
  wait_on(top, 0);
  MUST(write(p[1], "y", 1));
  wait_on(top, 1000);
  MUST(read(p[0], &c, 1));
  wait_on(top, 0);
  say("-- a percore socket at the bottom");
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  int s1 = epfd("sock_chain", 1);
  add(s1, fd);
  top = grow_up("sock_chain", s1, 5, &depth);
  wait_on(top, 0);
  SYNC_HELLO();
  wait_on(top, 1000);
  wait_on(s1, 0);
  drain_nonblock(fd);
  wait_on(top, 0);
  CALL(close(fd));
  CALL(close(p[0]));
  CALL(close(p[1]));
}

COMPAT_CASE(dut, peer_hello)
