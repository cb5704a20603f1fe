// The exported symbols: thin shims over the interposer. Each looks the fd
// up (one relaxed load for the kernel's fds, which is most of them) and
// either calls percore or the original libc function.
// The exported names are the ABI's: sendfile and fcntl with the 32-bit
// off_t, sendfile64 and fcntl64 beside them. meson builds with
// _FILE_OFFSET_BITS=64, which would rename the former to the latter.
#undef _FILE_OFFSET_BITS
#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "preload/epoll.h"
#include "preload/fork_proxy.h"
#include "preload/libc.h"
#include "preload/privileges.h"
#include "preload/runtime.h"
#include "preload/user_memory.h"
#include "preload/shared.h"
#include "preload/socket.h"

#define PERCORE_EXPORT extern "C" __attribute__((visibility("default")))

extern "C" [[noreturn]] void __chk_fail(void);

namespace {

using namespace percore;
using namespace percore::preload;

std::shared_ptr<Socket> socket_of(int fd) {
  auto s = find_as<Socket>(fd, File::Kind::Socket);
  // A child forked after the stack started cannot use the parent's stack:
  // its percore sockets are their (unconnected) kernel placeholders...
  if (s && s->mode() == Socket::Mode::Percore && Runtime::get().forked_away()) return nullptr;
  return s;
}

// ...except for moving data and shutting down: the parent does those on
// its stack for the child (fork_proxy.h).
std::shared_ptr<Socket> data_socket_of(int fd) {
  auto s = find_as<Socket>(fd, File::Kind::Socket);
  if (s && s->mode() == Socket::Mode::Percore && Runtime::get().forked_away() &&
      !(s->connection() && fork_proxy::active()))
    return nullptr;
  return s;
}
std::shared_ptr<EpollSet> epoll_of(int fd) { return find_as<EpollSet>(fd, File::Kind::Epoll); }

std::optional<Instant> deadline_ms(int timeout_ms) {
  if (timeout_ms < 0) return std::nullopt;
  return now() + std::chrono::milliseconds(timeout_ms);
}

// A timeout passed by pointer, read as the kernel reads it: EFAULT for a
// pointer it cannot read, EINVAL for a negative or unnormalised value
// (poll_select_set_timeout). 0, or the errno; `deadline` unset for none.
int deadline_ts(const timespec* ts, std::optional<Instant>& deadline) {
  deadline.reset();
  if (ts == nullptr) return 0;
  timespec t;
  if (!read_user(&t, ts, sizeof t)) return EFAULT;
  if (t.tv_sec < 0 || t.tv_nsec < 0 || t.tv_nsec >= 1'000'000'000) return EINVAL;
  deadline = now() + std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
  return 0;
}

int fail(int e) {
  errno = e;
  return -1;
}

ssize_t recv_one(Socket& s, int fd, void* buf, size_t len, int flags, sockaddr* from,
                 socklen_t* from_len) {
  iovec v{buf, len};
  return s.recv(fd, {&v, 1}, flags, from, from_len);
}

ssize_t send_one(Socket& s, int fd, const void* buf, size_t len, int flags) {
  iovec v{const_cast<void*>(buf), len};
  return s.send(fd, {&v, 1}, flags);
}

// The iovec array itself, as the data path checks buffers (user_range_ok:
// no system call); the kernel's limits on its count.
bool iov_ok(const iovec* iov, int count) {
  return count >= 0 && count <= IOV_MAX &&
         (count == 0 || user_range_ok(iov, static_cast<std::size_t>(count) * sizeof(iovec)));
}

bool msg_ok(const msghdr* msg) { return user_range_ok(msg, sizeof *msg); }

// What select(2) and pselect(2) are when the process has no percore fd:
// the kernel's, which also writes select's time left back; EINTR only for
// a handler that ran on this thread.
int kernel_select(int n, fd_set* r, fd_set* w, fd_set* e, timeval* timeout) {
  const SignalWatch signals;
  for (;;) {
    const int rc = libc().select(n, r, w, e, timeout);
    if (rc >= 0 || errno != EINTR || signals.fired()) return rc;
  }
}

int dup_into(int from, int to_rc) {
  if (to_rc < 0) return to_rc;
  if (auto f = FdTable::get().find(from)) FdTable::get().set(to_rc, std::move(f));
  return to_rc;
}

int fcntl_impl(int fd, int cmd, std::uintptr_t arg, bool is64) {
  // net_tap asks for a SIGIO per received frame as the stack starts; a
  // parked thread polls the descriptor instead (Runtime::take_rx_interrupt).
  if (cmd == F_SETFL && (arg & O_ASYNC) && Runtime::starting_stack() &&
      Runtime::get().take_rx_interrupt(fd))
    arg &= ~static_cast<std::uintptr_t>(O_ASYNC);
  auto call = [&] {
    return is64 ? libc().fcntl64(fd, cmd, arg) : libc().fcntl(fd, cmd, arg);
  };
  auto file = FdTable::get().find(fd);
  if (!file) return call();
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
      return dup_into(fd, call());
    case F_GETFL:
      if (file->kind() == File::Kind::Socket) return static_cast<Socket&>(*file).get_status_flags(fd);
      break;
    case F_SETFL:
      if (file->kind() == File::Kind::Socket)
        return static_cast<Socket&>(*file).set_status_flags(fd, static_cast<int>(arg));
      break;
  }
  return call();
}

}  // namespace

