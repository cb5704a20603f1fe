// Two threads, each with its own SO_REUSEPORT listener on one port, accept
// four connections between them.
#include "compat.h"

static int total;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int listeners[2];

static void *worker(void *arg) {
  int l = listeners[(long)arg];
  for (long deadline = now_ms() + 3000; now_ms() < deadline;) {
    pthread_mutex_lock(&mu);
    int done = total >= 4;
    pthread_mutex_unlock(&mu);
    if (done) break;
    struct pollfd p = {.fd = l, .events = POLLIN};
    if (poll(&p, 1, 50) <= 0) continue;
    int c = accept(l, NULL, NULL);
    if (c < 0) continue;
    close(c);
    pthread_mutex_lock(&mu);
    total++;
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

static void dut(void) {
  for (int i = 0; i < 2; i++) {
    listeners[i] = tcp_socket();
    SETINT(listeners[i], SOL_SOCKET, SO_REUSEADDR, 1);
    SETINT(listeners[i], SOL_SOCKET, SO_REUSEPORT, 1);
    CALL(bind(listeners[i], DUT_SA(PORT)));
    CALL(listen(listeners[i], 8));
    set_nonblock(listeners[i], true);
  }
  pthread_t t[2] = {start_thread(worker, (void *)0), start_thread(worker, (void *)1)};
  SYNC("ready");
  join_thread(t[0]);
  join_thread(t[1]);
  say("accepted %d", total);
  close(listeners[0]);
  close(listeners[1]);
}

static void peer(void) {
  SYNC("ready");
  for (int i = 0; i < 4; i++) {
    int c = peer_connect(PORT);
    recv_until_eof(c);
    close(c);
  }
}

COMPAT_CASE(dut, peer)
