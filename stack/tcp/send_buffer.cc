#include "stack/tcp/send_buffer.h"

#include <rte_mbuf.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>

namespace percore::tcp {

namespace {

// A slice longer than this many mbufs is allocated in several bulk calls.
constexpr std::size_t kSliceBatch = 32;

// Drops the front of a vector used as a queue once the dead prefix is as long
// as the live part, so the cost is amortised O(1) per element and the
// vector's storage is reused.
template <typename T>
void compact_front(std::vector<T>& v, std::size_t& head) {
  if (head == v.size()) {
    v.clear();
    head = 0;
  } else if (head >= 64 && head * 2 >= v.size()) {
    v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(head));
    head = 0;
  }
}

}  // namespace

SendBuffer::SendBuffer(rte_mempool* pool, std::uint32_t capacity)
    : pool_(pool),
      capacity_(std::min(capacity, kMaxCapacity)),
      room_(rte_pktmbuf_data_room_size(pool)) {
  assert(room_ > 0);
}

SendBuffer::~SendBuffer() { release_all(); }

void SendBuffer::release_all() {
  for (std::size_t i = head_; i < mbufs_.size(); ++i) rte_pktmbuf_free(mbufs_[i]);
  mbufs_.clear();
  head_ = 0;
  size_ = 0;
}

void SendBuffer::reset(wire::Seq start) {
  release_all();
  start_ = start;
}

void SendBuffer::set_capacity(std::uint32_t capacity) {
  capacity_ = std::min(capacity, kMaxCapacity);
}

std::size_t SendBuffer::append(std::span<const std::uint8_t> data) {
  std::size_t want = std::min<std::size_t>(data.size(), free_space());
  std::size_t taken = 0;
  while (taken < want) {
    rte_mbuf* tail = mbufs_.size() > head_ ? mbufs_.back() : nullptr;
    std::uint32_t used = tail != nullptr ? tail->data_off + tail->data_len : room_;
    if (used == room_) {
      tail = rte_pktmbuf_alloc(pool_);
      if (tail == nullptr) break;
      // No headroom: the headers travel in their own mbuf, and a full data
      // room keeps every mbuf but the last exactly room_ bytes long.
      tail->data_off = 0;
      mbufs_.push_back(tail);
      used = 0;
    }
    const std::uint32_t n = static_cast<std::uint32_t>(std::min<std::size_t>(room_ - used, want - taken));
    // Writing past data_len is safe even while slices share this mbuf: they
    // cover only bytes already appended, which never change.
    std::memcpy(static_cast<std::uint8_t*>(tail->buf_addr) + used, data.data() + taken, n);
    tail->data_len = static_cast<std::uint16_t>(tail->data_len + n);
    tail->pkt_len += n;
    taken += n;
  }
  size_ += static_cast<std::uint32_t>(taken);
  return taken;
}

SendBuffer::Position SendBuffer::locate(std::uint32_t offset) const {
  // The front mbuf's data_off counts its bytes already acknowledged, so
  // offsets measured from the start of its data room advance by exactly
  // room_ per mbuf.
  const std::uint32_t from_room_start = mbufs_[head_]->data_off + offset;
  return {head_ + from_room_start / room_, from_room_start % room_};
}

rte_mbuf* SendBuffer::slice(wire::Seq from, std::uint32_t len) {
  assert(len > 0 && from >= start_ && from + len <= end());
  Position pos = locate(static_cast<std::uint32_t>(from - start_));
  const std::size_t count = (pos.in_mbuf + std::size_t{len} + room_ - 1) / room_;

  rte_mbuf* head = nullptr;
  rte_mbuf* last = nullptr;
  std::uint32_t left = len;
  std::array<rte_mbuf*, kSliceBatch> batch;
  for (std::size_t done = 0; done < count;) {
    const std::size_t n = std::min(count - done, kSliceBatch);
    if (rte_pktmbuf_alloc_bulk(pool_, batch.data(), static_cast<unsigned>(n)) != 0) {
      rte_pktmbuf_free(head);
      return nullptr;
    }
    for (std::size_t i = 0; i < n; ++i, ++done) {
      rte_mbuf* seg = batch[i];
      rte_mbuf* data = mbufs_[pos.index + done];
      rte_pktmbuf_attach(seg, data);
      const std::uint32_t part = std::min(room_ - pos.in_mbuf, left);
      seg->data_off = static_cast<std::uint16_t>(pos.in_mbuf);
      seg->data_len = static_cast<std::uint16_t>(part);
      seg->pkt_len = part;
      left -= part;
      pos.in_mbuf = 0;
      if (head == nullptr) {
        head = seg;
      } else {
        last->next = seg;
      }
      last = seg;
    }
    // Keep the partial chain well formed so that freeing it on a later
    // allocation failure releases every segment.
    head->nb_segs = static_cast<std::uint16_t>(done);
  }
  head->pkt_len = len;
  return head;
}

void SendBuffer::copy_out(wire::Seq from, std::span<std::uint8_t> out) const {
  if (out.empty()) return;
  assert(from >= start_ && from + static_cast<std::uint32_t>(out.size()) <= end());
  Position pos = locate(static_cast<std::uint32_t>(from - start_));
  std::size_t copied = 0;
  while (copied < out.size()) {
    const rte_mbuf* m = mbufs_[pos.index];
    const std::size_t n = std::min<std::size_t>(room_ - pos.in_mbuf, out.size() - copied);
    std::memcpy(out.data() + copied, static_cast<const std::uint8_t*>(m->buf_addr) + pos.in_mbuf, n);
    copied += n;
    ++pos.index;
    pos.in_mbuf = 0;
  }
}

std::uint32_t SendBuffer::consume(wire::Seq upto) {
  assert(upto >= start_ && upto <= end());
  const std::uint32_t released = static_cast<std::uint32_t>(upto - start_);
  std::uint32_t left = released;
  while (left > 0) {
    rte_mbuf* front = mbufs_[head_];
    if (left >= front->data_len) {
      left -= front->data_len;
      // Slices still in flight hold their own references; the data stays
      // until the last of them is freed.
      rte_pktmbuf_free(front);
      ++head_;
    } else {
      rte_pktmbuf_adj(front, static_cast<std::uint16_t>(left));
      left = 0;
    }
  }
  compact_front(mbufs_, head_);
  start_ = upto;
  size_ -= released;
  return released;
}

}  // namespace percore::tcp