// PERCORE_STRICT=1: a bad PERCORE_* value stops the program at start, with
// the line naming it, instead of failing its first TCP socket. Only the
// variables are checked here; DPDK still starts lazily.
__attribute__((constructor)) void check_strict_config() {
  const char* strict = std::getenv("PERCORE_STRICT");
  if (strict != nullptr && std::string_view(strict) == "1") Runtime::get().config();
}

PERCORE_EXPORT int socket(int domain, int type, int protocol) {
  const int fd = libc().socket(domain, type, protocol);
  if (fd < 0 || !is_candidate(domain, type, protocol)) return fd;
  if (Runtime::get().config() == nullptr) {
    // A bad PERCORE_* value: printed once; the program's TCP sockets fail.
    libc().close(fd);
    return fail(EINVAL);
  }
  // The stack cannot run in this process (no privileges for the device, or
  // it failed to start; said once): the kernel's socket, as without percore.
  if (!Runtime::get().can_serve()) return fd;
  // The registry of processes sharing the device must exist before the
  // program forks its workers: made with its first TCP socket.
  SharedRegistry::get();
  FdTable::get().set(fd, std::make_shared<Socket>((type & SOCK_NONBLOCK) != 0));
  return fd;
}

PERCORE_EXPORT int bind(int fd, const sockaddr* addr, socklen_t len) {
  if (auto s = socket_of(fd)) return s->bind(fd, addr, len);
  return libc().bind(fd, addr, len);
}

PERCORE_EXPORT int listen(int fd, int backlog) {
  if (auto s = socket_of(fd)) return s->listen(fd, backlog);
  return libc().listen(fd, backlog);
}

PERCORE_EXPORT int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  if (auto s = socket_of(fd)) return s->accept(fd, addr, len, flags);
  return libc().accept4(fd, addr, len, flags);
}

PERCORE_EXPORT int accept(int fd, sockaddr* addr, socklen_t* len) {
  if (auto s = socket_of(fd)) return s->accept(fd, addr, len, 0);
  return libc().accept(fd, addr, len);
}

PERCORE_EXPORT int connect(int fd, const sockaddr* addr, socklen_t len) {
  if (auto s = socket_of(fd)) return s->connect(fd, addr, len);
  return libc().connect(fd, addr, len);
}

PERCORE_EXPORT int shutdown(int fd, int how) {
  if (auto s = data_socket_of(fd)) return s->shutdown(fd, how);
  return libc().shutdown(fd, how);
}

PERCORE_EXPORT int close(int fd) {
  // The entry goes first, so the number can be reused by another thread's
  // open() the moment the kernel frees it; the object (and with it the
  // stack's socket) goes when the last fd sharing it is closed.
  auto file = FdTable::get().take(fd);
  const int rc = libc().close(fd);
  file.reset();
  return rc;
}

