#include "stack/dev/port.h"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#include <string_view>

#include "absl/strings/str_cat.h"

namespace percore::dev {
namespace {

std::string dpdk_error(absl::string_view what, int rc) {
  return absl::StrCat(what, ": ", rte_strerror(rc < 0 ? -rc : rc));
}

// An mbuf pool like rte_pktmbuf_pool_create's, with its objects back to back
// in memory. net_af_xdp of 22.11 registers the pool as the AF_XDP umem
// from its first object for populated_size * object size bytes; the default
// layout keeps every object inside one 4 KiB page (IOVA contiguity), which
// without hugepages spreads 8191 mbufs over 33 MB instead of 19, and the
// kernel drops every frame of an mbuf beyond the umem as an invalid
// descriptor (never completed, so the mbuf is lost too).
rte_mempool* packed_pool(const std::string& name, unsigned n, int socket) {
  rte_pktmbuf_pool_private priv{};
  priv.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE;
  rte_mempool* pool = rte_mempool_create_empty(name.c_str(), n, sizeof(rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE,
                                               256, sizeof priv, socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
  if (pool == nullptr) return nullptr;
  if (rte_mempool_set_ops_byname(pool, rte_mbuf_best_mempool_ops(), nullptr) != 0) {
    rte_mempool_free(pool);
    return nullptr;
  }
  rte_pktmbuf_pool_init(pool, &priv);
  if (rte_mempool_populate_default(pool) < 0) {
    rte_mempool_free(pool);
    return nullptr;
  }
  rte_mempool_obj_iter(pool, rte_pktmbuf_init, nullptr);
  return pool;
}

}  // namespace

std::expected<std::unique_ptr<Port>, std::string> Port::open(std::uint16_t port_id,
                                                             const PortConfig& config) {
  std::unique_ptr<Port> port(new Port(port_id));

  rte_eth_dev_info info;
  if (int rc = rte_eth_dev_info_get(port_id, &info); rc != 0)
    return std::unexpected(dpdk_error("rte_eth_dev_info_get", rc));
  port->driver_ = info.driver_name;
  if (config.queues == 0 || config.queues > info.max_rx_queues ||
      config.queues > info.max_tx_queues)
    return std::unexpected(absl::StrCat(info.driver_name, " offers at most ",
                                        std::min(info.max_rx_queues, info.max_tx_queues),
                                        " queue pairs, ", config.queues, " asked"));

  rte_eth_conf conf{};
  if (config.use_offloads) {
    const auto rx = info.rx_offload_capa;
    const auto tx = info.tx_offload_capa;
    Offloads& o = port->offloads_;
    o.rx_ipv4_cksum = rx & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
    o.rx_l4_cksum = (rx & RTE_ETH_RX_OFFLOAD_TCP_CKSUM) && (rx & RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
    o.tx_ipv4_cksum = tx & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
    o.tx_tcp_cksum = tx & RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
    o.tx_udp_cksum = tx & RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
    if (o.rx_ipv4_cksum) conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
    if (o.rx_l4_cksum)
      conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
    if (o.tx_ipv4_cksum) conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
    if (o.tx_tcp_cksum) conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
    if (o.tx_udp_cksum) conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
    if (config.trust_shared_memory && std::string_view(info.driver_name) == "net_memif") {
      o.shared_memory = true;
      o.tx_ipv4_cksum = o.tx_tcp_cksum = o.tx_udp_cksum = true;
    }
  }
  port->tx_multi_segs_ = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
  if (port->tx_multi_segs_) conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
  if (config.queues > 1 && info.flow_type_rss_offloads != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf =
        (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP) & info.flow_type_rss_offloads;
  }

  if (int rc = rte_eth_dev_configure(port_id, config.queues, config.queues, &conf); rc != 0)
    return std::unexpected(dpdk_error("rte_eth_dev_configure", rc));
  std::uint16_t rx_desc = config.rx_desc;
  std::uint16_t tx_desc = config.tx_desc;
  if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rx_desc, &tx_desc); rc != 0)
    return std::unexpected(dpdk_error("rte_eth_dev_adjust_nb_rx_tx_desc", rc));

  const int socket = rte_eth_dev_socket_id(port_id);
  for (std::uint16_t q = 0; q < config.queues; ++q) {
    std::string name = absl::StrCat("pc_p", port_id, "_q", q);
    rte_mempool* pool =
        port->driver_ == "net_af_xdp"
            ? packed_pool(name, config.mbufs_per_queue, socket)
            : rte_pktmbuf_pool_create(name.c_str(), config.mbufs_per_queue, 256, 0,
                                      RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (pool == nullptr)
      return std::unexpected(dpdk_error(absl::StrCat("mbuf pool ", name), rte_errno));
    port->pools_.push_back(pool);
    rte_eth_rxconf rxconf = info.default_rxconf;
    rxconf.offloads = conf.rxmode.offloads;
    if (int rc = rte_eth_rx_queue_setup(port_id, q, rx_desc, socket, &rxconf, pool); rc != 0)
      return std::unexpected(dpdk_error(absl::StrCat("rx queue ", q), rc));
    rte_eth_txconf txconf = info.default_txconf;
    txconf.offloads = conf.txmode.offloads;
    if (int rc = rte_eth_tx_queue_setup(port_id, q, tx_desc, socket, &txconf); rc != 0)
      return std::unexpected(dpdk_error(absl::StrCat("tx queue ", q), rc));
  }

  if (int rc = rte_eth_dev_start(port_id); rc != 0)
    return std::unexpected(dpdk_error("rte_eth_dev_start", rc));
  port->started_ = true;
  // Promiscuous mode is not needed (the stack owns its MAC) and some virtual
  // PMDs refuse it; ignore the result.
  rte_ether_addr mac;
  if (int rc = rte_eth_macaddr_get(port_id, &mac); rc != 0)
    return std::unexpected(dpdk_error("rte_eth_macaddr_get", rc));
  std::copy(std::begin(mac.addr_bytes), std::end(mac.addr_bytes), port->mac_.bytes.begin());
  std::uint16_t mtu = 0;
  if (rte_eth_dev_get_mtu(port_id, &mtu) == 0 && mtu >= 576) port->mtu_ = mtu;

  // Read back what the device really uses, so the software Toeplitz matches it.
  if (conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS && info.reta_size > 0 && info.hash_key_size > 0) {
    std::vector<std::uint8_t> key(info.hash_key_size);
    rte_eth_rss_conf rss_conf{};
    rss_conf.rss_key = key.data();
    rss_conf.rss_key_len = info.hash_key_size;
    std::vector<rte_eth_rss_reta_entry64> reta(
        (info.reta_size + RTE_ETH_RETA_GROUP_SIZE - 1) / RTE_ETH_RETA_GROUP_SIZE);
    for (auto& group : reta) group.mask = ~0ULL;
    if (rte_eth_dev_rss_hash_conf_get(port_id, &rss_conf) == 0 &&
        rte_eth_dev_rss_reta_query(port_id, reta.data(), info.reta_size) == 0) {
      port->rss_.key = std::move(key);
      for (std::uint16_t i = 0; i < info.reta_size; ++i)
        port->rss_.reta.push_back(
            reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE]);
    }
  }
  return port;
}

Port::~Port() {
  if (started_) {
    rte_eth_dev_stop(id_);
    rte_eth_dev_close(id_);
  }
  for (rte_mempool* pool : pools_) rte_mempool_free(pool);
}

unsigned Port::free_mbufs() const {
  unsigned n = 0;
  for (rte_mempool* pool : pools_) n += rte_mempool_avail_count(pool);
  return n;
}

unsigned Port::total_mbufs() const {
  unsigned n = 0;
  for (rte_mempool* pool : pools_) n += pool->size;
  return n;
}

unsigned Port::free_mbufs(std::uint16_t queue) const {
  return rte_mempool_avail_count(pools_[queue]);
}

unsigned Port::total_mbufs(std::uint16_t queue) const { return pools_[queue]->size; }

}  // namespace percore::dev
