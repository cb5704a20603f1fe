// libFuzzer target over the interposer's waiting and vector calls: poll,
// ppoll, select, pselect, epoll_ctl/epoll_wait/epoll_pwait/epoll_pwait2 and
// readv/writev/recvfrom/recvmsg/sendmsg/recvmmsg/sendmmsg, linked in from preload/
// so that these names are percore's shims, driven with arguments taken
// from the input: descriptors from a pool (pipes, an AF_UNIX pair, TCP
// sockets percore holds, epoll sets nested in each other, closed, negative
// and huge numbers), pointers that are good, NULL, garbage, unmapped or
// read-only, and any counts, sizes, masks and timeouts. Every call must
// return (never block: timeouts are zero or invalid) and never crash; what
// Linux rejects must come back as an errno. Built with -Dfuzz=true by clang
// with ASan+UBSan.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

// The input, read front to back; zeros once it runs out.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | byte();
    return v;
  }
  template <class T>
  T pick(const std::vector<T>& choices) {
    return choices[byte() % choices.size()];
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// Memory the pointers are chosen from: a good buffer, a page that is
// mapped read-only, and one that is not mapped at all.
struct Regions {
  static constexpr std::size_t kSize = 1 << 16;
  std::uint8_t* good = nullptr;
  std::uint8_t* read_only = nullptr;
  std::uint8_t* unmapped = nullptr;

  Regions() {
    good = static_cast<std::uint8_t*>(std::malloc(kSize));
    const long page = sysconf(_SC_PAGESIZE);
    auto* two = static_cast<std::uint8_t*>(
        mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (two == MAP_FAILED) std::abort();
    read_only = two;
    mprotect(read_only, page, PROT_READ);
    unmapped = two + page;
    munmap(unmapped, page);
  }
};

Regions& regions() {
  static Regions r;
  return r;
}

// A pointer the kernel refuses with EFAULT (or, read-only, for writing):
// NULL, garbage, beyond the user address space, unmapped.
void* bad_pointer(Input& in) {
  Regions& r = regions();
  switch (in.byte() % 5) {
    case 0: return nullptr;
    case 1: return reinterpret_cast<void*>(std::uintptr_t{16});
    case 2: return reinterpret_cast<void*>(std::uintptr_t{0xdead'0000'0000'0000});
    case 3: return r.unmapped;
    default: return r.read_only;  // zeros
  }
}

// A timeout's bad pointer: never NULL, which is a valid timeout (wait
// forever: an input that drew it blocked until the fuzzer's own SIGALRM).
void* bad_timeout_pointer(Input& in) {
  void* p = bad_pointer(in);
  return p != nullptr ? p : regions().unmapped;
}

// A pointer for an argument of `need` bytes with no pointers in it (its
// bytes are garbage): good, or one the kernel refuses. Masks and
// structures holding pointers take bad_pointer() only, timeouts
// bad_timeout_pointer(), so that no call blocks on a garbage timeout or
// writes through a garbage pointer.
void* pointer(Input& in, std::size_t need) {
  Regions& r = regions();
  switch (in.byte() % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4: return bad_pointer(in);
    // The end of the good buffer: a long argument runs off it into what
    // malloc has around it, so only short ones (ASan would report the rest).
    default:
      if (need > Regions::kSize) return r.unmapped;
      return r.good + (Regions::kSize - need);
  }
}

struct Pool {
  std::vector<int> owned;  // closed at the end of the input
  std::vector<int> fds;    // what calls are given

  Pool() {
    int p[2];
    if (pipe2(p, O_NONBLOCK) == 0) {
      add(p[0]);
      add(p[1]);
      (void)write(p[1], "x", 1);  // one end readable
    }
    int u[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, u) == 0) {
      add(u[0]);
      add(u[1]);
    }
    // TCP sockets percore holds (Undecided: their placeholders answer).
    for (int i = 0; i < 2; ++i)
      if (int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0); s >= 0) add(s);
    // Epoll sets, the second inside the first, each holding some of the above.
    int outer = epoll_create1(0), inner = epoll_create1(0);
    if (outer >= 0 && inner >= 0) {
      add(outer);
      add(inner);
      epoll_event ev{EPOLLIN, {}};
      for (int fd : std::vector<int>(fds.begin(), fds.end() - 2)) epoll_ctl(inner, EPOLL_CTL_ADD, fd, &ev);
      epoll_ctl(outer, EPOLL_CTL_ADD, inner, &ev);
    }
    // Numbers that are no open file of ours.
    int closed = dup(0);
    if (closed >= 0) close(closed);
    fds.insert(fds.end(), {closed, -1, -100, 100'000, 1 << 22, 0x7fffffff});
  }
  ~Pool() {
    for (int fd : owned) close(fd);
  }
  void add(int fd) {
    owned.push_back(fd);
    fds.push_back(fd);
  }
  int pick(Input& in) { return in.pick(fds); }
};

const timespec* timespec_arg(Input& in, timespec& ts) {
  switch (in.byte() % 5) {
    case 0: ts = {0, 0}; return &ts;
    case 1: ts = {0, 1'000'000'000}; return &ts;  // EINVAL
    case 2: ts = {-1, 0}; return &ts;             // EINVAL
    case 3: return static_cast<const timespec*>(bad_timeout_pointer(in));
    default: ts = {0, 0}; return &ts;
  }
}

const sigset_t* mask_arg(Input& in, sigset_t& set) {
  if (in.byte() % 3 == 0) return static_cast<const sigset_t*>(bad_pointer(in));
  sigemptyset(&set);
  // Never the signals a sanitizer or the fuzzer relies on.
  if (in.byte() & 1) sigaddset(&set, SIGUSR1);
  return &set;
}

void call_poll(Input& in, Pool& pool) {
  const unsigned n = in.byte() % 12;
  const bool huge = in.byte() % 16 == 0;
  std::vector<pollfd> fds(n);
  for (auto& p : fds) p = {pool.pick(in), static_cast<short>(in.u32()), 0};
  pollfd* arg = fds.data();
  if (in.byte() % 4 == 0) arg = static_cast<pollfd*>(pointer(in, n * sizeof(pollfd)));
  const nfds_t count = huge ? (nfds_t{1} << 30) : n;
  timespec ts;
  sigset_t set;
  switch (in.byte() % 3) {
    case 0: poll(arg, count, 0); break;
    case 1: ppoll(arg, count, timespec_arg(in, ts), nullptr); break;
    default: ppoll(arg, count, timespec_arg(in, ts), mask_arg(in, set)); break;
  }
}

void call_select(Input& in, Pool& pool) {
  // Sets of 4096 bits, so nfds up to that is the application's right.
  static std::uint64_t bits[3][4096 / 64];
  std::memset(bits, 0, sizeof bits);
  for (int k = 0; k < 3; ++k)
    for (unsigned i = in.byte() % 4; i > 0; --i) {
      const int fd = pool.pick(in);
      if (fd >= 0 && fd < 4096) bits[k][fd / 64] |= std::uint64_t{1} << (fd % 64);
    }
  fd_set* sets[3];
  for (int k = 0; k < 3; ++k) {
    const std::uint8_t how = in.byte() % 6;
    sets[k] = how == 0   ? nullptr
              : how == 1 ? static_cast<fd_set*>(pointer(in, 512))
                         : reinterpret_cast<fd_set*>(bits[k]);
  }
  const int choice = in.byte() % 4;
  const int nfds = choice == 0 ? static_cast<int>(in.u32()) : choice == 1 ? 4096 : in.byte() * 8;
  if (in.byte() & 1) {
    timeval tv{0, 0};
    timeval* arg = &tv;
    switch (in.byte() % 4) {
      case 0: tv = {-1, 0}; break;  // EINVAL
      case 1: arg = static_cast<timeval*>(bad_timeout_pointer(in)); break;
      default: break;
    }
    select(nfds, sets[0], sets[1], sets[2], arg);
  } else {
    timespec ts;
    sigset_t set;
    pselect(nfds, sets[0], sets[1], sets[2], timespec_arg(in, ts), mask_arg(in, set));
  }
}

void call_epoll(Input& in, Pool& pool) {
  const int ep = pool.pick(in);
  switch (in.byte() % 6) {
    case 0: {
      const int fd = pool.pick(in);
      epoll_event ev{in.u32(), {}};
      epoll_event* arg = in.byte() % 4 == 0 ? static_cast<epoll_event*>(pointer(in, sizeof ev)) : &ev;
      epoll_ctl(ep, static_cast<int>(in.byte() % 5), fd, arg);
      break;
    }
    case 1: {
      // A new set into a chosen one, or a chosen one into the new set: the
      // nest grows, cycles and too-deep nests must be refused.
      const int fresh = epoll_create1(0);
      if (fresh < 0) break;
      pool.add(fresh);
      epoll_event ev{EPOLLIN | (in.byte() & 1 ? EPOLLET : 0u), {}};
      if (in.byte() & 1)
        epoll_ctl(ep, EPOLL_CTL_ADD, fresh, &ev);
      else
        epoll_ctl(fresh, EPOLL_CTL_ADD, ep, &ev);
      break;
    }
    default: {
      static epoll_event events[64];
      const int choice = in.byte() % 5;
      const int max = choice == 0 ? static_cast<int>(in.u32()) : 1 + in.byte() % 64;
      epoll_event* arg =
          in.byte() % 4 == 0 ? static_cast<epoll_event*>(pointer(in, std::size_t(max > 0 ? max : 1) * sizeof(epoll_event)))
                             : events;
      if (arg == events && max > 64) arg = static_cast<epoll_event*>(bad_pointer(in));
      timespec ts;
      sigset_t set;
      switch (in.byte() % 3) {
        case 0: epoll_wait(ep, arg, max, 0); break;
        case 1: epoll_pwait(ep, arg, max, 0, mask_arg(in, set)); break;
        default: epoll_pwait2(ep, arg, max, timespec_arg(in, ts), mask_arg(in, set)); break;
      }
    }
  }
}

void call_vector(Input& in, Pool& pool) {
  const int fd = pool.pick(in);
  static char buffer[256];
  std::vector<iovec> iov(in.byte() % 4);
  // The buffer with a length that fits it, or a bad pointer with any length.
  for (auto& v : iov) {
    if (in.byte() % 4 == 0)
      v = {bad_pointer(in), in.byte() % 2 ? in.u32() : in.byte()};
    else
      v = {buffer, in.byte() % sizeof buffer};
  }
  const int choice = in.byte() % 4;
  const int count = choice == 0 ? static_cast<int>(in.u32()) : static_cast<int>(iov.size());
  iovec* arg = in.byte() % 5 == 0 ? static_cast<iovec*>(bad_pointer(in)) : iov.data();
  const int flags = MSG_DONTWAIT | MSG_NOSIGNAL;
  msghdr msg{};
  msg.msg_iov = arg;
  msg.msg_iovlen = static_cast<std::size_t>(count);
  msghdr* msg_arg = in.byte() % 5 == 0 ? static_cast<msghdr*>(bad_pointer(in)) : &msg;
  mmsghdr mm[2]{};
  mm[0].msg_hdr = msg;
  mm[1].msg_hdr = msg;
  switch (in.byte() % 7) {
    case 6: {
      socklen_t len = sizeof(sockaddr_storage);
      static sockaddr_storage from;
      recvfrom(fd, buffer, in.byte() % sizeof buffer, flags, in.byte() & 1 ? reinterpret_cast<sockaddr*>(&from) : nullptr,
               in.byte() & 1 ? &len : static_cast<socklen_t*>(bad_pointer(in)));
      break;
    }
    case 0: readv(fd, arg, count); break;
    case 1: writev(fd, arg, count); break;
    case 2: recvmsg(fd, msg_arg, flags); break;
    case 3: sendmsg(fd, msg_arg, flags); break;
    case 4: recvmmsg(fd, in.byte() & 1 ? mm : static_cast<mmsghdr*>(bad_pointer(in)), in.byte() % 3, flags, nullptr); break;
    default: sendmmsg(fd, in.byte() & 1 ? mm : static_cast<mmsghdr*>(bad_pointer(in)), in.byte() % 3, flags); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A write into a pipe whose reader is gone must not stop the fuzzer.
  static const bool ignored = [] { return signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)ignored;
  Input in(data, size);
  Pool pool;
  for (int calls = 0; calls < 32 && !in.done(); ++calls) {
    switch (in.byte() % 4) {
      case 0: call_poll(in, pool); break;
      case 1: call_select(in, pool); break;
      case 2: call_epoll(in, pool); break;
      default: call_vector(in, pool); break;
    }
  }
  return 0;
}
