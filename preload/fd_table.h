// The interposer's view of file descriptors: which fds are percore's
// (sockets and epoll sets) and the object behind each. Every such fd is also
// a real kernel fd (a placeholder socket, or the epoll set's own kernel
// epoll fd), so numbering, dup, close-on-exec, fd limits and FD_SETSIZE are
// the kernel's own. dup()ed fds share one object, as they share one open
// file description in the kernel.
//
// Lookups of fds that are not percore's, which is most calls a program
// makes, cost one relaxed load.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/functional/function_ref.h"

namespace percore::preload {

struct Watch;

// A percore socket or epoll set. Either can be watched by epoll sets (an
// epoll set inside another is how nesting works for percore's members).
class File : public std::enable_shared_from_this<File> {
 public:
  enum class Kind { Socket, Epoll };
  explicit File(Kind kind) : kind_(kind) {}
  virtual ~File() = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  Kind kind() const { return kind_; }

  // Current readiness as poll(2) bits (POLLIN, POLLOUT, POLLRDHUP, POLLHUP,
  // POLLERR); `fd` is the descriptor the caller used.
  virtual std::uint32_t poll_events(int fd) = 0;

  // Epoll registrations of this file (Watch belongs to its epoll set).
  void add_watch(Watch* w);
  void remove_watch(Watch* w);
  // Readiness may have changed: queue this file on every set watching it.
  void notify_watchers();

 protected:
  // Sets call back into remove_watch(); a dying file detaches from all.
  void detach_watches();

 private:
  Kind kind_;
  std::mutex watch_mu_;
  std::vector<Watch*> watches_;
};

class FdTable {
 public:
  static FdTable& get();

  // nullptr when `fd` is not percore's.
  std::shared_ptr<File> find(int fd) const;
  void set(int fd, std::shared_ptr<File> file);
  // Removes and returns the entry (nullptr when there was none).
  std::shared_ptr<File> take(int fd);
  // Whether any fd is percore's (for calls that can then be the kernel's
  // whole, arguments and all).
  bool any() const { return live_.load(std::memory_order_acquire) > 0; }
  // Every entry, in fd order (a snapshot per entry; entries may change meanwhile).
  void for_each(absl::FunctionRef<void(int fd, const std::shared_ptr<File>&)> f) const;

  static constexpr int kMaxFds = 1 << 20;

 private:
  static constexpr int kChunkBits = 12;
  static constexpr int kChunkSize = 1 << kChunkBits;
  struct Chunk {
    std::atomic<bool> used[kChunkSize] = {};
    std::atomic<std::shared_ptr<File>> files[kChunkSize];
  };
  Chunk* chunk(int fd, bool create);

  std::atomic<Chunk*> chunks_[kMaxFds / kChunkSize] = {};
  std::atomic<int> live_{0};
};

template <class T>
std::shared_ptr<T> find_as(int fd, File::Kind kind) {
  auto f = FdTable::get().find(fd);
  if (!f || f->kind() != kind) return nullptr;
  return std::static_pointer_cast<T>(std::move(f));
}

}  // namespace percore::preload
