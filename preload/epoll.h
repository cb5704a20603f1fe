// epoll, poll and select over any mix of percore and kernel fds.
//
// An epoll set is a real kernel epoll fd that holds the application's kernel
// fds, plus percore's own registrations: a Watch per percore file, queued on
// the set's ready list by readiness edges from the shards (never found by
// scanning). epoll_wait harvests the ready list (level-triggered watches stay
// on it while they are ready, edge-triggered ones leave it, one-shot ones are
// disarmed), then the kernel epoll fd, spinning and parking through the
// runtime.
#pragma once

#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include <deque>
#include <memory>
#include <mutex>
#include <optional>

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

  // Watches whose readiness also comes from the kernel (listeners that
  // listen on their placeholder too), as kernel-side edges: made on first need.
  int internal_fd();
  void drain_internal();

  const int kernel_fd_;
  int internal_fd_ = -1;
  std::mutex mu_;
  absl::flat_hash_map<int, std::unique_ptr<Watch>> watches_;  // percore fds, by fd
  std::deque<Watch*> ready_;
};

int poll_fds(pollfd* fds, nfds_t n, std::optional<Instant> deadline, const sigset_t* mask);
int select_fds(int n, fd_set* r, fd_set* w, fd_set* e, std::optional<Instant> deadline,
               const sigset_t* mask);

}  // namespace percore::preload