PERCORE_EXPORT ssize_t read(int fd, void* buf, size_t len) {
  if (auto s = data_socket_of(fd)) return recv_one(*s, fd, buf, len, 0, nullptr, nullptr);
  return libc().read(fd, buf, len);
}

PERCORE_EXPORT ssize_t __read_chk(int fd, void* buf, size_t len, size_t buflen) {
  if (len > buflen) __chk_fail();
  return read(fd, buf, len);
}

PERCORE_EXPORT ssize_t readv(int fd, const iovec* iov, int count) {
  if (auto s = data_socket_of(fd)) {
    if (count < 0 || count > IOV_MAX) return fail(EINVAL);
    if (!iov_ok(iov, count)) return fail(EFAULT);
    return s->recv(fd, {iov, static_cast<size_t>(count)}, 0, nullptr, nullptr);
  }
  return libc().readv(fd, iov, count);
}

PERCORE_EXPORT ssize_t write(int fd, const void* buf, size_t len) {
  if (auto s = data_socket_of(fd)) return send_one(*s, fd, buf, len, 0);
  return libc().write(fd, buf, len);
}

PERCORE_EXPORT ssize_t writev(int fd, const iovec* iov, int count) {
  if (auto s = data_socket_of(fd)) {
    if (count < 0 || count > IOV_MAX) return fail(EINVAL);
    if (!iov_ok(iov, count)) return fail(EFAULT);
    return s->send(fd, {iov, static_cast<size_t>(count)}, 0);
  }
  return libc().writev(fd, iov, count);
}

PERCORE_EXPORT ssize_t recv(int fd, void* buf, size_t len, int flags) {
  if (auto s = data_socket_of(fd)) return recv_one(*s, fd, buf, len, flags, nullptr, nullptr);
  return libc().recv(fd, buf, len, flags);
}

PERCORE_EXPORT ssize_t __recv_chk(int fd, void* buf, size_t len, size_t buflen, int flags) {
  if (len > buflen) __chk_fail();
  return recv(fd, buf, len, flags);
}

PERCORE_EXPORT ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* from,
                                socklen_t* from_len) {
  if (auto s = data_socket_of(fd)) return recv_one(*s, fd, buf, len, flags, from, from_len);
  return libc().recvfrom(fd, buf, len, flags, from, from_len);
}

PERCORE_EXPORT ssize_t __recvfrom_chk(int fd, void* buf, size_t len, size_t buflen, int flags,
                                      sockaddr* from, socklen_t* from_len) {
  if (len > buflen) __chk_fail();
  return recvfrom(fd, buf, len, flags, from, from_len);
}

PERCORE_EXPORT ssize_t recvmsg(int fd, msghdr* msg, int flags) {
  if (auto s = data_socket_of(fd); s && s->mode() == Socket::Mode::Percore) {
    if (!msg_ok(msg)) return fail(EFAULT);
    if (msg->msg_iovlen > IOV_MAX) return fail(EMSGSIZE);
    if (!iov_ok(msg->msg_iov, static_cast<int>(msg->msg_iovlen))) return fail(EFAULT);
    socklen_t namelen = msg->msg_namelen;
    const ssize_t n = s->recv(fd, {msg->msg_iov, msg->msg_iovlen}, flags,
                              static_cast<sockaddr*>(msg->msg_name), &namelen);
    if (n >= 0) {
      msg->msg_namelen = namelen;
      msg->msg_controllen = 0;
      msg->msg_flags = 0;
    }
    return n;
  }
  return libc().recvmsg(fd, msg, flags);
}

