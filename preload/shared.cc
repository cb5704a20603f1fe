#include "preload/shared.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <new>

namespace percore::preload {
namespace {

bool alive(pid_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH); }

std::uint64_t mix(const tcp::FourTuple& t) {
  // Any hash every process computes alike (no per-process seed).
  std::uint64_t h = (std::uint64_t{t.remote_ip.value} << 32) ^
                    (std::uint64_t{t.remote_port} << 16) ^ t.local_port;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

SharedRegistry& SharedRegistry::get() {
  static SharedRegistry* registry = [] {
    void* mem = mmap(nullptr, sizeof(SharedRegistry), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) std::abort();  // a few hundred KiB of address space
    auto* r = new (mem) SharedRegistry();
    r->creator_ = getpid();
    return r;
  }();
  return *registry;
}

int SharedRegistry::claim() {
  const pid_t me = getpid();
  for (int i = 0; i < kSlots; ++i) {
    pid_t current = slot_pid_[i].load(std::memory_order_acquire);
    if (current != 0 && alive(current)) continue;
    if (current != 0) {
      // A dead process's slot: its ports first, then the slot.
      for (auto& bits : listeners_) bits.fetch_and(~(std::uint64_t{1} << i), std::memory_order_acq_rel);
    }
    if (slot_pid_[i].compare_exchange_strong(current, me, std::memory_order_acq_rel)) return i;
  }
  return -1;
}

void SharedRegistry::release(int slot) {
  if (slot < 0) return;
  for (auto& bits : listeners_) bits.fetch_and(~(std::uint64_t{1} << slot), std::memory_order_acq_rel);
  slot_pid_[slot].store(0, std::memory_order_release);
}

void SharedRegistry::reap() {
  for (int i = 0; i < kSlots; ++i) {
    pid_t pid = slot_pid_[i].load(std::memory_order_acquire);
    if (pid == 0 || alive(pid)) continue;
    if (slot_pid_[i].compare_exchange_strong(pid, -1, std::memory_order_acq_rel)) {
      for (auto& bits : listeners_) bits.fetch_and(~(std::uint64_t{1} << i), std::memory_order_acq_rel);
      slot_pid_[i].store(0, std::memory_order_release);
    }
  }
}

bool SharedRegistry::shared(int slot) const {
  if (creator_ != getpid()) return true;
  for (int i = 0; i < kSlots; ++i)
    if (i != slot && slot_pid_[i].load(std::memory_order_acquire) > 0) return true;
  return false;
}

bool SharedRegistry::primary(int slot) const {
  for (int i = 0; i < slot; ++i)
    if (slot_pid_[i].load(std::memory_order_acquire) > 0) return false;
  return true;
}

void SharedRegistry::listen(std::uint16_t port, int slot) {
  if (slot >= 0) listeners_[port].fetch_or(std::uint64_t{1} << slot, std::memory_order_acq_rel);
}

void SharedRegistry::unlisten(std::uint16_t port, int slot) {
  if (slot >= 0) listeners_[port].fetch_and(~(std::uint64_t{1} << slot), std::memory_order_acq_rel);
}

tcp::TcpLayer::Admission SharedRegistry::admit(const tcp::FourTuple& t, bool syn, int slot) const {
  using Admission = tcp::TcpLayer::Admission;
  const std::uint64_t members = listeners_[t.local_port].load(std::memory_order_acquire);
  if (members != 0) {
    // The listener that takes this connection (and so its handshake's ACK
    // or cookie): one of the listening processes, by hash.
    unsigned k = static_cast<unsigned>(mix(t) % static_cast<unsigned>(std::popcount(members)));
    std::uint64_t m = members;
    while (k-- > 0) m &= m - 1;
    return std::countr_zero(m) == slot ? Admission::Accept : Admission::Ignore;
  }
  if (!syn && t.local_port % kSlots != slot) {
    // Another process's active open (its port), or nobody's: the process
    // whose port it is answers.
    const pid_t owner = slot_pid_[t.local_port % kSlots].load(std::memory_order_acquire);
    if (owner > 0) return Admission::Ignore;
  }
  return primary(slot) ? Admission::Accept : Admission::Ignore;
}

}  // namespace percore::preload
