// The receive buffer: in-order bytes waiting for the application, kept in
// the mbufs they arrived in, and out-of-order segments waiting for the hole
// before them to fill (RFC 9293 3.10.7.4: "segments with higher beginning
// sequence numbers may be held for later processing"). The payload is never
// copied inside the stack; the one copy is read()'s, into the application's
// memory. Memory is bounded: nothing at or beyond rcv_nxt() + window() is
// kept, and the number of out-of-order chunks is capped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/container/btree_map.h"
#include "stack/wire/seq.h"
#include "stack/wire/tcp.h"

struct rte_mbuf;

namespace percore::tcp {

class ReceiveBuffer {
 public:
  // RFC 7323 2.3: the largest window a scaled window field can offer.
  static constexpr std::uint32_t kMaxCapacity = 1u << 30;

  explicit ReceiveBuffer(std::uint32_t capacity);
  ~ReceiveBuffer();
  ReceiveBuffer(const ReceiveBuffer&) = delete;
  ReceiveBuffer& operator=(const ReceiveBuffer&) = delete;

  // Drops everything held; the next in-order byte is `rcv_nxt` (IRS + 1).
  void reset(wire::Seq rcv_nxt);

  // The right edge of the window the owner offered the peer. The window
  // field's scale can only express multiples of 2^shift, so the edge
  // announced may lie a little beyond rcv_nxt() + window(); bytes up to it
  // were offered and are accepted (RFC 9293 3.10.7.4), as Linux accepts up
  // to tcp_receive_window().
  void advertise(wire::Seq right_edge) { advertised_edge_ = right_edge; }
  // Where acceptable data ends: the larger of the buffer's room and the
  // edge advertised.
  wire::Seq right_edge() const;

  // Offers a segment's payload [seq, seq + len), which lies contiguously in
  // `m` starting at `payload`. Bytes before rcv_nxt() (already received) and
  // at or beyond right_edge() are trimmed away (RFC 9293 3.10.7.4);
  // bytes already held out of order are trimmed from the new segment, so
  // every byte is stored once and the earlier copy is kept. In-order data
  // becomes readable, followed by any out-of-order data the hole was
  // blocking. Takes ownership of `m` in every case: freed when nothing of it
  // is kept, otherwise held until read (one reference per stored chunk).
  // Returns by how much rcv_nxt() advanced.
  std::uint32_t insert(wire::Seq seq, rte_mbuf* m, const std::uint8_t* payload,
                       std::uint32_t len);

  // RCV.NXT: the next sequence number expected.
  wire::Seq rcv_nxt() const { return rcv_nxt_; }
  std::uint32_t readable() const { return readable_; }

  // Copies up to out.size() readable bytes into `out` and, unless `peek`,
  // removes them, freeing the mbufs fully read. Returns the bytes copied.
  std::size_t read(std::span<std::uint8_t> out, bool peek = false);

  // RCV.WND = capacity - readable(). Out-of-order bytes are not subtracted:
  // they lie inside [RCV.NXT, RCV.NXT + RCV.WND) already, so everything held
  // still fits in capacity(), and subtracting them would pull the right edge
  // of the window back as they arrive, the shrinking RFC 9293 3.8.6 tells a
  // receiver not to do. The right edge moves only forward: readable() grows
  // exactly as RCV.NXT does, and read() moves the edge right.
  // Data accepted up to an advertised edge beyond the capacity closes it.
  std::uint32_t window() const { return readable_ < capacity_ ? capacity_ - readable_ : 0; }
  std::uint32_t capacity() const { return capacity_; }
  // Receive-window auto-tuning grows it. Never set below readable(); a
  // smaller capacity drops out-of-order data beyond the new right edge, which
  // the peer retransmits (RFC 2018 8 allows a receiver to renege on SACKs).
  void set_capacity(std::uint32_t capacity);

  std::uint32_t out_of_order_bytes() const { return out_of_order_bytes_; }
  std::size_t out_of_order_chunks() const { return out_of_order_.size(); }
  // Beyond this many out-of-order chunks, the chunk with the highest
  // sequence number is dropped, as Linux's tcp_prune_ofo_queue() does: a
  // peer sending tiny segments into the window cannot pin one mbuf per byte.
  std::size_t max_out_of_order_chunks() const;

  // RFC 2018 4: the SACK blocks to report, at most out.size(). The first is
  // the block holding the most recently received segment; the others follow
  // by how recently they last received data. Chunks that touch are reported
  // as one block. Returns the number written.
  std::size_t sack_blocks(std::span<wire::SackBlock> out) const;

  // The mbuf references held, one per stored chunk (for leak checks).
  std::size_t mbufs_held() const { return readable_chunks_.size() - head_ + out_of_order_.size(); }

 private:
  struct Chunk {
    rte_mbuf* mbuf;  // holds one reference
    const std::uint8_t* data;
    std::uint32_t len;
  };
  // A maximal run of out-of-order bytes held: one SACK block.
  struct SackRange {
    wire::Seq right;
    // The arrival count of the last segment that brought or repeated bytes
    // of this range, which orders SACK blocks by recency.
    std::uint64_t last_arrival;
  };

  void append_readable(Chunk chunk);
  void hold_out_of_order(wire::Seq seq, Chunk chunk);
  void drain_out_of_order();
  void drop_out_of_order_from(wire::Seq edge);
  void add_sack_range(wire::Seq left, wire::Seq right);
  void mark_sack_ranges_received(wire::Seq left, wire::Seq right);
  void cut_sack_ranges_from(wire::Seq edge);
  void release_all();

  std::uint32_t capacity_;
  wire::Seq rcv_nxt_;
  wire::Seq advertised_edge_;
  std::uint32_t readable_ = 0;
  // In order, oldest first: readable_chunks_[head_..]. Fully read chunks
  // leave from the front without moving the rest, and the vector keeps its
  // storage, so in-order insert and read allocate nothing in steady state.
  std::vector<Chunk> readable_chunks_;
  std::size_t head_ = 0;
  // Keyed by first sequence number; the chunks never overlap and all lie in
  // [rcv_nxt_, rcv_nxt_ + window()), a span under 2^31, so Seq's modular
  // order is a total order on the keys.
  absl::btree_map<wire::Seq, Chunk> out_of_order_;
  std::uint32_t out_of_order_bytes_ = 0;
  // The union of out_of_order_, as maximal ranges keyed by their left edge.
  // Kept beside the chunks so that building the SACK option costs the number
  // of holes, not the number of segments held.
  absl::btree_map<wire::Seq, SackRange> sack_ranges_;
  std::uint64_t arrivals_ = 0;
};

}  // namespace percore::tcp