PERCORE_EXPORT int recvmmsg(int fd, mmsghdr* msgs, unsigned count, int flags, timespec* timeout) {
  if (auto s = socket_of(fd); s && s->mode() == Socket::Mode::Percore) {
    count = std::min<unsigned>(count, UIO_MAXIOV);  // Linux caps vlen
    if (!user_range_ok(msgs, std::size_t{count} * sizeof(mmsghdr))) return fail(EFAULT);
    unsigned done = 0;
    for (; done < count; ++done) {
      const ssize_t n = recvmsg(fd, &msgs[done].msg_hdr, done == 0 ? flags : flags | MSG_DONTWAIT);
      if (n < 0) break;
      msgs[done].msg_len = static_cast<unsigned>(n);
      if (flags & MSG_WAITFORONE) flags |= MSG_DONTWAIT;
      if (n == 0) {
        ++done;
        break;
      }
    }
    if (done == 0) return -1;
    return static_cast<int>(done);
  }
  return libc().recvmmsg(fd, msgs, count, flags, timeout);
}

PERCORE_EXPORT ssize_t send(int fd, const void* buf, size_t len, int flags) {
  if (auto s = data_socket_of(fd)) return send_one(*s, fd, buf, len, flags);
  return libc().send(fd, buf, len, flags);
}

PERCORE_EXPORT ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* to,
                              socklen_t to_len) {
  // A connected TCP socket ignores the address, as Linux does.
  if (auto s = data_socket_of(fd); s && s->mode() == Socket::Mode::Percore)
    return send_one(*s, fd, buf, len, flags);
  return libc().sendto(fd, buf, len, flags, to, to_len);
}

PERCORE_EXPORT ssize_t sendmsg(int fd, const msghdr* msg, int flags) {
  if (auto s = data_socket_of(fd); s && s->mode() == Socket::Mode::Percore) {
    if (!msg_ok(msg)) return fail(EFAULT);
    if (msg->msg_iovlen > IOV_MAX) return fail(EMSGSIZE);
    if (!iov_ok(msg->msg_iov, static_cast<int>(msg->msg_iovlen))) return fail(EFAULT);
    return s->send(fd, {msg->msg_iov, msg->msg_iovlen}, flags);
  }
  return libc().sendmsg(fd, msg, flags);
}

PERCORE_EXPORT int sendmmsg(int fd, mmsghdr* msgs, unsigned count, int flags) {
  if (auto s = socket_of(fd); s && s->mode() == Socket::Mode::Percore) {
    count = std::min<unsigned>(count, UIO_MAXIOV);  // Linux caps vlen
    if (!user_range_ok(msgs, std::size_t{count} * sizeof(mmsghdr))) return fail(EFAULT);
    unsigned done = 0;
    for (; done < count; ++done) {
      const ssize_t n = sendmsg(fd, &msgs[done].msg_hdr, flags);
      if (n < 0) break;
      msgs[done].msg_len = static_cast<unsigned>(n);
    }
    return done == 0 && count > 0 ? -1 : static_cast<int>(done);
  }
  return libc().sendmmsg(fd, msgs, count, flags);
}

namespace {

// sendfile(2) to a percore socket: read the file, send through the stack.
ssize_t sendfile_to_socket(Socket& s, int out_fd, int in_fd, off64_t* offset, size_t count) {
  std::vector<std::uint8_t> chunk(std::min<size_t>(count, 256 * 1024));
  size_t total = 0;
  off64_t pos = offset != nullptr ? *offset : 0;
  while (total < count) {
    const size_t want = std::min(chunk.size(), count - total);
    const ssize_t n = offset != nullptr ? pread64(in_fd, chunk.data(), want, pos)
                                        : libc().read(in_fd, chunk.data(), want);
    if (n < 0) {
      if (total > 0) break;
      return -1;
    }
    if (n == 0) break;
    const ssize_t sent = send_one(s, out_fd, chunk.data(), static_cast<size_t>(n), 0);
    if (sent < 0) {
      if (total > 0) break;
      return -1;
    }
    total += static_cast<size_t>(sent);
    pos += sent;
    if (sent < n) {
      // The socket took less (non-blocking): leave the file where it stopped.
      if (offset == nullptr) lseek64(in_fd, sent - n, SEEK_CUR);
      break;
    }
  }
  if (offset != nullptr) *offset = pos;
  return static_cast<ssize_t>(total);
}

}  // namespace

