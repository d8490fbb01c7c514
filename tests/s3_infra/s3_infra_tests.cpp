// The C++ side of the S3 test infrastructure (tests/support/s3_peer.h,
// fault_proxy.h): a peer starts, serves awscli, enforces signatures where it
// says so, and is gone after destruction; an absent peer gives a skip reason
// instead of a failure; the proxy injects what it is told and counts it.
#define BOOST_TEST_MODULE s3_infra_tests
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <random>

#include "fault_proxy.h"
#include "s3_peer.h"
#include "scoped_env.h"
#include "temp_dir.h"

namespace {

bool process_exists(int pid) { return kill(pid, 0) == 0 || errno != ESRCH; }

std::string random_bytes(size_t n) {
  std::mt19937_64 rng(42);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Runs /usr/bin/aws against `endpoint` with the peer's keys but `secret`;
// returns its exit status. Its output is discarded (it may hold request details).
int aws(const cairn::test::S3Peer& peer, const std::string& args, const std::string& secret,
        const std::string& endpoint = "", const std::string& extra_env = "") {
  const std::string command = "env AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null "
                              "AWS_ACCESS_KEY_ID='" + peer.access_key() +
                              "' AWS_SECRET_ACCESS_KEY='" + secret + "' AWS_DEFAULT_REGION=" +
                              peer.region() + " " + extra_env + " /usr/bin/aws --endpoint-url " +
                              (endpoint.empty() ? peer.endpoint() : endpoint) + " " + args +
                              " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool have_awscli() { return access("/usr/bin/aws", X_OK) == 0; }

// `checks_signatures`: whether this kind of server refuses a wrong secret
// (moto does, s3rver does not); the peer's measured flag must agree.
void check_round_trip_and_shutdown(const std::string& kind, bool checks_signatures) {
  if (!have_awscli()) CAIRN_SKIP_TEST("/usr/bin/aws (Debian awscli) is not installed");
  int pid = 0;
  {
    cairn::test::S3Peer peer(kind, "cpp-bucket");
    CAIRN_SKIP_UNLESS_AVAILABLE(peer);
    BOOST_TEST(peer.kind() == kind);
    BOOST_TEST(peer.bucket() == "cpp-bucket");
    BOOST_TEST(peer.endpoint() == "http://127.0.0.1:" + std::to_string(peer.port()));
    BOOST_TEST(peer.verifies_signatures() == checks_signatures);
    pid = peer.server_pid();
    BOOST_TEST(process_exists(pid));
    TempDir dir;
    const std::string data = random_bytes(6 << 20);  // one PUT (awscli goes multipart at 8 MiB)
    write_file(dir / "up.bin", data);
    const std::string uri = "s3://cpp-bucket/dir/object.bin";
    BOOST_TEST(aws(peer, "s3 cp " + (dir / "up.bin") + " " + uri, peer.secret_key()) == 0);
    BOOST_TEST(aws(peer, "s3 cp " + uri + " " + (dir / "down.bin"), peer.secret_key()) == 0);
    BOOST_TEST((read_file(dir / "down.bin") == data));
    const int forged = aws(peer, "s3 cp " + uri + " " + (dir / "forged.bin"), "wrong-secret");
    BOOST_TEST((forged != 0) == checks_signatures, "a download signed with a wrong secret exited " << forged);
    struct stat st;
    BOOST_TEST((stat((dir / "forged.bin").c_str(), &st) != 0) == checks_signatures);
    BOOST_TEST(peer.stop() == 0);
  }
  BOOST_TEST(!process_exists(pid), "the server outlived its S3Peer");
}

}  // namespace

BOOST_AUTO_TEST_CASE(s3rver_serves_awscli_and_stops_with_its_peer) {
  check_round_trip_and_shutdown("s3rver", /*checks_signatures=*/false);
}

BOOST_AUTO_TEST_CASE(moto_serves_awscli_rejects_a_wrong_secret_and_stops_with_its_peer) {
  check_round_trip_and_shutdown("moto", /*checks_signatures=*/true);
}

BOOST_AUTO_TEST_CASE(an_absent_peer_gives_a_skip_reason) {
  cairn::test::ScopedEnv env("CAIRN_MOTO_SERVER", "/nonexistent/moto_server");
  cairn::test::S3Peer peer("moto");
  env.restore();
  BOOST_TEST(!peer.available());
  BOOST_TEST(peer.skip_reason().find("moto_server is not installed") != std::string::npos,
             peer.skip_reason());
  BOOST_TEST(peer.stop() == 77);
}

BOOST_AUTO_TEST_CASE(fault_proxy_injects_and_counts_and_passes_through_at_rate_0) {
  cairn::test::S3Peer peer("s3rver", "proxied");
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  if (!have_awscli()) CAIRN_SKIP_TEST("/usr/bin/aws (Debian awscli) is not installed");
  TempDir dir;
  const std::string data = random_bytes(100000);
  write_file(dir / "up.bin", data);
  const std::string attempts = "AWS_MAX_ATTEMPTS=3 AWS_RETRY_MODE=standard";
  {
    cairn::test::FaultProxy proxy(peer.endpoint(), 1.0, {"slow_down"}, 7);
    BOOST_TEST(aws(peer, "s3 cp " + (dir / "up.bin") + " s3://proxied/failed.bin", peer.secret_key(),
                   proxy.endpoint(), attempts) != 0);
    const nlohmann::json stats = proxy.stats();
    BOOST_TEST(stats.at("requests").get<int>() == 3);
    BOOST_TEST(stats.at("faults").at("slow_down").get<int>() == 3);
    BOOST_TEST(stats.at("forwarded").get<int>() == 0);
    BOOST_TEST(proxy.stop() == 0);
    BOOST_TEST(nlohmann::json::parse(proxy.final_output()).at("faults_total").get<int>() == 3);
  }
  cairn::test::FaultProxy proxy(peer.endpoint(), 0.0);
  BOOST_TEST(aws(peer, "s3 cp " + (dir / "up.bin") + " s3://proxied/ok.bin", peer.secret_key(),
                 proxy.endpoint(), attempts) == 0);
  BOOST_TEST(aws(peer, "s3 cp s3://proxied/ok.bin " + (dir / "down.bin"), peer.secret_key()) == 0);
  BOOST_TEST((read_file(dir / "down.bin") == data));
  BOOST_TEST(aws(peer, "s3 ls s3://proxied/failed.bin", peer.secret_key()) != 0);
  BOOST_TEST(proxy.stats().at("forwarded").get<int>() == 1);
}
