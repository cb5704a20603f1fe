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

std::uint64_t bit(int slot) { return std::uint64_t{1} << slot; }

// murmur3's finaliser: a bijection on 64 bits, the same in every process
// (no per-process seed).
std::uint64_t fmix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// The remote end and the local port: the local address is the same for
// every process sharing the device.
std::uint64_t pack(const tcp::FourTuple& t) {
  return (std::uint64_t{t.remote_ip.value} << 32) | (std::uint64_t{t.remote_port} << 16) |
         t.local_port;
}

// One of `members` by hash of the tuple: every process picks the same.
int pick(const tcp::FourTuple& t, std::uint64_t members) {
  unsigned k = static_cast<unsigned>(fmix(pack(t) ^ 0x9e3779b97f4a7c15ULL) %
                                     static_cast<unsigned>(std::popcount(members)));
  while (k-- > 0) members &= members - 1;
  return std::countr_zero(members);
}

// A SYN that loses every compare-and-swap this many times (the bucket
// changing under it each time) is ignored by this process; the claim
// that won tells the others.
constexpr int kTries = 16;

}  // namespace

SharedRegistry& SharedRegistry::get() {
  static SharedRegistry* registry = [] {
    void* mem = mmap(nullptr, sizeof(SharedRegistry), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) std::abort();  // about 1.5 MiB of address space
    auto* r = new (mem) SharedRegistry();
    r->creator_ = getpid();
    return r;
  }();
  return *registry;
}

SharedRegistry::Key SharedRegistry::key_of(const tcp::FourTuple& t) {
  const std::uint64_t h = fmix(pack(t));
  return {static_cast<std::size_t>(h & ((std::uint64_t{1} << kBucketBits) - 1)),
          h >> kBucketBits};
}

void SharedRegistry::clear(std::span<std::atomic<std::uint64_t>> words, int slot) {
  // Read first: most words never had the bit, and their pages stay clean.
  for (auto& bits : words)
    if ((bits.load(std::memory_order_acquire) & bit(slot)) != 0)
      bits.fetch_and(~bit(slot), std::memory_order_acq_rel);
}

void SharedRegistry::forget_slot(int slot) {
  clear(listeners_, slot);
  clear(available_, slot);
  drop_claims(slot);
  lingering_.fetch_and(~bit(slot), std::memory_order_acq_rel);
}

void SharedRegistry::drop_claims(int slot) {
  // Its connections are gone with it: a retransmitted SYN is decided anew.
  for (auto& bucket : claims_) {
    std::uint64_t w = bucket.load(std::memory_order_acquire);
    while (owner_of(w) == slot &&
           !bucket.compare_exchange_weak(w, w & ~(kOwnerMask | kTagMask),
                                         std::memory_order_acq_rel)) {
    }
  }
}

int SharedRegistry::claim() {
  const pid_t me = getpid();
  for (int i = 0; i < kSlots; ++i) {
    pid_t current = slot_pid_[i].load(std::memory_order_acquire);
    if (current < 0 || (current != 0 && alive(current))) continue;  // taken, or being reaped
    if (current == 0) {
      if (slot_pid_[i].compare_exchange_strong(current, me, std::memory_order_acq_rel)) return i;
      continue;
    }
    // A dead process's slot: whoever marks it first clears what it held,
    // then takes it.
    if (!slot_pid_[i].compare_exchange_strong(current, -1, std::memory_order_acq_rel)) continue;
    forget_slot(i);
    slot_pid_[i].store(me, std::memory_order_release);
    return i;
  }
  return -1;
}

void SharedRegistry::release(int slot) {
  if (slot < 0) return;
  // Only this process's own: not one it handed over, nor one reaped and
  // taken by another since.
  pid_t me = getpid();
  if (!slot_pid_[slot].compare_exchange_strong(me, -1, std::memory_order_acq_rel)) return;
  forget_slot(slot);
  slot_pid_[slot].store(0, std::memory_order_release);
}

bool SharedRegistry::owns(int slot) const {
  return slot >= 0 && slot_pid_[slot].load(std::memory_order_acquire) == getpid();
}

void SharedRegistry::reap() {
  for (int i = 0; i < kSlots; ++i) {
    pid_t pid = slot_pid_[i].load(std::memory_order_acquire);
    if (pid <= 0 || alive(pid)) continue;
    if (slot_pid_[i].compare_exchange_strong(pid, -1, std::memory_order_acq_rel)) {
      forget_slot(i);
      slot_pid_[i].store(0, std::memory_order_release);
    }
  }
}

void SharedRegistry::linger(int slot) {
  if (slot < 0) return;
  lingering_.fetch_or(bit(slot), std::memory_order_acq_rel);
  clear(available_, slot);
}

void SharedRegistry::hand_over(int slot, pid_t pid) {
  pid_t me = getpid();
  if (slot >= 0) slot_pid_[slot].compare_exchange_strong(me, pid, std::memory_order_acq_rel);
}

bool SharedRegistry::shared(int slot) const {
  if (creator_ != getpid()) return true;
  for (int i = 0; i < kSlots; ++i)
    if (i != slot && slot_pid_[i].load(std::memory_order_acquire) > 0) return true;
  return false;
}

bool SharedRegistry::primary(int slot) const {
  const std::uint64_t lingering = lingering_.load(std::memory_order_acquire);
  if ((lingering & bit(slot)) != 0) return false;
  for (int i = 0; i < slot; ++i)
    if ((lingering & bit(i)) == 0 && slot_pid_[i].load(std::memory_order_acquire) > 0) return false;
  return true;
}