PERCORE_EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t* offset, size_t count) {
  if (auto s = socket_of(out_fd); s && s->mode() == Socket::Mode::Percore) {
    // The offset is read and written as the kernel's copies do: EFAULT.
    off_t at = 0;
    if (offset != nullptr && !read_user(&at, offset, sizeof at)) return fail(EFAULT);
    off64_t pos = at;
    const ssize_t n = sendfile_to_socket(*s, out_fd, in_fd, offset != nullptr ? &pos : nullptr, count);
    at = static_cast<off_t>(pos);
    if (offset != nullptr && !write_user(offset, &at, sizeof at)) return fail(EFAULT);
    return n;
  }
  return libc().sendfile(out_fd, in_fd, offset, count);
}

PERCORE_EXPORT ssize_t sendfile64(int out_fd, int in_fd, off64_t* offset, size_t count) {
  if (auto s = socket_of(out_fd); s && s->mode() == Socket::Mode::Percore) {
    off64_t pos = 0;
    if (offset != nullptr && !read_user(&pos, offset, sizeof pos)) return fail(EFAULT);
    const ssize_t n = sendfile_to_socket(*s, out_fd, in_fd, offset != nullptr ? &pos : nullptr, count);
    if (offset != nullptr && !write_user(offset, &pos, sizeof pos)) return fail(EFAULT);
    return n;
  }
  return libc().sendfile64(out_fd, in_fd, offset, count);
}

PERCORE_EXPORT int getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  if (auto s = socket_of(fd)) return s->getsockopt(fd, level, name, value, len);
  return libc().getsockopt(fd, level, name, value, len);
}

PERCORE_EXPORT int setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  if (auto s = socket_of(fd)) return s->setsockopt(fd, level, name, value, len);
  return libc().setsockopt(fd, level, name, value, len);
}

PERCORE_EXPORT int getsockname(int fd, sockaddr* addr, socklen_t* len) {
  if (auto s = socket_of(fd)) return s->getsockname(fd, addr, len);
  return libc().getsockname(fd, addr, len);
}

PERCORE_EXPORT int getpeername(int fd, sockaddr* addr, socklen_t* len) {
  if (auto s = socket_of(fd)) return s->getpeername(fd, addr, len);
  return libc().getpeername(fd, addr, len);
}

PERCORE_EXPORT int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  const auto arg = va_arg(ap, std::uintptr_t);
  va_end(ap);
  return fcntl_impl(fd, cmd, arg, false);
}

PERCORE_EXPORT int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  const auto arg = va_arg(ap, std::uintptr_t);
  va_end(ap);
  return fcntl_impl(fd, cmd, arg, true);
}

PERCORE_EXPORT int ioctl(int fd, unsigned long request, ...) {
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  if (auto s = socket_of(fd)) return s->ioctl(fd, request, arg);
  return libc().ioctl(fd, request, arg);
}

PERCORE_EXPORT int dup(int fd) { return dup_into(fd, libc().dup(fd)); }

PERCORE_EXPORT int dup3(int from, int to, int flags) {
  if (from == to) return libc().dup3(from, to, flags);  // EINVAL, as Linux
  auto file = FdTable::get().find(from);
  auto replaced = FdTable::get().take(to);
  const int rc = libc().dup3(from, to, flags);
  if (rc < 0) {
    if (replaced) FdTable::get().set(to, std::move(replaced));
    return rc;
  }
  if (file) FdTable::get().set(to, std::move(file));
  return rc;
}

PERCORE_EXPORT int dup2(int from, int to) {
  if (from == to) return libc().dup2(from, to);
  auto file = FdTable::get().find(from);
  auto replaced = FdTable::get().take(to);
  const int rc = libc().dup2(from, to);
  if (rc < 0) {
    if (replaced) FdTable::get().set(to, std::move(replaced));
    return rc;
  }
  if (file) FdTable::get().set(to, std::move(file));
  return rc;
}

PERCORE_EXPORT int epoll_create1(int flags) {
  const int fd = libc().epoll_create1(flags);
  if (fd >= 0) FdTable::get().set(fd, std::make_shared<EpollSet>(fd));
  return fd;
}

