// Nested epoll sets that mix a percore socket with kernel fds: an inner set
// holding a percore socket, the peer sending after epoll_wait(outer) began;
// an outer set holding an idle percore socket beside an inner set with a
// pipe; an inner set holding an idle percore socket and a pipe. A pipe byte
// written by a thread 100 ms into epoll_wait(outer, 2000), or before it,
// makes it return the inner set at once.
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

// A thread that sleeps `ms`, then writes one byte to `fd`.
struct late_write {
  int fd;
  long ms;
};

static void *writer(void *arg) {
  struct late_write *w = arg;
  sleep_ms(w->ms);
  if (write(w->fd, "x", 1) != 1) say("late write failed: %s", errname(errno));
  return NULL;
}

static pthread_t write_later(int fd, long ms) {
  static struct late_write w[8];
  static int next;
  struct late_write *slot = &w[next++ & 7];
  *slot = (struct late_write){fd, ms};
  return start_thread(writer, slot);
}

static void read_one(int fd) {
  char c;
  if (read(fd, &c, 1) != 1) say("read failed: %s", errname(errno));
}

static void dut(void) {
  SYNC("ready");
  int fd = dut_connect(PORT);
  name_fd(fd, "sock");

  say("-- a percore socket in the inner set, the peer sends during the wait");
  int inner = epfd("inner"), outer = epfd("outer");
  add(inner, fd, EPOLLIN);
  add(outer, inner, EPOLLIN);
  wait_on(outer, 0);
  SYNC("go");
  wait_on(outer, 2000);
  SYNC("sent");
  wait_on(inner, 0);
  drain_nonblock(fd);
  wait_on(outer, 0);
  MUST(close(outer));
  MUST(close(inner));

  say("-- the outer set holds an idle percore socket beside the inner set");
  int p[2];
  MUST(pipe(p));
  name_fd(p[0], "pipe");
  inner = epfd("inner");
  outer = epfd("outer");
  add(inner, p[0], EPOLLIN);
  add(outer, inner, EPOLLIN);
  add(outer, fd, EPOLLIN);
  wait_on(outer, 0);
  pthread_t t = write_later(p[1], 100);
  wait_on(outer, 2000);
  join_thread(t);
  read_one(p[0]);
  wait_on(outer, 0);
  SYNC("step");
  MUST(write(p[1], "x", 1));
  wait_on(outer, 2000);
  read_one(p[0]);
  wait_on(outer, 0);
  MUST(close(outer));
  MUST(close(inner));
  SYNC("step");

  say("-- the inner set holds an idle percore socket beside the pipe");
  inner = epfd("inner");
  outer = epfd("outer");
  add(inner, fd, EPOLLIN);
  add(inner, p[0], EPOLLIN);
  add(outer, inner, EPOLLIN);
  wait_on(outer, 0);
  t = write_later(p[1], 100);
  wait_on(outer, 2000);
  join_thread(t);
  wait_on(inner, 0);
  read_one(p[0]);
  wait_on(outer, 0);
  SYNC("step");
  MUST(write(p[1], "x", 1));
  wait_on(outer, 2000);
  read_one(p[0]);
  wait_on(outer, 0);
  MUST(close(outer));
  MUST(close(inner));
  SYNC("step");

  say("-- the same inner set, the peer sends during the wait");
  inner = epfd("inner");
  outer = epfd("outer");
  add(inner, fd, EPOLLIN);
  add(inner, p[0], EPOLLIN);
  add(outer, inner, EPOLLIN);
  wait_on(outer, 0);
  SYNC("go");
  wait_on(outer, 2000);
  SYNC("sent");
  wait_on(inner, 0);
  drain_nonblock(fd);
  wait_on(outer, 0);
  MUST(close(outer));
  MUST(close(inner));
  MUST(close(p[0]));
  MUST(close(p[1]));
  CALL(close(fd));
}

// At SYNC "go": wait 100 ms, send "hello", wait for the ACK, SYNC "sent".
static void hello_later(int c) {
  SYNC("go");
  sleep_ms(100);
  MUST(send(c, "hello", 5, 0));
  wait_acked(c);
  SYNC("sent");
}

static void peer(void) {
  int c = peer_accepted();
  hello_later(c);
  for (int i = 0; i < 4; i++) SYNC("step");
  hello_later(c);
  recv_until_eof(c);
  close(c);
}

COMPAT_CASE(dut, peer)
