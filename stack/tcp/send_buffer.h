// The send buffer: bytes the application wrote that the peer has not yet
// acknowledged, kept in mbufs from the shard's pool and addressed by sequence
// number. Segments are cut from it without copying the payload: slice()
// returns indirect mbufs that share the buffer's data, so a retransmission
// and the original transmission point at the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "stack/wire/seq.h"

struct rte_mbuf;
struct rte_mempool;

namespace percore::tcp {

class SendBuffer {
 public:
  // RFC 7323 2.3: a window never exceeds 2^30 bytes, so neither does a buffer;
  // it also keeps every sequence number held less than 2^31 from start(), where
  // Seq's modular comparisons are exact.
  static constexpr std::uint32_t kMaxCapacity = 1u << 30;

  SendBuffer(rte_mempool* pool, std::uint32_t capacity);
  ~SendBuffer();
  SendBuffer(const SendBuffer&) = delete;
  SendBuffer& operator=(const SendBuffer&) = delete;
  // Where later mbufs come from (the connection moved to another shard).
  void set_pool(rte_mempool* pool) { pool_ = pool; }

  // Empties the buffer; the next byte appended has sequence `start` (the ISS
  // plus one once the SYN is sent).
  void reset(wire::Seq start);

  // Copies as much of `data` as fits in free_space(): into the tail mbuf's
  // free room first, then into new mbufs. Returns the bytes taken (0 when the
  // buffer is full or the pool is empty).
  std::size_t append(std::span<const std::uint8_t> data);

  // The sequence number of the first byte held (SND.UNA once data flows).
  wire::Seq start() const { return start_; }
  wire::Seq end() const { return start_ + size_; }
  std::uint32_t size() const { return size_; }
  std::uint32_t free_space() const { return size_ < capacity_ ? capacity_ - size_ : 0; }
  std::uint32_t capacity() const { return capacity_; }
  // May go below size() (SO_SNDBUF shrunk on a full buffer): append() then
  // takes nothing until acknowledgements free room. Clamped to kMaxCapacity.
  void set_capacity(std::uint32_t capacity);

  // An mbuf chain holding [from, from + len) that shares the buffer's data:
  // one indirect mbuf per buffer mbuf the range touches, each covering
  // exactly its part, with pkt_len and nb_segs set on the head. The chain
  // keeps the data alive after consume() drops the buffer's own references.
  // The caller puts the headers in a separate mbuf and chains this after it.
  // Pre: start() <= from, from + len <= end(), len > 0. nullptr when the pool
  // cannot supply the indirect mbufs.
  rte_mbuf* slice(wire::Seq from, std::uint32_t len);

  // Copies [from, from + out.size()) into `out`. Pre: the range is held.
  void copy_out(wire::Seq from, std::span<std::uint8_t> out) const;

  // The peer acknowledged everything before `upto` (start() <= upto <= end()):
  // drops what is no longer needed. Returns the bytes released.
  std::uint32_t consume(wire::Seq upto);

  // The mbufs the buffer holds a reference to (for leak checks).
  std::size_t mbufs_held() const { return mbufs_.size() - head_; }

 private:
  // Where the byte `offset` bytes past start() lives: its mbuf's index in
  // mbufs_ and its position in that mbuf's data room.
  struct Position {
    std::size_t index;
    std::uint32_t in_mbuf;
  };
  Position locate(std::uint32_t offset) const;
  void release_all();

  rte_mempool* pool_;
  std::uint32_t capacity_;
  // Bytes of data room per mbuf. Data mbufs carry no headroom (headers go in
  // a separate mbuf), so every mbuf but the last is filled to exactly this
  // and a byte's mbuf is found by division, not by a search.
  std::uint32_t room_;
  wire::Seq start_;
  std::uint32_t size_ = 0;
  // The held mbufs are mbufs_[head_..]: acknowledged mbufs leave from the
  // front without moving the rest, and the vector keeps its storage, so the
  // steady state allocates nothing.
  std::vector<rte_mbuf*> mbufs_;
  std::size_t head_ = 0;
};

}  // namespace percore::tcp