void SharedRegistry::listen(std::uint16_t port, int slot) {
  if (slot >= 0) listeners_[port].fetch_or(bit(slot), std::memory_order_acq_rel);
}

void SharedRegistry::unlisten(std::uint16_t port, int slot) {
  if (slot < 0) return;
  listeners_[port].fetch_and(~bit(slot), std::memory_order_acq_rel);
  available_[port].fetch_and(~bit(slot), std::memory_order_acq_rel);
}

void SharedRegistry::set_available(std::uint16_t port, int slot, bool available) {
  if (slot < 0) return;
  if (available)
    available_[port].fetch_or(bit(slot), std::memory_order_acq_rel);
  else
    available_[port].fetch_and(~bit(slot), std::memory_order_acq_rel);
}

SharedRegistry::Decision SharedRegistry::admit(const tcp::FourTuple& t, bool syn, int slot,
                                               bool held_by_fallback) {
  const Key key = key_of(t);
  std::atomic<std::uint64_t>& bucket = claims_[key.bucket];
  auto by_claim = [&](std::uint64_t w) {
    return owner_of(w) >= 0 && (w & kTagMask) == key.tag;
  };
  auto obey = [&](std::uint64_t w) {
    return Decision{owner_of(w) == slot ? Admission::Accept : Admission::Ignore, Taken::Claimed};
  };
  // A claimed connection is its owner's, whoever listens now (the owner
  // may be a lingering process that listens on nothing).
  std::uint64_t w = bucket.load(std::memory_order_acquire);
  if (by_claim(w)) return obey(w);
  const std::uint64_t members = listeners_[t.local_port].load(std::memory_order_acquire);
  // A lingering process takes no new connection.
  const std::uint64_t takers = members & ~lingering_.load(std::memory_order_acquire);
  if (syn && takers != 0) {
    for (int tries = 0; tries < kTries; ++tries) {
      if (by_claim(w)) return obey(w);
      if (owner_of(w) < 0 && fallbacks_of(w) == 0) {
        // Nobody has decided yet: propose a listener that can take it now
        // (by hash among them), else one of all the listeners. Whoever's
        // compare-and-swap lands first decides for every process.
        const std::uint64_t ready =
            takers & available_[t.local_port].load(std::memory_order_acquire);
        const int chosen = pick(t, ready != 0 ? ready : takers);
        const std::uint64_t claim = key.tag | (std::uint64_t(chosen + 1) << kOwnerShift);
        if (bucket.compare_exchange_weak(w, claim, std::memory_order_acq_rel)) {
          // It has one coming: the next SYN prefers another.
          available_[t.local_port].fetch_and(~bit(chosen), std::memory_order_acq_rel);
          return obey(claim);
        }
        continue;
      }
      // The bucket holds another connection's claim, or connections taken
      // by hash: this one is taken by hash too, and counted there.
      if (pick(t, takers) != slot) return {};
      if (held_by_fallback) return {Admission::Accept, Taken::Fallback};
      if (fallbacks_of(w) == kFallbackMax) return {};
      if (bucket.compare_exchange_weak(w, w + kFallbackOne, std::memory_order_acq_rel))
        return {Admission::Accept, Taken::Fallback};
    }
    return {};
  }
  // Maybe one taken by hash (a cookie's ACK too): the same hash, over the
  // listeners as they were (a lingering one still has its connections).
  if (!syn && members != 0 && fallbacks_of(w) != 0)
    return {pick(t, members) == slot ? Admission::Accept : Admission::Ignore, Taken::Fallback};
  if (!syn && t.local_port % kSlots != slot) {
    // Another process's active open (its port), or nobody's: the process
    // whose port it is answers.
    const pid_t owner = slot_pid_[t.local_port % kSlots].load(std::memory_order_acquire);
    if (owner > 0) return {};
  }
  return {primary(slot) ? Admission::Accept : Admission::Ignore, Taken::Claimed};
}

void SharedRegistry::ended(const tcp::FourTuple& t, int slot, Taken taken) {
  const Key key = key_of(t);
  std::atomic<std::uint64_t>& bucket = claims_[key.bucket];
  std::uint64_t w = bucket.load(std::memory_order_acquire);
  if (taken == Taken::Fallback) {
    while (fallbacks_of(w) != 0 &&
           !bucket.compare_exchange_weak(w, w - kFallbackOne, std::memory_order_acq_rel)) {
    }
    return;
  }
  while (owner_of(w) == slot && (w & kTagMask) == key.tag &&
         !bucket.compare_exchange_weak(w, w & ~(kOwnerMask | kTagMask), std::memory_order_acq_rel)) {
  }
}

SharedRegistry::Admission ShardAdmission::admit(const tcp::FourTuple& t, bool syn) {
  const bool held = fallback_.contains(t);
  const auto d = registry_.admit(t, syn, slot_, held);
  if (lingering_) {
    if (d.admission == SharedRegistry::Admission::Accept) ended(t);
    return SharedRegistry::Admission::Ignore;
  }
  if (d.admission == SharedRegistry::Admission::Accept && d.taken == SharedRegistry::Taken::Fallback)
    fallback_.insert(t);
  return d.admission;
}

void ShardAdmission::ended(const tcp::FourTuple& t) {
  if (fallback_.erase(t) != 0)
    registry_.ended(t, slot_, SharedRegistry::Taken::Fallback);
  else
    registry_.ended(t, slot_, SharedRegistry::Taken::Claimed);
}

}  // namespace percore::preload
