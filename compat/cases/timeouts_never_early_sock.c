// timeouts_never_early with the idle percore connection in the set instead
// of a pipe: each wait with a 50 ms timeout returns 0, never before its timeout.
#define WATCH_SOCKET 1
#include "timeouts_never_early.c"
