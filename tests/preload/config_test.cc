#include "preload/config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace percore::config {
namespace {

std::expected<Config, std::string> load_with(std::map<std::string, std::string> env) {
  return load([&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(Config, DefaultsAreTheDocumentedOnes) {
  auto c = load_with({});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->dev.kind, dev::DeviceKind::Tap);
  EXPECT_EQ(c->dev.iface, "pctap0");
  EXPECT_EQ(c->ip.to_string(), "198.18.0.2/24");
  EXPECT_EQ(c->tap_host_ip.to_string(), "198.18.0.1/24");
  EXPECT_FALSE(c->gw.has_value());
  EXPECT_EQ(c->queues, 1u);
  EXPECT_TRUE(c->offloads);
  EXPECT_FALSE(c->strict);
  EXPECT_EQ(c->park_us, 1000u);
  EXPECT_EQ(c->idle_ms, 100u);
  EXPECT_EQ(c->idle_park_us, 4000u);
}

TEST(Config, IdleParkingIsBounded) {
  auto c = load_with({{"PERCORE_IDLE_PARK_US", "8000"}, {"PERCORE_IDLE_MS", "50"}});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->idle_park_us, 8000u);
  EXPECT_EQ(c->idle_ms, 50u);
  auto too_deep = load_with({{"PERCORE_IDLE_PARK_US", "200000"}});
  ASSERT_FALSE(too_deep);
  EXPECT_NE(too_deep.error().find("PERCORE_IDLE_PARK_US"), std::string::npos);
  EXPECT_FALSE(load_with({{"PERCORE_IDLE_MS", "0"}}));
}

TEST(Config, ReadsEveryDeviceKind) {
  auto c = load_with({{"PERCORE_DEV", "af_packet:pc-dut"}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->dev.kind, dev::DeviceKind::AfPacket);
  EXPECT_EQ(c->dev.iface, "pc-dut");
  c = load_with({{"PERCORE_DEV", "af_xdp:pc-dut"}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->dev.kind, dev::DeviceKind::AfXdp);
  c = load_with({{"PERCORE_DEV", "memif:/run/pc.sock,role=server"}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->dev.kind, dev::DeviceKind::Memif);
  EXPECT_TRUE(c->dev.memif_server);
  EXPECT_EQ(c->dev.memif_path, "/run/pc.sock");
  c = load_with({{"PERCORE_DEV", "tap:mytap"}});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->dev.iface, "mytap");
}

struct BadValue {
  const char* name;
  const char* value;
};

class ConfigRejects : public ::testing::TestWithParam<BadValue> {};

TEST_P(ConfigRejects, NamingTheVariable) {
  auto c = load_with({{GetParam().name, GetParam().value}});
  ASSERT_FALSE(c) << GetParam().name << "=" << GetParam().value << " was accepted";
  EXPECT_EQ(c.error().rfind(GetParam().name, 0), 0u) << c.error();
}

INSTANTIATE_TEST_SUITE_P(
    BadValues, ConfigRejects,
    ::testing::Values(BadValue{"PERCORE_DEV", "bogus"}, BadValue{"PERCORE_DEV", "af_packet:"},
                      BadValue{"PERCORE_DEV", "af_xdp"}, BadValue{"PERCORE_DEV", "memif:rel"},
                      BadValue{"PERCORE_DEV", "memif:/x,role=boss"},
                      BadValue{"PERCORE_DEV", "tap:name-that-is-far-too-long"},
                      BadValue{"PERCORE_IP", "300.1.2.3/24"}, BadValue{"PERCORE_IP", "198.18.0.2"},
                      BadValue{"PERCORE_IP", "198.18.0.2/99"}, BadValue{"PERCORE_IP", "198.18.0.0/24"},
                      BadValue{"PERCORE_IP", "198.18.0.255/24"}, BadValue{"PERCORE_IP", "0.0.0.0/8"},
                      BadValue{"PERCORE_GW", "198.19.0.1"}, BadValue{"PERCORE_GW", "x"},
                      BadValue{"PERCORE_QUEUES", "0"}, BadValue{"PERCORE_QUEUES", "-1"},
                      BadValue{"PERCORE_QUEUES", "2x"}, BadValue{"PERCORE_MEM_MB", "1"},
                      BadValue{"PERCORE_OFFLOADS", "maybe"}, BadValue{"PERCORE_STRICT", "2"},
                      BadValue{"PERCORE_DPDK_LOG", "loud"}, BadValue{"PERCORE_FAULTS", "lose=5%"},
                      BadValue{"PERCORE_FAULTS", "loss=120%"}, BadValue{"PERCORE_TCP_CC", "bbr"},
                      BadValue{"PERCORE_TCP_RMEM", "100"}, BadValue{"PERCORE_TCP_WMEM", "1G"},
                      BadValue{"PERCORE_TCP_TIME_WAIT_MS", "9999999"},
                      BadValue{"PERCORE_STATS_MS", "5"}, BadValue{"PERCORE_STATS_MS", "1s"}));

TEST(Config, ReadsFaults) {
  auto c = load_with({{"PERCORE_FAULTS", "loss=3%,reorder=5%,dup=1%,corrupt=0.5%"}});
  ASSERT_TRUE(c) << c.error();
  EXPECT_DOUBLE_EQ(c->faults.loss, 0.03);
  EXPECT_DOUBLE_EQ(c->faults.corrupt, 0.005);
  EXPECT_FALSE(load_with({})->faults.any());
}

TEST(Config, StatsPeriodIsOffByDefault) {
  EXPECT_EQ(load_with({})->stats_ms, 0u);
  auto c = load_with({{"PERCORE_STATS_MS", "500"}});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->stats_ms, 500u);
  EXPECT_EQ(load_with({{"PERCORE_STATS_MS", "0"}})->stats_ms, 0u);
}

TEST(Config, GatewayOnLinkIsAccepted) {
  auto c = load_with({{"PERCORE_GW", "198.18.0.1"}});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->gw->to_string(), "198.18.0.1");
}

TEST(Config, ReferenceListsEveryVariableWithItsDefault) {
  std::string ref = reference();
  for (const VarInfo& v : variables()) {
    EXPECT_NE(ref.find(v.name), std::string::npos) << v.name;
    EXPECT_FALSE(v.description.empty()) << v.name;
  }
  EXPECT_NE(ref.find("198.18.0.2/24"), std::string::npos);
}

}  // namespace
}  // namespace percore::config
