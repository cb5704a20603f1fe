// epoll, poll and select over any mix of percore and kernel fds.
//
// An epoll set is a real kernel epoll fd that holds the application's kernel
// fds, plus percore's own registrations: a Watch per percore file, queued on
// the set's ready list by readiness edges from the shards (never found by
// scanning). The kernel fds have a Watch too, registered in the kernel set
// under a token of ours: what the kernel reports ready joins the same ready
// list, so that the order of events over successive waits (maxevents smaller
// than the ready count) is Linux's one list, not ours then the kernel's.
// epoll_wait harvests the ready list (level-triggered watches stay on it
// while they are ready, edge-triggered ones leave it, one-shot ones are
// disarmed), spinning and parking through the runtime.
//
// Where a percore file's readiness also comes from the kernel (an epoll set
// nested in this one, a listener that also listens on its placeholder),
// its kernel fd is registered in the kernel set too, as a mirror: the
// kernel then wakes the set, and a nest of sets is a nest of kernel sets,
// whose loops and depth the kernel refuses (ELOOP) exactly as Linux does.
#pragma once

#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "preload/fd_table.h"
#include "stack/core/time.h"

namespace percore::preload {

class EpollSet;

struct Watch {
  EpollSet* set = nullptr;
  std::weak_ptr<File> file;
  File* raw = nullptr;  // identity only; use `file` to reach it
  int fd = -1;
  std::uint32_t interest = 0;  // EPOLLIN | ... | EPOLLET | EPOLLONESHOT
  epoll_data_t data{};
  bool queued = false;
  bool disarmed = false;  // EPOLLONESHOT fired; EPOLL_CTL_MOD re-arms
  // A kernel fd's watch: the kernel judges its readiness and keeps its
  // level/edge/one-shot state; `seen` is the harvest that last found it
  // ready, with `kernel_events`.
  bool kernel = false;
  // A percore file whose readiness also comes from the kernel, mirrored in
  // the set's kernel set: an epoll set inside this one (its own kernel
  // set), or a listener that listens on its placeholder too.
  bool mirrored = false;
  std::uint32_t generation = 0;  // tells this registration from an earlier one of the fd
  std::uint64_t seen = 0;
  std::uint32_t kernel_events = 0;
};

class EpollSet final : public File {
 public:
  explicit EpollSet(int kernel_fd) : File(Kind::Epoll), kernel_fd_(kernel_fd) {}
  ~EpollSet() override;

  int ctl(int op, int fd, epoll_event* event);
  int wait(epoll_event* events, int max, std::optional<Instant> deadline, const sigset_t* mask);
  std::uint32_t poll_events(int fd) override;

  // A watched file's readiness changed (from the file's notify_watchers).
  void queue(Watch* w);
  // A watched file is going away: Linux drops its registration.
  void forget(Watch* w);

 private:
  int harvest(epoll_event* events, int max, bool consume);

  // The application's kernel fds, registered in kernel_fd_ with a token
  // (generation, fd) instead of the application's data.
  int kernel_ctl(int op, int fd, epoll_event* event);
  void drain_kernel();
  Watch* kernel_watch(std::uint64_t token);  // under mu_
  // Puts back candidates of a harvest: those not reached in front, those
  // reported and still level-triggered behind (Linux's ep_send_events).
  void requeue(const std::vector<Watch*>& front, const std::vector<Watch*>& back);
  bool registered(const Watch* w) const;  // under mu_

  const int kernel_fd_;
  std::mutex mu_;
  absl::flat_hash_map<int, std::unique_ptr<Watch>> watches_;  // percore fds, by fd
  absl::flat_hash_map<int, std::unique_ptr<Watch>> kernel_watches_;  // kernel fds, by fd
  std::uint32_t generation_ = 0;
  std::uint64_t harvests_ = 0;
  std::deque<Watch*> ready_;
};

int poll_fds(pollfd* fds, nfds_t n, std::optional<Instant> deadline, const sigset_t* mask);
int select_fds(int n, fd_set* r, fd_set* w, fd_set* e, std::optional<Instant> deadline,
               const sigset_t* mask);

}  // namespace percore::preload