PERCORE_EXPORT int epoll_create(int size) {
  const int fd = libc().epoll_create(size);
  if (fd >= 0) FdTable::get().set(fd, std::make_shared<EpollSet>(fd));
  return fd;
}

PERCORE_EXPORT int epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
  if (auto set = epoll_of(epfd)) return set->ctl(op, fd, event);
  return libc().epoll_ctl(epfd, op, fd, event);
}

PERCORE_EXPORT int epoll_wait(int epfd, epoll_event* events, int max, int timeout_ms) {
  if (auto set = epoll_of(epfd)) return set->wait(events, max, deadline_ms(timeout_ms), nullptr);
  return libc().epoll_wait(epfd, events, max, timeout_ms);
}

PERCORE_EXPORT int epoll_pwait(int epfd, epoll_event* events, int max, int timeout_ms,
                               const sigset_t* mask) {
  if (auto set = epoll_of(epfd)) return set->wait(events, max, deadline_ms(timeout_ms), mask);
  return libc().epoll_pwait(epfd, events, max, timeout_ms, mask);
}

PERCORE_EXPORT int epoll_pwait2(int epfd, epoll_event* events, int max, const timespec* timeout,
                                const sigset_t* mask) {
  if (auto set = epoll_of(epfd)) {
    std::optional<Instant> deadline;
    if (const int e = deadline_ts(timeout, deadline)) return fail(e);
    return set->wait(events, max, deadline, mask);
  }
  return libc().epoll_pwait2(epfd, events, max, timeout, mask);
}

PERCORE_EXPORT int poll(pollfd* fds, nfds_t n, int timeout_ms) {
  return poll_fds(fds, n, deadline_ms(timeout_ms), nullptr);
}

PERCORE_EXPORT int __poll_chk(pollfd* fds, nfds_t n, int timeout_ms, size_t fdslen) {
  if (fdslen / sizeof(*fds) < n) __chk_fail();
  return poll(fds, n, timeout_ms);
}

PERCORE_EXPORT int ppoll(pollfd* fds, nfds_t n, const timespec* timeout, const sigset_t* mask) {
  std::optional<Instant> deadline;
  if (const int e = deadline_ts(timeout, deadline)) return fail(e);
  return poll_fds(fds, n, deadline, mask);
}

PERCORE_EXPORT int __ppoll_chk(pollfd* fds, nfds_t n, const timespec* timeout,
                               const sigset_t* mask, size_t fdslen) {
  if (fdslen / sizeof(*fds) < n) __chk_fail();
  return ppoll(fds, n, timeout, mask);
}

PERCORE_EXPORT int select(int n, fd_set* r, fd_set* w, fd_set* e, timeval* timeout) {
  if (!FdTable::get().any()) return kernel_select(n, r, w, e, timeout);
  std::optional<Instant> deadline;
  timeval tv{};
  if (timeout != nullptr) {
    if (!read_user(&tv, timeout, sizeof tv)) return fail(EFAULT);
    if (tv.tv_sec < 0 || tv.tv_usec < 0) return fail(EINVAL);
    // Linux normalises microseconds beyond a second rather than refusing them.
    deadline = now() + std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
  }
  const int rc = select_fds(n, r, w, e, deadline, nullptr);
  if (timeout != nullptr) {
    // Linux writes back the time left.
    const auto left = std::max(Duration::zero(), *deadline - now());
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(left).count();
    tv.tv_sec = us / 1'000'000;
    tv.tv_usec = us % 1'000'000;
    const int saved = errno;
    write_user(timeout, &tv, sizeof tv);
    errno = saved;
  }
  return rc;
}

PERCORE_EXPORT int pselect(int n, fd_set* r, fd_set* w, fd_set* e, const timespec* timeout,
                           const sigset_t* mask) {
  std::optional<Instant> deadline;
  if (const int err = deadline_ts(timeout, deadline)) return fail(err);
  if (!FdTable::get().any()) {
    const SignalWatch signals;
    for (;;) {
      timespec left{}, *tsp = nullptr;
      if (deadline) {
        const auto d = std::max(Duration::zero(), *deadline - now());
        const auto secs = std::chrono::duration_cast<std::chrono::seconds>(d);
        left = {static_cast<time_t>(secs.count()), static_cast<long>((d - secs).count())};
        tsp = &left;
      }
      const int rc = libc().pselect(n, r, w, e, tsp, mask);
      if (rc >= 0 || errno != EINTR || signals.fired()) return rc;
    }
  }
  return select_fds(n, r, w, e, deadline, mask);
}

