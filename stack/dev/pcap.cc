#include "stack/dev/pcap.h"

#include <fcntl.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pcapng.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace percore::dev {

std::expected<std::unique_ptr<PcapWriter>, std::string> PcapWriter::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(absl::StrCat(path, ": ", std::strerror(errno)));
  std::unique_ptr<PcapWriter> w(new PcapWriter());
  w->pcapng_ = rte_pcapng_fdopen(fd, nullptr, nullptr, "percore", nullptr);
  if (w->pcapng_ == nullptr) {
    ::close(fd);
    return std::unexpected(absl::StrCat(path, ": rte_pcapng_fdopen: ", rte_strerror(rte_errno)));
  }
  w->copies_ = rte_pktmbuf_pool_create("pc_pcap", 2047, 64, 0,
                                       rte_pcapng_mbuf_size(RTE_MBUF_DEFAULT_BUF_SIZE),
                                       SOCKET_ID_ANY);
  if (w->copies_ == nullptr)
    return std::unexpected(absl::StrCat("pcap mbuf pool: ", rte_strerror(rte_errno)));
  return w;
}

PcapWriter::~PcapWriter() {
  if (pcapng_ != nullptr) rte_pcapng_close(pcapng_);
  if (copies_ != nullptr) rte_mempool_free(copies_);
}

void PcapWriter::write(std::uint16_t port, std::uint16_t queue, std::span<rte_mbuf* const> frames,
                       Direction dir) {
  constexpr size_t kBatch = 32;
  rte_mbuf* copies[kBatch];
  size_t n = 0;
  auto flush = [&] {
    if (n > 0 && rte_pcapng_write_packets(pcapng_, copies, static_cast<uint16_t>(n)) < 0)
      dropped_ += n;
    rte_pktmbuf_free_bulk(copies, static_cast<unsigned>(n));
    n = 0;
  };
  const std::uint64_t tsc = rte_get_tsc_cycles();
  for (rte_mbuf* m : frames) {
    rte_mbuf* copy = rte_pcapng_copy(
        port, queue, m, copies_, UINT32_MAX, tsc,
        dir == Direction::Rx ? RTE_PCAPNG_DIRECTION_IN : RTE_PCAPNG_DIRECTION_OUT);
    if (copy == nullptr) {
      ++dropped_;
      continue;
    }
    copies[n++] = copy;
    if (n == kBatch) flush();
  }
  flush();
}

}  // namespace percore::dev
