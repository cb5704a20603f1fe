// getaddrinfo for a numeric host and for localhost still works.
#include <netdb.h>
#include "compat.h"

static void dut(void) {
  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
  int r = getaddrinfo(PEER_IP, "5000", &hints, &res);
  say("getaddrinfo(numeric) = %d", r);
  if (r == 0) {
    say("first %s", fmt_addr(res->ai_addr));
    freeaddrinfo(res);
  }
  r = getaddrinfo("localhost", "5000", &hints, &res);
  say("getaddrinfo(localhost) = %d", r);
  if (r == 0) {
    say("first %s", fmt_addr(res->ai_addr));
    freeaddrinfo(res);
  }
}

COMPAT_CASE(dut, NULL)
