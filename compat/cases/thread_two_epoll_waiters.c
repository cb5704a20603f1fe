// Two threads in epoll_wait on one epoll fd (level-triggered), one socket
// with data: the first thread to wake reads it; both end.
#include "compat.h"

static int ep, fd;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int reads;

static void *waiter(void *arg) {
  (void)arg;
  struct epoll_event ev;
  for (;;) {
    int n = epoll_wait(ep, &ev, 1, 2000);
    if (n <= 0) break;
    pthread_mutex_lock(&mu);
    char buf[16];
    if (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) reads++;
    int done = reads > 0;
    pthread_mutex_unlock(&mu);
    if (done) break;
  }
  return NULL;
}

static void dut(void) {
  SYNC("ready");
  fd = dut_connect(PORT);
  ep = CALL_FD(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
  pthread_t a = start_thread(waiter, NULL), b = start_thread(waiter, NULL);
  sleep_ms(100);
  SYNC_HELLO();
  join_thread(a);
  join_thread(b);
  say("reads %d", reads);
  CALL(close(ep));
  CALL(close(fd));
}

COMPAT_CASE(dut, peer_hello)
