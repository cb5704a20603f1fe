// The deterministic simulation (issue 3): two stacks, A (198.18.0.1) and B
// (198.18.0.2), over an in-memory wire with seeded loss, reordering,
// duplication, corruption and delay. B listens, A connects, and both send
// 32 MiB of seeded pseudo-random bytes while reading what the other sends;
// each reader's hash must equal the sender's. Then both close: the
// connections must end through TIME-WAIT or LAST-ACK, be freed (TIME-WAIT
// after config.time_wait, unless a RST ends it), and every mbuf must be back
// in its pool.
//
// Time is a fake clock: it moves in 100 us steps while frames are on their
// way (a frame sent in one step arrives in the next, a one-step propagation
// delay on top of the fault's delay), and jumps to the next timer or
// held-frame release when the wire is idle. No new bytes reaching either
// reader for longer than the maximum RTO is a failure; the longest such
// stall is printed per seed.
#include <gtest/gtest.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_format.h"
#include "stack/dev/faults.h"
#include "stack/tcp/layer.h"
#include "tests/support/eal_env.h"
#include "tests/tcp/sim/network.h"
#include "tests/tcp/sim/stream.h"

namespace percore::tcp::sim {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kStreamBytes = 32ull << 20;
// Seeds 0..23 run the default configuration; 24..47 cycle through the
// variants below, so NewReno, recovery without SACK, RTT without
// timestamps, unscaled small windows and a reader slower than the link
// (zero windows, window updates, receiver SWS) face the same faults.
constexpr unsigned kDefaultSeeds = 24;
constexpr unsigned kSeeds = 48;
constexpr Duration kStep = 100us;
constexpr Duration kTimeWait = 2s;
// After both applications closed, the FIN exchange (with retransmissions)
// and TIME-WAIT must be over within this.
constexpr Duration kCloseLimit = 300s;
constexpr std::uint16_t kPort = 5001;
constexpr unsigned kPoolMbufs = 32767;
constexpr unsigned kEalMemoryMb = 512;  // two pools of 32767 mbufs are ~160 MiB

const wire::Ipv4Addr kIpA = wire::Ipv4Addr::from_octets(198, 18, 0, 1);
const wire::Ipv4Addr kIpB = wire::Ipv4Addr::from_octets(198, 18, 0, 2);
const wire::MacAddr kMacA{{0x02, 0, 0, 0, 0, 0x01}};
const wire::MacAddr kMacB{{0x02, 0, 0, 0, 0, 0x02}};

struct Pools {
  rte_mempool* a;
  rte_mempool* b;
};

// One pool per host, made once per binary and shared by the seeds; each
// seed checks that it gave back every mbuf it took.
Pools pools() {
  static Pools p = [] {
    percore::testing::start_eal(kEalMemoryMb);
    auto make = [](const char* name) {
      rte_mempool* pool =
          rte_pktmbuf_pool_create(name, kPoolMbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
      if (pool == nullptr) {
        std::fprintf(stderr, "sim: cannot create %s\n", name);
        std::abort();
      }
      return pool;
    };
    return Pools{make("sim_pool_a"), make("sim_pool_b")};
  }();
  return p;
}

// Seed 0 has no faults, seed 1 every fault at its maximum; the others draw
// loss 0-5%, reorder 0-10%, dup 0-2%, corrupt 0-1% and delay 0-5 ms.
dev::FaultSpec faults_for(std::uint64_t seed, unsigned direction) {
  dev::FaultSpec f;
  f.seed = splitmix64(seed * 2 + direction + 0x5eed);
  if (seed == 0) return f;
  double u[5] = {1, 1, 1, 1, 1};
  if (seed != 1)
    for (unsigned i = 0; i < 5; ++i) u[i] = unit_interval(splitmix64(seed * 16 + i));
  f.loss = 0.05 * u[0];
  f.reorder = 0.10 * u[1];
  f.dup = 0.02 * u[2];
  f.corrupt = 0.01 * u[3];
  f.delay = std::chrono::duration_cast<Duration>(5ms * u[4]);
  f.delay -= f.delay % 1us;
  return f;
}

struct Variant {
  const char* name;
  CcAlgorithm cc = CcAlgorithm::Cubic;
  bool sack = true, timestamps = true, window_scaling = true;
  std::uint32_t buffers = 0;  // rcvbuf = max_rcvbuf = sndbuf; 0: the defaults
  // A paced reader takes at most read_chunk bytes every read_gap; 0: all
  // that is readable, at once.
  std::size_t read_chunk = 0;
  Duration read_gap{};
};

constexpr Variant kDefaultVariant{.name = "defaults"};
constexpr Variant kVariants[] = {
    {.name = "NewReno", .cc = CcAlgorithm::NewReno},
    {.name = "no SACK", .sack = false},
    {.name = "no timestamps", .timestamps = false},
    {.name = "no window scaling, 16 KiB buffers", .window_scaling = false, .buffers = 16384},
    {.name = "reader paced at 16 KiB per 2.5 ms", .read_chunk = 16384, .read_gap = 2500us},
    {.name = "NewReno, no SACK, reader paced at 1000 B per 150 us",
     .cc = CcAlgorithm::NewReno, .sack = false, .read_chunk = 1000, .read_gap = 150us},
};

const Variant& variant_for(std::uint64_t seed) {
  if (seed < kDefaultSeeds) return kDefaultVariant;
  return kVariants[(seed - kDefaultSeeds) % std::size(kVariants)];
}

// One application: writes its stream, reads the peer's, half-closes when
// all is written and closes when all is read.
struct Endpoint {
  const char* name;
  Host* host;
  PatternStream stream;
  Tcb* tcb = nullptr;  // valid until `freed`
  std::uint64_t written = 0, read = 0;
  StreamHash sent_hash, read_hash;
  bool write_shut = false, closed = false, freed = false;
  std::optional<Instant> closed_at, freed_at;
  std::optional<Instant> time_wait_at, time_wait_end;  // the first TIME-WAIT observed
  State last_state = State::Closed;
  State last_open_state = State::Closed;  // the last state before CLOSED
  std::optional<Errc> error;
  TcpCounters counters;
  // The application acts only on readiness, as an edge-triggered epoll user
  // would: after an edge from take_ready() (then it reads and writes until
  // it can't), or at a paced reader's next read while bytes may remain.
  bool notified = false;
  bool read_more = false;
  Instant next_read{};  // a paced reader's next read
};

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

std::string describe(const Endpoint& e) {
  std::string s = absl::StrFormat("%s: written %d read %d%s%s%s", e.name, e.written, e.read,
                                  e.write_shut ? " shut" : "", e.closed ? " closed" : "",
                                  e.freed ? " freed" : "");
  if (e.tcb == nullptr || e.freed) return s + absl::StrFormat(" last %s", to_string(e.last_state));
  const Tcb& t = *e.tcb;
  std::ostringstream seqs;
  seqs << " una=" << t.snd_una() << " nxt=" << t.snd_nxt() << " rcv_nxt=" << t.rcv_nxt();
  return s + absl::StrFormat(
                 " %s%s snd_wnd=%d cwnd=%d ssthresh=%d rcv_wnd=%d readable=%d queued=%d "
                 "recovery=%d srtt=%.1fms rttvar=%.1fms rto=%dms backoffs=%d retx=%d rtos=%d error=%s",
                 to_string(t.state()), seqs.str(), t.snd_wnd(), t.congestion().cwnd(),
                 t.congestion().ssthresh(), t.rcv_wnd(), t.readable(), t.send_queued(),
                 t.in_recovery(), seconds(t.rtt().srtt()) * 1e3, seconds(t.rtt().rttvar()) * 1e3,
                 t.rtt().rto() / 1ms, t.rtt().backoffs(),
                 t.counters().retransmits, t.counters().rto_expirations,
                 t.error() ? to_string(*t.error()) : "none");
}

std::uint64_t malformed(const net::NetStats& stats) {
  std::uint64_t n = 0;
  for (const auto& layer : stats.malformed)
    for (std::uint64_t count : layer) n += count;
  return n;
}

double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// The last frames on the wire, both ways, printed when a seed fails (and
// every frame as it goes with PERCORE_SIM_TRACE=1). Sequence numbers are
// relative to each sender's SYN.
class FrameLog {
 public:
  static constexpr std::size_t kKept = 400;

  explicit FrameLog(Instant start)
      : start_(start), live_(std::getenv("PERCORE_SIM_TRACE") != nullptr) {}

  void record(unsigned dir, bool delivered, const rte_mbuf* frame, Instant now) {
    std::uint8_t hdr[14 + 20 + 60];
    const std::uint32_t want = std::min<std::uint32_t>(sizeof hdr, rte_pktmbuf_pkt_len(frame));
    const auto* p = static_cast<const std::uint8_t*>(rte_pktmbuf_read(frame, 0, want, hdr));
    if (p == nullptr || want < 14 + 20 + 20 || p[12] != 0x08 || p[13] != 0x00 || p[14 + 9] != 6)
      return;
    const std::uint32_t ihl = (p[14] & 0xf) * 4u;
    const std::uint32_t total = (std::uint32_t{p[16]} << 8) | p[17];
    const std::uint8_t* t = p + 14 + ihl;
    if (14 + ihl + 20 > want) return;
    auto be32 = [](const std::uint8_t* b) {
      return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) |
             (std::uint32_t{b[2]} << 8) | b[3];
    };
    const std::uint32_t doff = (t[12] >> 4) * 4u;
    Rec r{.t = now, .dir = static_cast<std::uint8_t>(dir), .delivered = delivered,
          .seq = be32(t + 4), .ack = be32(t + 8),
          .len = static_cast<std::uint16_t>(total > ihl + doff ? total - ihl - doff : 0),
          .flags = t[13], .win = static_cast<std::uint16_t>((t[14] << 8) | t[15])};
    if (r.flags & wire::TcpFlag::kSyn && !(r.flags & wire::TcpFlag::kAck)) iss_[dir] = r.seq;
    if (r.flags & wire::TcpFlag::kSyn && r.flags & wire::TcpFlag::kAck) iss_[dir] = r.seq;
    // Options: only SACK (kind 5) is kept.
    for (std::uint32_t i = 20; i < doff && 14 + ihl + i < want;) {
      const std::uint8_t kind = t[i];
      if (kind == 0) break;
      if (kind == 1) { ++i; continue; }
      if (i + 1 >= doff) break;
      const std::uint8_t olen = t[i + 1];
      if (olen < 2 || i + olen > doff) break;
      if (kind == 5)
        for (std::uint32_t b = i + 2; b + 8 <= i + olen && r.nsack < 4; b += 8, ++r.nsack) {
          r.sack[r.nsack][0] = be32(t + b);
          r.sack[r.nsack][1] = be32(t + b + 4);
        }
      i += olen;
    }
    if (delivered && (r.flags & wire::TcpFlag::kRst)) rst_delivered_[dir].push_back(now);
    if (live_) std::fprintf(stderr, "%s\n", format(r).c_str());
    ring_[next_++ % kKept] = r;
  }

  // Whether a RST went the way `dir` (0: to B, 1: to A) at or after `since`.
  bool rst_delivered(unsigned dir, Instant since) const {
    return std::any_of(rst_delivered_[dir].begin(), rst_delivered_[dir].end(),
                       [&](Instant t) { return t >= since; });
  }

  std::string dump() const {
    std::string out;
    for (std::size_t i = next_ > kKept ? next_ - kKept : 0; i < next_; ++i)
      out += format(ring_[i % kKept]) + "\n";
    return out;
  }

 private:
  struct Rec {
    Instant t;
    std::uint8_t dir;
    bool delivered;
    std::uint32_t seq, ack;
    std::uint16_t len;
    std::uint8_t flags;
    std::uint16_t win;
    std::uint8_t nsack = 0;
    std::uint32_t sack[4][2] = {};
  };

  std::string format(const Rec& r) const {
    const std::uint32_t mine = iss_[r.dir], theirs = iss_[1 - r.dir];
    std::string s = absl::StrFormat(
        "  %.6f %s %s seq=%u ack=%u len=%u win=%u%s%s%s%s", seconds(r.t - start_),
        r.dir == 0 ? "A>B" : "B>A", r.delivered ? "recv" : "sent", r.seq - mine, r.ack - theirs,
        r.len, r.win, r.flags & wire::TcpFlag::kSyn ? " SYN" : "",
        r.flags & wire::TcpFlag::kFin ? " FIN" : "", r.flags & wire::TcpFlag::kRst ? " RST" : "",
        r.flags & wire::TcpFlag::kAck ? "" : " noACK");
    for (unsigned i = 0; i < r.nsack; ++i)
      s += absl::StrFormat(" sack=%u-%u", r.sack[i][0] - theirs, r.sack[i][1] - theirs);
    return s;
  }

  Instant start_;
  bool live_;
  std::array<std::uint32_t, 2> iss_{};
  std::array<std::vector<Instant>, 2> rst_delivered_;
  std::array<Rec, kKept> ring_{};
  std::size_t next_ = 0;
};

std::string describe_faults(const dev::FaultSpec& f) {
  if (!f.any()) return "no faults";
  return absl::StrFormat("loss %.2f%%, reorder %.2f%%, dup %.2f%%, corrupt %.2f%%, delay %.3f ms",
                         f.loss * 100, f.reorder * 100, f.dup * 100, f.corrupt * 100,
                         seconds(f.delay) * 1e3);
}

struct Result {
  std::uint64_t seed;
  dev::FaultSpec faults;
  Duration simulated, transfer, longest_stall;
  double cpu;
  TcpCounters a, b;
  const char* variant;
};

std::vector<Result>& results() {
  static std::vector<Result> r;
  return r;
}

class SimulationTest : public ::testing::TestWithParam<std::uint64_t> {
 protected:
  // One line per seed, for the record.
  static void TearDownTestSuite() {
    if (results().empty()) return;
    absl::PrintF("[sim] seed | loss  reord dup   corr  delay  | simulated transfer | "
                 "retx A   (fast/RTO)  retx B   (fast/RTO)  | stall ms | cpu s | variant\n");
    double cpu = 0;
    Duration worst{};
    for (const Result& r : results()) {
      absl::PrintF("[sim] %4d | %4.2f%% %4.2f%% %4.2f%% %4.2f%% %4.2fms | %8.3fs %8.3fs | "
                   "%5d (%4d/%4d)  %5d (%4d/%4d) | %8.1f | %5.3f | %s\n",
                   r.seed, r.faults.loss * 100, r.faults.reorder * 100, r.faults.dup * 100,
                   r.faults.corrupt * 100, seconds(r.faults.delay) * 1e3, seconds(r.simulated),
                   seconds(r.transfer), r.a.retransmits, r.a.fast_retransmits,
                   r.a.rto_expirations, r.b.retransmits, r.b.fast_retransmits,
                   r.b.rto_expirations, seconds(r.longest_stall) * 1e3, r.cpu, r.variant);
      cpu += r.cpu;
      worst = std::max(worst, r.longest_stall);
    }
    absl::PrintF("[sim] %d seeds, 2 x %d MiB each; cpu %.2f s in all; longest stall %.1f ms\n",
                 results().size(), kStreamBytes >> 20, cpu, seconds(worst) * 1e3);
  }
};

TEST_P(SimulationTest, BothWays32MiB) {
  const std::uint64_t seed = GetParam();
  const Pools p = pools();
  const unsigned free_a = rte_mempool_avail_count(p.a);
  const unsigned free_b = rte_mempool_avail_count(p.b);
  const double cpu_start = cpu_seconds();

  TcpConfig config;
  config.time_wait = kTimeWait;
  const Variant& variant = variant_for(seed);
  config.cc = variant.cc;
  config.sack = variant.sack;
  config.timestamps = variant.timestamps;
  config.window_scaling = variant.window_scaling;
  if (variant.buffers != 0) config.rcvbuf = config.max_rcvbuf = config.sndbuf = variant.buffers;
  const bool paced = variant.read_chunk != 0;
  const Instant start{std::chrono::seconds(1000)};
  Instant now = start;
  const dev::FaultSpec faults_ab = faults_for(seed, 0), faults_ba = faults_for(seed, 1);

  {
    Host a({kIpA, kMacA, p.a, {splitmix64(seed), 1}}, config, now);
    Host b({kIpB, kMacB, p.b, {splitmix64(seed), 2}}, config, now);
    a.net().learn_neighbour(kIpB, kMacB, now);
    b.net().learn_neighbour(kIpA, kMacA, now);
    Wire ab(a, b, faults_ab);
    Wire ba(b, a, faults_ba);
    FrameLog log(now);
    ab.tap = [&](bool delivered, const rte_mbuf* f, Instant t) { log.record(0, delivered, f, t); };
    ba.tap = [&](bool delivered, const rte_mbuf* f, Instant t) { log.record(1, delivered, f, t); };

    Endpoint ea{.name = "A", .host = &a, .stream = PatternStream(splitmix64(seed * 3 + 1))};
    Endpoint eb{.name = "B", .host = &b, .stream = PatternStream(splitmix64(seed * 3 + 2))};
    auto listener = b.tcp().listen(wire::Ipv4Addr::any(), kPort, 16);
    ASSERT_TRUE(listener);
    auto connected = a.tcp().connect(kIpB, kPort, now);
    ASSERT_TRUE(connected);
    ea.tcb = *connected;

    Instant last_delivery = now;
    Duration longest_stall{};
    Instant longest_stall_end = now;
    std::optional<Instant> transfer_done;
    std::vector<std::uint8_t> buf(64 * 1024);
    bool failed = false;
    auto dump = [&] {
      return absl::StrFormat(
          "seed %d at t=%.6f s\n  %s\n  %s\n  wire A->B held %d, B->A held %d\n"
          "the last frames (seq relative to each sender's SYN):\n%s",
          seed, seconds(now - start), describe(ea), describe(eb), ab.in_flight(),
          ba.in_flight(), log.dump());
    };

    auto wants_to_act = [&](const Endpoint& e) {
      return e.tcb != nullptr && !e.closed && (e.notified || (e.read_more && now >= e.next_read));
    };
    auto run_app = [&](Endpoint& e) {
      if (!wants_to_act(e)) return;
      e.notified = false;
      Tcb& t = *e.tcb;
      bool used = false;
      for (;;) {
        if (paced && now < e.next_read) {
          e.read_more = true;
          break;
        }
        const std::size_t n = t.recv({buf.data(), paced ? variant.read_chunk : buf.size()}, false);
        if (n == 0) {
          e.read_more = false;
          break;
        }
        if (paced) e.next_read = now + variant.read_gap;
        e.read_hash.update({buf.data(), n});
        e.read += n;
        used = true;
        if (!transfer_done) {
          if (now - last_delivery > longest_stall) {
            longest_stall = now - last_delivery;
            longest_stall_end = now;
          }
          last_delivery = now;
        }
      }
      const bool can_write = t.state() == State::Established || t.state() == State::CloseWait;
      while (can_write && e.written < kStreamBytes && t.send_space() > 0) {
        const std::size_t n = std::min<std::uint64_t>(
            {t.send_space(), buf.size(), kStreamBytes - e.written});
        e.stream.fill(e.written, {buf.data(), n});
        const std::size_t taken = t.send({buf.data(), n});
        e.sent_hash.update({buf.data(), taken});
        e.written += taken;
        used = used || taken > 0;
        if (taken < n) break;
      }
      if (e.written == kStreamBytes && !e.write_shut) {
        t.shutdown_write(now);
        e.write_shut = true;
        used = true;
      }
      if (e.write_shut && e.read >= kStreamBytes) {
        e.host->tcp().close(&t, now);
        e.closed = true;
        e.closed_at = now;
        return;
      }
      if (used) e.host->tcp().touch(&t);
    };

    // With one connection per host, connections() says whether ours lives.
    auto observe = [&](Endpoint& e) {
      if (e.tcb == nullptr || e.freed) return;
      if (e.host->tcp().connections() == 0) {
        e.freed = true;
        e.freed_at = now;
        if (e.time_wait_at && !e.time_wait_end) e.time_wait_end = now;
        return;
      }
      const Tcb& t = *e.tcb;
      if (t.state() == State::TimeWait && !e.time_wait_at) e.time_wait_at = now;
      if (t.state() != State::TimeWait && e.time_wait_at && !e.time_wait_end)
        e.time_wait_end = now;
      e.last_state = t.state();
      if (t.state() != State::Closed) e.last_open_state = t.state();
      e.counters = t.counters();
      if (t.error()) e.error = t.error();
    };

    // Readiness edges since the last call; B accepts on its listener's.
    auto take_ready = [&] {
      for (const TcpLayer::Ready& r : a.tcp().take_ready())
        if (r.tcb != nullptr && r.tcb == ea.tcb) ea.notified = true;
      for (const TcpLayer::Ready& r : b.tcp().take_ready()) {
        if (r.tcb != nullptr && r.tcb == eb.tcb) eb.notified = true;
        if (r.listener == *listener && eb.tcb == nullptr) {
          eb.tcb = b.tcp().accept(*listener);
          eb.notified = eb.tcb != nullptr;
        }
      }
    };

    std::uint64_t steps = 0;
    for (;; ++steps) {
      ab.carry(now);
      ba.carry(now);
      // What the applications do may raise new edges (a read that empties
      // the buffer, a write that fills it): let them answer those too.
      for (unsigned pass = 0; pass < 8; ++pass) {
        take_ready();
        if (!wants_to_act(ea) && !wants_to_act(eb)) break;
        run_app(ea);
        run_app(eb);
      }
      a.poll(now);
      b.poll(now);
      take_ready();
      observe(ea);
      observe(eb);

      if (ea.error || eb.error) {
        ADD_FAILURE() << "a connection failed: " << dump();
        failed = true;
        break;
      }
      if (!transfer_done && ea.read >= kStreamBytes && eb.read >= kStreamBytes)
        transfer_done = now;
      if (!transfer_done && now - last_delivery > config.rto.max_rto) {
        ADD_FAILURE() << "stalled for more than the maximum RTO: " << dump();
        failed = true;
        break;
      }
      if (ea.freed && eb.freed && ab.in_flight() == 0 && ba.in_flight() == 0) break;
      if (ea.closed && eb.closed &&
          now - std::max(*ea.closed_at, *eb.closed_at) > kCloseLimit) {
        ADD_FAILURE() << "the connections did not finish closing: " << dump();
        failed = true;
        break;
      }

      // Frames just sent arrive in the next step; an idle wire lets the
      // clock jump to the next thing due.
      if (!a.net().tx_frames().empty() || !b.net().tx_frames().empty() || ea.notified ||
          eb.notified) {
        now += kStep;
        continue;
      }
      std::optional<Instant> next;
      for (auto t : {a.next_deadline(), b.next_deadline(), ab.next_release(), ba.next_release()})
        if (t && (!next || *t < *next)) next = t;
      // A paced reader with bytes waiting acts at its next read.
      for (const Endpoint* e : {&ea, &eb})
        if (e->tcb != nullptr && !e->closed && e->read_more && (!next || e->next_read < *next))
          next = e->next_read;
      if (!next) {
        ADD_FAILURE() << "nothing left to happen: " << dump();
        failed = true;
        break;
      }
      now = std::max(*next, now + 1us);
    }

    const double cpu = cpu_seconds() - cpu_start;
    const auto& fab = ab.fault_stats();
    const auto& fba = ba.fault_stats();
    const Result r{seed, faults_ab, now - start,
                   transfer_done ? *transfer_done - start : Duration(-1), longest_stall, cpu,
                   ea.counters, eb.counters, variant.name};
    results().push_back(r);
    absl::PrintF("[sim] seed %d: %s; %s\n", seed, describe_faults(faults_ab), variant.name);
    absl::PrintF(
        "[sim]   simulated %.3f s (transfer %.3f s) in %d steps, cpu %.3f s; longest stall "
        "%.1f ms, ending at %.3f s\n",
        seconds(now - start), seconds(r.transfer), steps, cpu, seconds(longest_stall) * 1e3,
        seconds(longest_stall_end - start));
    for (const auto& [dir, c, f, w] : {std::tuple{"A->B", &ea.counters, &fab, &ab.stats()},
                                       std::tuple{"B->A", &eb.counters, &fba, &ba.stats()}}) {
      absl::PrintF(
          "[sim]   %s: %d segments, %d retransmitted (%d fast retransmits, %d RTOs); "
          "frames lost %d, duplicated %d, corrupted %d (%d delivered with bad checksums), "
          "reordered %d\n",
          dir, c->segs_out, c->retransmits, c->fast_retransmits, c->rto_expirations, f->lost,
          f->duplicated, f->corrupted, w->bad_checksums, f->reordered);
    }
    // Frames the network layers dropped for other reasons (ARP), for the record.
    for (const auto& [name, host] : {std::pair{"A", &a}, std::pair{"B", &b}}) {
      const net::NetStats& st = host->net().stats();
      if (st.total_dropped() != malformed(st))
        absl::PrintF("[sim]   %s's network layer dropped frames: %s\n", name, st.to_string());
    }
    std::fflush(stdout);
    RecordProperty("simulated_ms", static_cast<int>((now - start) / 1ms));
    RecordProperty("longest_stall_ms", static_cast<int>(longest_stall / 1ms));
    if (failed) return;

    // The bytes, both ways.
    EXPECT_EQ(ea.written, kStreamBytes);
    EXPECT_EQ(eb.written, kStreamBytes);
    EXPECT_EQ(eb.read, kStreamBytes);
    EXPECT_EQ(ea.read, kStreamBytes);
    EXPECT_EQ(eb.read_hash.digest(), ea.sent_hash.digest()) << "A->B content differs";
    EXPECT_EQ(ea.read_hash.digest(), eb.sent_hash.digest()) << "B->A content differs";
    EXPECT_LT(longest_stall, config.rto.max_rto);

    // The close: each side left the protocol from TIME-WAIT (held for
    // time_wait) or LAST-ACK (done at the last ACK), without an error, and
    // was freed once the application had closed it too.
    for (const Endpoint* e : {&ea, &eb}) {
      SCOPED_TRACE(e->name);
      EXPECT_TRUE(e->freed);
      EXPECT_FALSE(e->error) << to_string(*e->error);
      EXPECT_TRUE(e->last_open_state == State::TimeWait || e->last_open_state == State::LastAck)
          << "closed from " << to_string(e->last_open_state);
      if (e->time_wait_at) {
        // RFC 9293 3.10.7.4: only a RST ends TIME-WAIT early (a duplicated
        // last ACK reaching a peer that already closed draws one).
        ASSERT_TRUE(e->time_wait_end);
        const unsigned towards = e == &ea ? 1 : 0;
        if (!log.rst_delivered(towards, *e->time_wait_at)) {
          EXPECT_GE(*e->time_wait_end - *e->time_wait_at, kTimeWait) << "TIME-WAIT cut short";
        }
      }
    }
    EXPECT_TRUE(ea.time_wait_at || eb.time_wait_at) << "no side went through TIME-WAIT";
    EXPECT_EQ(ab.stats().rx_no_mbuf + ba.stats().rx_no_mbuf, 0u) << "a pool ran dry";
    // Every frame a receiver found malformed was one the faults corrupted,
    // and every corrupted frame was dropped as malformed.
    EXPECT_EQ(malformed(b.net().stats()), ab.stats().bad_checksums)
        << "B: " << b.net().stats().to_string();
    EXPECT_EQ(malformed(a.net().stats()), ba.stats().bad_checksums)
        << "A: " << a.net().stats().to_string();
    EXPECT_EQ(ab.stats().oversize, 0u) << "A sent frames beyond the MTU";
    EXPECT_EQ(ba.stats().oversize, 0u) << "B sent frames beyond the MTU";
    // Nothing is on the wire and both connections are freed: every mbuf
    // must be back already, before the layers' destructors free anything.
    EXPECT_EQ(rte_mempool_avail_count(p.a), free_a) << "A's pool, with the stacks still up";
    EXPECT_EQ(rte_mempool_avail_count(p.b), free_b) << "B's pool, with the stacks still up";
  }
  // And once hosts and wires are gone (after a failure too).
  EXPECT_EQ(rte_mempool_avail_count(p.a), free_a) << "mbufs of A's pool leaked";
  EXPECT_EQ(rte_mempool_avail_count(p.b), free_b) << "mbufs of B's pool leaked";
}

// PERCORE_SIM_SEEDS=N runs seeds 0..N-1 instead (exploring; CI runs kSeeds).
std::uint64_t seed_count() {
  const char* env = std::getenv("PERCORE_SIM_SEEDS");
  return env != nullptr && std::atoi(env) > 0 ? static_cast<std::uint64_t>(std::atoi(env)) : kSeeds;
}

INSTANTIATE_TEST_SUITE_P(Seeds, SimulationTest, ::testing::Range<std::uint64_t>(0, seed_count()),
                         [](const auto& info) { return "seed" + std::to_string(info.param); });

}  // namespace
}  // namespace percore::tcp::sim