PERCORE_EXPORT pid_t fork() {
  fork_proxy::Pending proxy = fork_proxy::prepare();
  const pid_t pid = libc().fork();
  if (pid == 0) {
    Runtime::get().after_fork_child();
    fork_proxy::child_after(proxy);
  } else {
    if (pid > 0) Runtime::get().note_fork();
    fork_proxy::parent_after(proxy, pid);
  }
  return pid;
}

// exit() runs close_all_at_exit as an atexit handler; _exit() skips those,
// and percore's connections must still end as the kernel ends them.
PERCORE_EXPORT void _exit(int status) {
  close_all_at_exit();
  libc()._exit(status);
  __builtin_unreachable();
}

PERCORE_EXPORT void _Exit(int status) {
  close_all_at_exit();
  libc()._Exit(status);
  __builtin_unreachable();
}

// vfork's child shares the parent's memory, where percore's state lives;
// a real fork is what the standard allows vfork to be.
PERCORE_EXPORT pid_t vfork() { return fork(); }

PERCORE_EXPORT int sigaction(int signo, const struct sigaction* act, struct sigaction* old) {
  int rc = 0;
  Runtime::get().install_handler(signo, act, old, rc);
  return rc;
}

PERCORE_EXPORT sighandler_t signal(int signo, sighandler_t handler) {
  // glibc's signal() has BSD semantics: SA_RESTART, handler not reset.
  struct sigaction act {}, old {};
  act.sa_handler = handler;
  act.sa_flags = SA_RESTART;
  sigemptyset(&act.sa_mask);
  sigaddset(&act.sa_mask, signo);
  if (sigaction(signo, &act, &old) != 0) return SIG_ERR;
  return old.sa_handler;
}

// The calls that take the effective capabilities away (preload/privileges.h):
// the stack opens its device first, while it still can; then the call does
// exactly what it was asked.
PERCORE_EXPORT int setuid(uid_t uid) {
  if (loses_effective_root(geteuid(), uid)) Runtime::get().before_privilege_drop();
  return libc().setuid(uid);
}

PERCORE_EXPORT int seteuid(uid_t euid) {
  if (loses_effective_root(geteuid(), euid)) Runtime::get().before_privilege_drop();
  return libc().seteuid(euid);
}

PERCORE_EXPORT int setreuid(uid_t ruid, uid_t euid) {
  if (loses_effective_root(geteuid(), euid)) Runtime::get().before_privilege_drop();
  return libc().setreuid(ruid, euid);
}

PERCORE_EXPORT int setresuid(uid_t ruid, uid_t euid, uid_t suid) {
  if (loses_effective_root(geteuid(), euid)) Runtime::get().before_privilege_drop();
  return libc().setresuid(ruid, euid, suid);
}

PERCORE_EXPORT int capset(cap_user_header_t header, cap_user_data_t data) {
  // Only this thread's own sets (pid 0) with an effective set that gives up
  // a capability the device needs; the kernel judges the arguments.
  __user_cap_header_struct h{};
  __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};
  if (header != nullptr && data != nullptr && read_user(&h, header, sizeof h) && h.pid == 0) {
    const std::size_t words = h.version == _LINUX_CAPABILITY_VERSION_1 ? 1 : 2;
    if (read_user(d, data, words * sizeof d[0])) {
      const std::uint64_t effective =
          std::uint64_t{d[0].effective} | (words == 2 ? std::uint64_t{d[1].effective} << 32 : 0);
      const config::Config* c = Runtime::get().config();
      if (c != nullptr &&
          (capabilities_needed(c->dev) & effective_capabilities() & ~effective) != 0)
        Runtime::get().before_privilege_drop();
    }
  }
  return libc().capset(header, data);
}
