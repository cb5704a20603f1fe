// EPOLLEXCLUSIVE and nested sets: an epoll fd as the target of an
// exclusive registration is EINVAL (at ADD, and MOD never takes the flag);
// a socket registered exclusively in a set that is itself inside another
// set is accepted (whichever is set up first), the flag's other rules still
// hold there (ONESHOT or RDHUP with it: EINVAL; MOD: EINVAL), and the outer
// set reports the inner one when the socket becomes readable: a percore
// socket the peer sends to, and an AF_UNIX socketpair.
#include "compat.h"

// `epoll_wait(outer, 2000) = 1 [inner:IN]`, with `elapsed < 1000ms: yes`
// after a wait that could block.
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
  if (timeout >= 1000) say("  elapsed < 1000ms: %s", d < 1000 ? "yes" : "no");
}

static void add(int ep, int fd, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.fd = fd};
  errno = 0;
  int r = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  int err = errno;
  char what[160];
  snprintf(what, sizeof what, "epoll_ctl(%s, ADD, %s, %s)", fd_name(ep), fd_name(fd),
           fmt_events(events));
  log_ret(what, r, err);
}

static int epfd(const char *name) {
  int ep = (int)MUST(epoll_create1(0));
  name_fd(ep, name);
  return ep;
}

static void mod(int ep, int fd, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.fd = fd};
  errno = 0;
  int r = epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
  int err = errno;
  char what[160];
  snprintf(what, sizeof what, "epoll_ctl(%s, MOD, %s, %s)", fd_name(ep), fd_name(fd),
           fmt_events(events));
  log_ret(what, r, err);
}

// make_ready makes `sock` readable, drain reads what it got.
static void nested_exclusive(int sock, void (*make_ready)(void), void (*drain)(void)) {
  int inner = epfd("inner"), outer = epfd("outer");
  say("-- an epoll fd as the target");
  add(outer, inner, EPOLLIN | EPOLLEXCLUSIVE);
  add(outer, inner, EPOLLIN | EPOLLET | EPOLLEXCLUSIVE);
  add(outer, inner, EPOLLIN);
  mod(outer, inner, EPOLLIN | EPOLLEXCLUSIVE);
  say("-- the socket exclusive in the inner set, which is already in the outer one");
  add(inner, sock, EPOLLIN | EPOLLEXCLUSIVE);
  mod(inner, sock, EPOLLIN);
  mod(inner, sock, EPOLLIN | EPOLLEXCLUSIVE);
  wait_on(outer, 0);
  make_ready();
  wait_on(outer, 1000);
  wait_on(inner, 0);
  drain();
  wait_on(outer, 0);
  MUST(close(outer));
  MUST(close(inner));
  say("-- exclusive in the inner set first, then the inner set into the outer one");
  inner = epfd("inner");
  outer = epfd("outer");
  add(inner, sock, EPOLLIN | EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT);
  add(inner, sock, EPOLLIN | EPOLLRDHUP | EPOLLEXCLUSIVE);
  add(inner, sock, EPOLLIN | EPOLLET | EPOLLEXCLUSIVE);
  add(outer, inner, EPOLLIN);
  add(outer, inner, EPOLLIN | EPOLLEXCLUSIVE);
  wait_on(outer, 0);
  make_ready();
  wait_on(outer, 1000);
  wait_on(inner, 0);
  wait_on(outer, 0);
  drain();
  MUST(close(outer));
  MUST(close(inner));
}

static int unix_rd, unix_wr, tcp_fd;

static void unix_ready(void) { MUST(write(unix_wr, "x", 1)); }
static void tcp_ready(void) { SYNC_HELLO(); }
static void tcp_drain(void) { drain_nonblock(tcp_fd); }

static void unix_drain(void) { drain_nonblock(unix_rd); }

static void dut(void) {
  int sp[2];
  MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
  unix_rd = sp[0];
  unix_wr = sp[1];
  name_fd(sp[0], "unix");
  say("== an AF_UNIX socket");
  nested_exclusive(sp[0], unix_ready, unix_drain);
  MUST(close(sp[0]));
  MUST(close(sp[1]));
  SYNC("ready");
  tcp_fd = dut_connect(PORT);
  name_fd(tcp_fd, "sock");
  say("== a percore socket");
  nested_exclusive(tcp_fd, tcp_ready, tcp_drain);
  CALL(close(tcp_fd));
}

// Twice: at SYNC "go" send "hello", wait for the ACK, SYNC "sent"; then
// sink until EOF.
static void peer(void) {
  int c = peer_accepted();
  for (int i = 0; i < 2; i++) {
    SYNC("go");
    MUST(send(c, "hello", 5, 0));
    wait_acked(c);
    SYNC("sent");
  }
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
