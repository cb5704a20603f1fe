// epoll sets that would contain themselves: an epoll fd added to itself is
// EINVAL; closing a cycle (A holds B, B holds C, then C would hold A; or X
// in Y, then Y in X) is ELOOP and leaves the sets as they were: the chain
// still reports readiness from its innermost set, here a pipe and, in the
// second variant, a percore TCP socket.
#include "compat.h"

// `epoll_ctl(C, ADD, A, IN) = -1 ELOOP`: the set and the target by name.
static void ctl(int ep, int op, int fd, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.fd = fd};
  errno = 0;
  int r = epoll_ctl(ep, op, fd, &ev);
  int err = errno;
  const char *opname = op == EPOLL_CTL_ADD ? "ADD" : op == EPOLL_CTL_MOD ? "MOD" : "DEL";
  char what[160];
  if (op == EPOLL_CTL_DEL)
    snprintf(what, sizeof what, "epoll_ctl(%s, DEL, %s)", fd_name(ep), fd_name(fd));
  else
    snprintf(what, sizeof what, "epoll_ctl(%s, %s, %s, %s)", fd_name(ep), opname, fd_name(fd),
             fmt_events(events));
  log_ret(what, r, err);
}
#define add(ep, fd, ev) ctl(ep, EPOLL_CTL_ADD, fd, ev)
#define mod(ep, fd, ev) ctl(ep, EPOLL_CTL_MOD, fd, ev)
#define del(ep, fd) ctl(ep, EPOLL_CTL_DEL, fd, 0)

// `epoll_wait(A, 1000) = 2 [B:IN] [C:IN]`, the events sorted by name.
static void wait_on(int ep, int timeout) {
  struct epoll_event evs[8];
  errno = 0;
  int r = epoll_wait(ep, evs, 8, timeout);
  int err = errno;
  if (r < 0) {
    say("epoll_wait(%s, %d) = -1 %s", fd_name(ep), timeout, errname(err));
    return;
  }
  char items[8][64], line[600];
  for (int i = 0; i < r; i++)
    snprintf(items[i], sizeof items[i], "[%s:%s]", fd_name(evs[i].data.fd),
             fmt_events(evs[i].events));
  qsort(items, (size_t)r, sizeof items[0], (int (*)(const void *, const void *))strcmp);
  int len = snprintf(line, sizeof line, "epoll_wait(%s, %d) = %d", fd_name(ep), timeout, r);
  for (int i = 0; i < r; i++) len += snprintf(line + len, sizeof line - (size_t)len, " %s", items[i]);
  say("%s", line);
}

static int epfd(const char *name) {
  int ep = (int)MUST(epoll_create1(0));
  name_fd(ep, name);
  return ep;
}

// A -> B -> C (each holds the next), `leaf` in C; `wr` makes it readable
// (a pipe's write end), or -1: the peer sends "hello".
static void chain_of_three(int leaf, int wr, const char *label) {
  say("-- three sets, %s in the innermost", label);
  int a = epfd("A"), b = epfd("B"), c = epfd("C");
  add(c, leaf, EPOLLIN);
  add(b, c, EPOLLIN);
  add(a, b, EPOLLIN);
  add(c, a, EPOLLIN);
  add(b, a, EPOLLIN);
  add(c, b, EPOLLIN);
  add(a, a, EPOLLIN);
  add(b, b, EPOLLIN);
  add(c, c, EPOLLIN);
  mod(a, a, EPOLLIN);
  del(c, a);
  add(a, c, EPOLLIN);  // not a cycle: A holds C directly as well
  wait_on(a, 0);
  if (wr < 0)
    SYNC_HELLO();
  else
    MUST(write(wr, "x", 1));
  wait_on(a, 1000);
  wait_on(b, 0);
  wait_on(c, 0);
  // Without B in A, A still reaches C directly: ELOOP again; without that
  // too, C may hold A.
  del(a, b);
  add(c, a, EPOLLIN);
  del(a, c);
  add(c, a, EPOLLIN);
  wait_on(c, 0);
  wait_on(a, 0);
  CALL(close(a));
  CALL(close(b));
  CALL(close(c));
}

static void two_cycle(void) {
  say("-- two sets");
  int x = epfd("X"), y = epfd("Y");
  add(y, x, EPOLLIN);
  add(x, y, EPOLLIN);
  add(x, y, EPOLLIN | EPOLLET);
  add(x, y, EPOLLOUT);
  add(y, x, EPOLLIN);  // already there
  del(y, x);
  add(x, y, EPOLLIN);  // the other way round, now that Y is empty
  add(y, x, EPOLLIN);
  CALL(close(x));
  CALL(close(y));
}

static void dut(void) {
  int p[2];
  MUST(pipe(p));
  name_fd(p[0], "pipe");
  chain_of_three(p[0], p[1], "a pipe");
  two_cycle();
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");
  chain_of_three(fd, -1, "a percore socket");
  drain_nonblock(fd);
  CALL(close(fd));
  CALL(close(p[0]));
  CALL(close(p[1]));
}

COMPAT_CASE(dut, peer_hello)
