// Two threads wait on one epoll fd for a one-shot listener: exactly one of
// them gets the connection's event.
#include "compat.h"

static int ep;
static int got[2];

static void *waiter(void *arg) {
  struct epoll_event ev;
  int i = (int)(long)arg;
  got[i] = epoll_wait(ep, &ev, 1, 1500);
  return NULL;
}

static void dut(void) {
  int l = dut_listen(PORT);
  ep = CALL_FD(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.fd = l};
  CALL(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
  pthread_t t0 = start_thread(waiter, (void *)0), t1 = start_thread(waiter, (void *)1);
  sleep_ms(100);
  SYNC("ready");
  join_thread(t0);
  join_thread(t1);
  say("woken with an event: %d, timed out: %d", (got[0] == 1) + (got[1] == 1),
      (got[0] == 0) + (got[1] == 0));
  int c = CALL_FD(accept(l, NULL, NULL));
  CALL(close(c));
  CALL(close(ep));
  CALL(close(l));
}

COMPAT_CASE(dut, peer_client)
