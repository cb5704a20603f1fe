#include "stack/tcp/recv_buffer.h"

#include <rte_mbuf.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <iterator>

#include "absl/container/inlined_vector.h"

namespace percore::tcp {

namespace {

// An in-order payload this small is copied into the free room of the mbuf
// holding the previous readable chunk instead of pinning an mbuf of its own,
// as Linux's tcp_try_coalesce() does. Without it a peer sending one-byte
// segments would hold one mbuf per byte of window; with it a readable mbuf
// carries more than kCoalesceMax bytes unless the one before it is shared or
// full, at the cost of copying at most this many bytes.
constexpr std::uint32_t kCoalesceMax = 256;

// max_out_of_order_chunks(): one chunk per this many bytes of capacity,
// never fewer than kMinOutOfOrderChunks. Full-sized segments need one per
// MSS, well under this.
constexpr std::uint32_t kOutOfOrderBytesPerChunk = 512;
constexpr std::size_t kMinOutOfOrderChunks = 64;

// Another reference to every segment of `m`, so that a second stored chunk
// can free it independently (rte_pktmbuf_free drops one reference from each
// segment of a chain).
void add_reference(rte_mbuf* m) {
  for (rte_mbuf* seg = m; seg != nullptr; seg = seg->next) rte_mbuf_refcnt_update(seg, 1);
}

// Where `len` more bytes can be written right after `data_end`, the end of
// a chunk stored in `m`; nullptr unless the chunk is the only user of the
// mbuf (so nothing else can be reading those bytes) and the room is there.
std::uint8_t* room_after(rte_mbuf* m, const std::uint8_t* data_end, std::uint32_t len) {
  if (!RTE_MBUF_DIRECT(m) || m->next != nullptr || rte_mbuf_refcnt_read(m) != 1) return nullptr;
  auto* room = static_cast<std::uint8_t*>(m->buf_addr);
  const std::ptrdiff_t used = data_end - room;
  if (used < 0 || used + std::ptrdiff_t{len} > std::ptrdiff_t{m->buf_len}) return nullptr;
  return room + used;
}

}  // namespace

ReceiveBuffer::ReceiveBuffer(std::uint32_t capacity)
    : capacity_(std::min(capacity, kMaxCapacity)) {}

ReceiveBuffer::~ReceiveBuffer() { release_all(); }

void ReceiveBuffer::release_all() {
  for (std::size_t i = head_; i < readable_chunks_.size(); ++i) {
    rte_pktmbuf_free(readable_chunks_[i].mbuf);
  }
  readable_chunks_.clear();
  head_ = 0;
  readable_ = 0;
  for (auto& [seq, chunk] : out_of_order_) rte_pktmbuf_free(chunk.mbuf);
  out_of_order_.clear();
  out_of_order_bytes_ = 0;
  sack_ranges_.clear();
}

void ReceiveBuffer::reset(wire::Seq rcv_nxt) {
  release_all();
  rcv_nxt_ = rcv_nxt;
  advertised_edge_ = rcv_nxt;
  arrivals_ = 0;
}

wire::Seq ReceiveBuffer::right_edge() const {
  const wire::Seq room_edge = rcv_nxt_ + window();
  return advertised_edge_ > room_edge ? advertised_edge_ : room_edge;
}

void ReceiveBuffer::set_capacity(std::uint32_t capacity) {
  capacity_ = std::clamp(capacity, readable_, kMaxCapacity);
  drop_out_of_order_from(right_edge());
}

std::size_t ReceiveBuffer::max_out_of_order_chunks() const {
  return std::max<std::size_t>(kMinOutOfOrderChunks, capacity_ / kOutOfOrderBytesPerChunk);
}

std::uint32_t ReceiveBuffer::insert(wire::Seq seq, rte_mbuf* m, const std::uint8_t* payload,
                                    std::uint32_t len) {
  // RFC 9293 3.10.7.4: only the part inside [RCV.NXT, RCV.NXT + RCV.WND) is
  // acceptable; the rest is trimmed off, and a segment with nothing inside
  // (an old duplicate, or beyond the window) keeps nothing.
  const wire::Seq right_edge = this->right_edge();
  if (len == 0 || seq + len <= rcv_nxt_ || seq >= right_edge) {
    rte_pktmbuf_free(m);
    return 0;
  }
  if (seq < rcv_nxt_) {
    const std::uint32_t old = static_cast<std::uint32_t>(rcv_nxt_ - seq);
    payload += old;
    len -= old;
    seq = rcv_nxt_;
  }
  if (seq + len > right_edge) len = static_cast<std::uint32_t>(right_edge - seq);
  ++arrivals_;

  // The common case: the next bytes, with no hole ahead to fill.
  if (seq == rcv_nxt_ && out_of_order_.empty()) {
    append_readable({m, payload, len});
    rcv_nxt_ += len;
    return len;
  }

  // Cut the segment around the chunks already held out of order: the gaps
  // between them are the new bytes.
  struct Gap {
    wire::Seq seq;
    std::uint32_t offset;
    std::uint32_t len;
  };
  absl::InlinedVector<Gap, 4> gaps;
  const wire::Seq end = seq + len;
  auto it = out_of_order_.upper_bound(seq);
  if (it != out_of_order_.begin()) {
    auto before = std::prev(it);
    if (before->first + before->second.len > seq) it = before;
  }
  wire::Seq cursor = seq;
  for (; it != out_of_order_.end() && it->first < end; ++it) {
    const wire::Seq held_end = it->first + it->second.len;
    if (cursor < it->first) {
      gaps.push_back({cursor, static_cast<std::uint32_t>(cursor - seq),
                      static_cast<std::uint32_t>(it->first - cursor)});
    }
    if (held_end > cursor) cursor = held_end;
  }
  if (cursor < end) {
    gaps.push_back({cursor, static_cast<std::uint32_t>(cursor - seq),
                    static_cast<std::uint32_t>(end - cursor)});
  }

  if (gaps.empty()) {
    rte_pktmbuf_free(m);  // every byte is held already
    mark_sack_ranges_received(seq, end);
    return 0;
  }
  // The segment's own reference goes to the first gap; each other gap
  // stored from the same mbuf takes one more.
  for (std::size_t i = 1; i < gaps.size(); ++i) add_reference(m);

  const wire::Seq before = rcv_nxt_;
  for (const Gap& gap : gaps) {
    const Chunk chunk{m, payload + gap.offset, gap.len};
    if (gap.seq == rcv_nxt_) {
      append_readable(chunk);
      rcv_nxt_ += gap.len;
    } else {
      hold_out_of_order(gap.seq, chunk);
    }
  }
  drain_out_of_order();
  // RFC 2018 4: the block holding this segment is reported first, also when
  // the segment only repeated bytes held already.
  mark_sack_ranges_received(seq, end);
  return static_cast<std::uint32_t>(rcv_nxt_ - before);
}

void ReceiveBuffer::append_readable(Chunk chunk) {
  readable_ += chunk.len;
  if (chunk.len <= kCoalesceMax && readable_chunks_.size() > head_) {
    Chunk& tail = readable_chunks_.back();
    if (std::uint8_t* room = room_after(tail.mbuf, tail.data + tail.len, chunk.len)) {
      std::memcpy(room, chunk.data, chunk.len);
      tail.len += chunk.len;
      rte_pktmbuf_free(chunk.mbuf);
      return;
    }
  }
  readable_chunks_.push_back(chunk);
}

void ReceiveBuffer::hold_out_of_order(wire::Seq seq, Chunk chunk) {
  if (out_of_order_.size() >= max_out_of_order_chunks()) {
    // Keep the bytes nearest RCV.NXT: they are the next to become readable.
    auto highest = std::prev(out_of_order_.end());
    if (seq > highest->first) {
      rte_pktmbuf_free(chunk.mbuf);
      return;
    }
    out_of_order_bytes_ -= highest->second.len;
    rte_pktmbuf_free(highest->second.mbuf);
    cut_sack_ranges_from(highest->first);
    out_of_order_.erase(highest);
  }
  out_of_order_.emplace(seq, chunk);
  out_of_order_bytes_ += chunk.len;
  add_sack_range(seq, seq + chunk.len);
}

void ReceiveBuffer::drain_out_of_order() {
  bool drained = false;
  while (!out_of_order_.empty() && out_of_order_.begin()->first == rcv_nxt_) {
    const Chunk chunk = out_of_order_.begin()->second;
    out_of_order_.erase(out_of_order_.begin());
    out_of_order_bytes_ -= chunk.len;
    append_readable(chunk);
    rcv_nxt_ += chunk.len;
    drained = true;
  }
  // The chunks drained were the whole of the first range: a range is a
  // maximal run, and the next chunk lies beyond a hole.
  if (drained) {
    assert(sack_ranges_.begin()->second.right == rcv_nxt_);
    sack_ranges_.erase(sack_ranges_.begin());
  }
}

void ReceiveBuffer::drop_out_of_order_from(wire::Seq edge) {
  cut_sack_ranges_from(edge);
  while (!out_of_order_.empty()) {
    auto highest = std::prev(out_of_order_.end());
    Chunk& chunk = highest->second;
    const wire::Seq chunk_end = highest->first + chunk.len;
    if (chunk_end <= edge) return;
    if (highest->first < edge) {
      const std::uint32_t cut = static_cast<std::uint32_t>(chunk_end - edge);
      chunk.len -= cut;
      out_of_order_bytes_ -= cut;
      return;
    }
    out_of_order_bytes_ -= chunk.len;
    rte_pktmbuf_free(chunk.mbuf);
    out_of_order_.erase(highest);
  }
}

void ReceiveBuffer::add_sack_range(wire::Seq left, wire::Seq right) {
  // Absorb the ranges this one touches; chunks never overlap, so they can
  // only abut it, one on each side.
  auto it = sack_ranges_.upper_bound(left);
  if (it != sack_ranges_.begin() && std::prev(it)->second.right == left) {
    it = std::prev(it);
    left = it->first;
    it = sack_ranges_.erase(it);
  }
  if (it != sack_ranges_.end() && it->first == right) {
    right = it->second.right;
    sack_ranges_.erase(it);
  }
  sack_ranges_.emplace(left, SackRange{right, arrivals_});
}

void ReceiveBuffer::mark_sack_ranges_received(wire::Seq left, wire::Seq right) {
  auto it = sack_ranges_.upper_bound(left);
  if (it != sack_ranges_.begin() && std::prev(it)->second.right > left) it = std::prev(it);
  for (; it != sack_ranges_.end() && it->first < right; ++it) it->second.last_arrival = arrivals_;
}

void ReceiveBuffer::cut_sack_ranges_from(wire::Seq edge) {
  while (!sack_ranges_.empty()) {
    auto highest = std::prev(sack_ranges_.end());
    if (highest->second.right <= edge) return;
    if (highest->first < edge) {
      highest->second.right = edge;
      return;
    }
    sack_ranges_.erase(highest);
  }
}

std::size_t ReceiveBuffer::read(std::span<std::uint8_t> out, bool peek) {
  std::size_t copied = 0;
  std::size_t i = head_;
  while (copied < out.size() && i < readable_chunks_.size()) {
    Chunk& chunk = readable_chunks_[i];
    const std::uint32_t n =
        static_cast<std::uint32_t>(std::min<std::size_t>(chunk.len, out.size() - copied));
    std::memcpy(out.data() + copied, chunk.data, n);
    copied += n;
    if (peek) {
      ++i;
    } else if (n == chunk.len) {
      rte_pktmbuf_free(chunk.mbuf);
      ++i;
    } else {
      chunk.data += n;
      chunk.len -= n;
    }
  }
  if (peek) return copied;

  head_ = i;
  readable_ -= static_cast<std::uint32_t>(copied);
  if (head_ == readable_chunks_.size()) {
    readable_chunks_.clear();
    head_ = 0;
  } else if (head_ >= 64 && head_ * 2 >= readable_chunks_.size()) {
    // Amortised O(1) per chunk, and the storage is reused.
    readable_chunks_.erase(readable_chunks_.begin(),
                           readable_chunks_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  return copied;
}

std::size_t ReceiveBuffer::sack_blocks(std::span<wire::SackBlock> out) const {
  if (out.empty()) return 0;
  struct Ranked {
    wire::SackBlock block;
    std::uint64_t last_arrival;
  };
  // The out.size() most recent ranges, most recent first (out.size() is at
  // most the 4 a SACK option can carry, so insertion into this short list
  // is cheap).
  absl::InlinedVector<Ranked, 4> best;
  auto offer = [&](const Ranked& r) {
    auto pos = std::find_if(best.begin(), best.end(),
                            [&](const Ranked& b) { return r.last_arrival > b.last_arrival; });
    if (pos == best.end() && best.size() == out.size()) return;
    best.insert(pos, r);
    if (best.size() > out.size()) best.pop_back();
  };

  for (const auto& [left, range] : sack_ranges_) offer({{left, range.right}, range.last_arrival});
  for (std::size_t i = 0; i < best.size(); ++i) out[i] = best[i].block;
  return best.size();
}

}  // namespace percore::tcp
