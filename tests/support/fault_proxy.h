// The fault-injecting proxy (tests/support/fault_proxy.py) for a C++ test:
//
//   cairn::test::S3Peer server("moto");
//   cairn::test::FaultProxy proxy(server.endpoint(), 0.3, {}, /*seed=*/7);
//   ... point the client at proxy.endpoint() ...
//   nlohmann::json counters = proxy.stats();   // {"requests", "faults": {kind: n}, ...}
//
// Kinds (empty: all): internal_error service_unavailable slow_down
// request_timeout reset_before stall reset_mid truncate_body. The proxy stops
// when `proxy` goes out of scope; final_output() then holds its last counters.
#pragma once

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "loopback_peer.h"

#ifndef CAIRN_TEST_SOURCE_DIR
#error "CAIRN_TEST_SOURCE_DIR must name the source tree (cairn_add_test defines it)"
#endif

namespace cairn::test {

class FaultProxy : public LoopbackPeer {
 public:
  FaultProxy(const std::string& upstream, double rate, const std::vector<std::string>& kinds = {},
             int seed = 0, double stall_seconds = 30.0)
      : LoopbackPeer(script(), {"start", "--upstream", upstream, "--rate", number(rate),
                                "--kinds", join(kinds), "--seed", std::to_string(seed),
                                "--stall-seconds", number(stall_seconds)}) {}

  std::string endpoint() const { return info().at("endpoint").get<std::string>(); }

  // The live counters, from the proxy's control endpoint.
  nlohmann::json stats() const {
    const std::string command =
        std::string(CAIRN_TEST_PYTHON) + " " + script() + " stats " + endpoint();
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("fault proxy: cannot run " + command);
    std::string out;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    if (pclose(pipe) != 0) throw std::runtime_error("fault proxy: " + command + " failed");
    return nlohmann::json::parse(out);
  }

 private:
  static std::string script() {
    return std::string(CAIRN_TEST_SOURCE_DIR) + "/tests/support/fault_proxy.py";
  }
  static std::string number(double value) {
    std::ostringstream s;
    s << value;
    return s.str();
  }
  static std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
    return out;
  }
};

}  // namespace cairn::test
