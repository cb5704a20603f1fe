// A child forked after the stack started shares the parent's connections,
// as a forked child shares the kernel's sockets on Linux, but the stack
// that holds them lives in the parent's memory. So the child reaches them
// through the parent: at fork() the parent opens a channel (a SOCK_SEQPACKET
// socketpair) and a thread that serves it, holding a reference to every
// connection the child inherited. The child's send, recv, shutdown and
// readiness queries on those sockets become requests on the channel; the
// parent performs them on its stack, without blocking (the child waits and
// asks again). A connection stays open while either process holds it, as
// on Linux: the parent's close() leaves it to the child until the child
// closes its copy or exits (the channel's end tells), and only then does
// the parent's stack send the FIN. Listeners are not shared this way (a
// server's forked workers run stacks of their own: see shared.h), nor are
// connections across exec (the new image has no copy of the socket).
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace percore::preload {

class Socket;

namespace fork_proxy {

// What fork() carries from before the fork to after it.
struct Pending {
  int parent_end = -1;
  int child_end = -1;
  std::vector<std::shared_ptr<Socket>> inherited;
};

// In the parent, before fork(): a channel when the process has connections
// on its stack (and is not itself a forked child).
Pending prepare();
// After fork(): in the parent with the child's pid (or -1: fork failed), and
// in the child.
void parent_after(Pending& p, pid_t pid);
void child_after(Pending& p);

// In the child: whether the parent's connections are reachable.
bool active();
// The child's side of the calls, on the parent's socket `s` (the same
// address in both processes). Errors as the calls' own (errno set).
ssize_t send(const Socket* s, std::span<const iovec> iov, int flags, bool nonblocking);
ssize_t recv(const Socket* s, std::span<const iovec> iov, int flags, bool nonblocking);
int shutdown(const Socket* s, int how);
// poll(2) bits of the connection as the parent's stack sees it now.
std::uint32_t poll_events(const Socket* s);
// The child's last descriptor for `s` is closed.
void release(const Socket* s);

}  // namespace fork_proxy
}  // namespace percore::preload
