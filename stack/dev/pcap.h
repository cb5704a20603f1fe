// PERCORE_PCAP: every frame the stack sends and receives, written as pcapng
// with DPDK's rte_pcapng so that `tcpdump -r FILE` reads it.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>

struct rte_mbuf;
struct rte_mempool;
struct rte_pcapng;

namespace percore::dev {

enum class Direction { Rx, Tx };

class PcapWriter {
 public:
  // Open after the port is configured: the file's interface blocks describe
  // the ports that exist at open time.
  static std::expected<std::unique_ptr<PcapWriter>, std::string> open(const std::string& path);
  ~PcapWriter();
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // Copies the frames (the originals are untouched) and writes them.
  void write(std::uint16_t port, std::uint16_t queue, std::span<rte_mbuf* const> frames,
             Direction dir);
  std::uint64_t dropped() const { return dropped_; }

 private:
  PcapWriter() = default;
  rte_pcapng* pcapng_ = nullptr;
  rte_mempool* copies_ = nullptr;
  std::uint64_t dropped_ = 0;
};

}  // namespace percore::dev
