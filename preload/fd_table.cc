#include "preload/fd_table.h"

namespace percore::preload {

FdTable& FdTable::get() {
  // Never destroyed: the program may close sockets from atexit handlers.
  static FdTable* table = new FdTable();
  return *table;
}

FdTable::Chunk* FdTable::chunk(int fd, bool create) {
  if (fd < 0 || fd >= kMaxFds) return nullptr;
  auto& slot = chunks_[fd >> kChunkBits];
  Chunk* c = slot.load(std::memory_order_acquire);
  if (c != nullptr || !create) return c;
  auto* fresh = new Chunk();
  if (slot.compare_exchange_strong(c, fresh, std::memory_order_acq_rel)) return fresh;
  delete fresh;  // another thread made it first
  return c;
}

std::shared_ptr<File> FdTable::find(int fd) const {
  Chunk* c = const_cast<FdTable*>(this)->chunk(fd, false);
  if (c == nullptr) return nullptr;
  const int i = fd & (kChunkSize - 1);
  if (!c->used[i].load(std::memory_order_acquire)) return nullptr;
  return c->files[i].load(std::memory_order_acquire);
}

void FdTable::for_each(absl::FunctionRef<void(int, const std::shared_ptr<File>&)> f) const {
  for (int k = 0; k < kMaxFds / kChunkSize; ++k) {
    const Chunk* c = chunks_[k].load(std::memory_order_acquire);
    if (c == nullptr) continue;
    for (int i = 0; i < kChunkSize; ++i) {
      if (!c->used[i].load(std::memory_order_acquire)) continue;
      if (auto file = c->files[i].load(std::memory_order_acquire)) f(k * kChunkSize + i, file);
    }
  }
}

void FdTable::set(int fd, std::shared_ptr<File> file) {
  Chunk* c = chunk(fd, true);
  if (c == nullptr) return;
  const int i = fd & (kChunkSize - 1);
  c->files[i].store(std::move(file), std::memory_order_release);
  if (!c->used[i].exchange(true, std::memory_order_acq_rel)) live_.fetch_add(1, std::memory_order_acq_rel);
}

std::shared_ptr<File> FdTable::take(int fd) {
  Chunk* c = chunk(fd, false);
  if (c == nullptr) return nullptr;
  const int i = fd & (kChunkSize - 1);
  if (!c->used[i].exchange(false, std::memory_order_acq_rel)) return nullptr;
  live_.fetch_sub(1, std::memory_order_acq_rel);
  return c->files[i].exchange(nullptr, std::memory_order_acq_rel);
}

}  // namespace percore::preload
