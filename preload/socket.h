// A TCP socket as libpercore.so sees it. It starts Undecided, backed only
// by its kernel placeholder (a real socket, so every call that percore does
// not serve can simply be the kernel's, with the kernel's exact errors), and
// is decided at bind/listen/connect: loopback and addresses that are not the
// stack's go to the kernel for good; the stack's address and INADDR_ANY
// become percore's. A listener on INADDR_ANY also listens on its placeholder,
// so local health checks on 127.0.0.1 keep working.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "preload/fd_table.h"
#include "preload/runtime.h"
#include "stack/api/sockets.h"

namespace percore::preload {

struct ListenGroup;

class Socket final : public File, public ReadyTarget {
 public:
  enum class Mode { Undecided, Percore, Kernel };

  explicit Socket(bool nonblocking);
  // Accepted connections are percore's from the start.
  Socket(ShardBox& box, api::SocketId id, bool nonblocking);
  ~Socket() override;

  Mode mode() const { return mode_.load(std::memory_order_acquire); }
  // An INADDR_ANY listener whose placeholder listens on the kernel too.
  bool kernel_listening() const { return kernel_listening_; }
  // A connection on percore's stack (not a listener).
  bool connection() const { return mode() == Mode::Percore && box() != nullptr; }
  std::uint32_t poll_events(int fd) override;
  // From the shard's readiness dispatch (shard lock held).
  void on_ready() override;

  // The POSIX calls, for an fd whose file is this socket. Each returns what
  // the libc call returns and sets errno the same way.
  int bind(int fd, const sockaddr* addr, socklen_t len);
  int listen(int fd, int backlog);
  int accept(int fd, sockaddr* addr, socklen_t* len, int flags);
  int connect(int fd, const sockaddr* addr, socklen_t len);
  ssize_t recv(int fd, std::span<const iovec> iov, int flags, sockaddr* from, socklen_t* from_len);
  ssize_t send(int fd, std::span<const iovec> iov, int flags);
  int shutdown(int fd, int how);
  int getsockopt(int fd, int level, int name, void* value, socklen_t* len);
  int setsockopt(int fd, int level, int name, const void* value, socklen_t len);
  int getsockname(int fd, sockaddr* addr, socklen_t* len);
  int getpeername(int fd, sockaddr* addr, socklen_t* len);
  int ioctl(int fd, unsigned long request, void* arg);
  // From the runtime's timer: the deferred listener materialises if `fd`
  // is still this socket.
  void materialize_deferred(int fd);

  // F_GETFL / F_SETFL; other commands are the kernel's.
  int get_status_flags(int fd);
  int set_status_flags(int fd, int flags);

 private:
  // Undecided -> Percore: opens the stack's socket (starting the stack).
  bool become_percore();
  // A listener's sockets on every shard (starting the stack). mu_ held.
  bool materialize(int fd);
  // Undecided -> Kernel: every later call goes straight to the kernel.
  void become_kernel(int fd);
  void replay_options(int fd);
  // bind(): whether the stack (a connection, TIME-WAIT included, or a
  // listener on the stack's address) holds `at` against this socket.
  bool port_in_use(int fd, const api::Endpoint& at);
  // accept(): the options the application set on `listener` (fd
  // `listener_fd`) carry over to this socket, placeholder `fd`.
  void inherit_from(int listener_fd, const Socket& listener, int fd);
  // Leaves the listener's group; the last member closes the stack's
  // listening sockets. mu_ held (or the socket is going away).
  void leave_group();
  // listen(): records the address against later binds and listens (false:
  // EADDRINUSE, as Linux's inet_csk_get_port at listen time).
  bool claim_listen(int fd);
  void release_listen();
  void apply_option(int level, int name, int value);
  std::optional<Instant> deadline(bool receiving) const;
  std::uint32_t stack_events();  // tcp::Event bits, connection or listener

  ShardBox* box() const { return box_.load(std::memory_order_acquire); }
  // The shard that holds the connection, locked (nullptr, unlocked, when
  // there is none). A migration changes box_ and id_ with both shards
  // locked, so the lock is taken first and box_ read again under it.
  ShardBox* lock_box(std::unique_lock<std::mutex>& lock) const;
  // The connection follows the thread that uses it: after kMigrateAfter
  // data calls in a row from threads whose home shard is not the
  // connection's, it moves to the caller's (memcached accepts on one thread
  // and serves on another). Only where the process runs several shards.
  void follow_caller();
  static constexpr unsigned kMigrateAfter = 4;

  std::mutex mu_;  // mode transitions
  std::atomic<Mode> mode_{Mode::Undecided};
  std::atomic<bool> nonblocking_;
  // Percore: the connection, or the listener (one stack socket per shard,
  // shared by the SO_REUSEPORT sockets of one address).
  std::atomic<ShardBox*> box_{nullptr};
  api::SocketId id_;  // under box_'s lock
  std::atomic<unsigned> foreign_calls_{0};  // see follow_caller()
  std::shared_ptr<ListenGroup> group_;
  bool listener_ = false;          // listen() was called
  unsigned listen_backlog_ = 0;
  bool kernel_listening_ = false;  // the placeholder listens too (INADDR_ANY)
  api::Endpoint bound_;             // bind()'s address, kept for listen()/connect()
  bool bound_ours_ = false;         // bound to PERCORE_IP, the placeholder to INADDR_ANY
  bool connect_reported_ = false;   // a connect() call has reported the connection
  bool more_corked_ = false;  // a MSG_MORE send left the stack corked
  bool corked_ = false;             // TCP_CORK as the application set it (MSG_MORE)
  bool buffers_set_ = false;        // SO_RCVBUF/SO_SNDBUF given explicitly
  Duration rcvtimeo_{}, sndtimeo_{};  // SO_RCVTIMEO / SO_SNDTIMEO, 0 = none
  int rcvlowat_ = 1;                  // SO_RCVLOWAT
  bool claimed_ = false;              // holds a listen claim (claim_listen)
  std::vector<std::pair<int, int>> options_set_;  // (level, name) the application set
  // Bumped when shutdown() stops the listener: blocked accepts return EINVAL.
  std::atomic<unsigned> listen_generation_{0};
};

// At process exit (exit() or _exit()): closes every connection percore
// serves, as the kernel closes an exiting process's files (FIN, or RST where
// data was left unread), and polls the stack briefly (at most 500 ms) so
// those segments and the data still queued go out. Listeners are left to
// the process's end. Idempotent.
void close_all_at_exit();

// Whether `type` (socket(2)'s, with flags) and `domain`/`protocol` are a TCP
// socket percore may serve.
bool is_candidate(int domain, int type, int protocol);

}  // namespace percore::preload
