// Every libc function libpercore.so intercepts, listed once. The list is
// expanded into the table of original functions (libc.h) and checked
// against the exported shims (shims.cc), so adding a call is one line here
// and one shim.
//
// X(return type, name, parameter types)
#pragma once

#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#define PERCORE_LIBC_SYMBOLS(X)                                                          \
  X(int, socket, (int, int, int))                                                        \
  X(int, bind, (int, const struct sockaddr*, socklen_t))                                 \
  X(int, listen, (int, int))                                                             \
  X(int, accept, (int, struct sockaddr*, socklen_t*))                                    \
  X(int, accept4, (int, struct sockaddr*, socklen_t*, int))                              \
  X(int, connect, (int, const struct sockaddr*, socklen_t))                              \
  X(int, shutdown, (int, int))                                                           \
  X(int, close, (int))                                                                   \
  X(ssize_t, read, (int, void*, size_t))                                                 \
  X(ssize_t, readv, (int, const struct iovec*, int))                                     \
  X(ssize_t, write, (int, const void*, size_t))                                          \
  X(ssize_t, writev, (int, const struct iovec*, int))                                    \
  X(ssize_t, recv, (int, void*, size_t, int))                                            \
  X(ssize_t, recvfrom, (int, void*, size_t, int, struct sockaddr*, socklen_t*))          \
  X(ssize_t, recvmsg, (int, struct msghdr*, int))                                        \
  X(int, recvmmsg, (int, struct mmsghdr*, unsigned, int, struct timespec*))              \
  X(ssize_t, send, (int, const void*, size_t, int))                                      \
  X(ssize_t, sendto, (int, const void*, size_t, int, const struct sockaddr*, socklen_t)) \
  X(ssize_t, sendmsg, (int, const struct msghdr*, int))                                  \
  X(int, sendmmsg, (int, struct mmsghdr*, unsigned, int))                                \
  X(ssize_t, sendfile, (int, int, off_t*, size_t))                                       \
  X(ssize_t, sendfile64, (int, int, off64_t*, size_t))                                   \
  X(int, getsockopt, (int, int, int, void*, socklen_t*))                                 \
  X(int, setsockopt, (int, int, int, const void*, socklen_t))                            \
  X(int, getsockname, (int, struct sockaddr*, socklen_t*))                               \
  X(int, getpeername, (int, struct sockaddr*, socklen_t*))                               \
  X(int, fcntl, (int, int, ...))                                                         \
  X(int, fcntl64, (int, int, ...))                                                       \
  X(int, ioctl, (int, unsigned long, ...))                                               \
  X(int, dup, (int))                                                                     \
  X(int, dup2, (int, int))                                                               \
  X(int, dup3, (int, int, int))                                                          \
  X(int, epoll_create, (int))                                                            \
  X(int, epoll_create1, (int))                                                           \
  X(int, epoll_ctl, (int, int, int, struct epoll_event*))                                \
  X(int, epoll_wait, (int, struct epoll_event*, int, int))                               \
  X(int, epoll_pwait, (int, struct epoll_event*, int, int, const sigset_t*))             \
  X(int, epoll_pwait2,                                                                   \
    (int, struct epoll_event*, int, const struct timespec*, const sigset_t*))            \
  X(int, poll, (struct pollfd*, nfds_t, int))                                            \
  X(int, ppoll, (struct pollfd*, nfds_t, const struct timespec*, const sigset_t*))       \
  X(int, select, (int, fd_set*, fd_set*, fd_set*, struct timeval*))                      \
  X(int, pselect,                                                                        \
    (int, fd_set*, fd_set*, fd_set*, const struct timespec*, const sigset_t*))           \
  X(pid_t, fork, ())                                                                     \
  X(void, _exit, (int))                                                                  \
  X(void, _Exit, (int))                                                                  \
  X(pid_t, vfork, ())                                                                    \
  X(ssize_t, __read_chk, (int, void*, size_t, size_t))                                   \
  X(ssize_t, __recv_chk, (int, void*, size_t, size_t, int))                              \
  X(ssize_t, __recvfrom_chk,                                                             \
    (int, void*, size_t, size_t, int, struct sockaddr*, socklen_t*))                     \
  X(int, __poll_chk, (struct pollfd*, nfds_t, int, size_t))                              \
  X(int, __ppoll_chk,                                                                    \
    (struct pollfd*, nfds_t, const struct timespec*, const sigset_t*, size_t))           \
  X(int, sigaction, (int, const struct sigaction*, struct sigaction*))                   \
  X(sighandler_t, signal, (int, sighandler_t))                                           \
  X(int, setuid, (uid_t))                                                                \
  X(int, seteuid, (uid_t))                                                               \
  X(int, setreuid, (uid_t, uid_t))                                                       \
  X(int, setresuid, (uid_t, uid_t, uid_t))                                               \
  X(int, capset, (cap_user_header_t, cap_user_data_t))
