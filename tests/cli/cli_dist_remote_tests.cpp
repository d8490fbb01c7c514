// Several ranks checkpointing to a real S3 server on loopback (moto), through
// `cairn fit --nproc-per-node` and the fault-injecting proxy:
//   - a sharded save to s3:// puts every rank's data file, then .metadata and
//     the latest pointer (naming the folder); awscli downloads the folder and
//     Python's torch 1.13 distributed-checkpoint reader loads it; autoresume
//     from the remote pointer ends bitwise equal to an uninterrupted run;
//   - resuming on two "machines" (two launchers, --nnodes 2) downloads the
//     checkpoint once per machine, on each machine's first rank;
//   - with 30 % of requests faulted every sharded checkpoint lands whole; with
//     100 % the save fails on every rank with the cause, and neither .metadata
//     nor a pointer is published.
// And a rank killed with SIGKILL in the middle of a sharded save (local): every
// rank stops, the folder it was writing has no .metadata, and the latest
// pointer still names the previous checkpoint, which loads.
#define BOOST_TEST_MODULE cli_dist_remote_tests
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "dist_cli.h"
#include "fault_proxy.h"
#include "free_port.h"
#include "s3_peer.h"
#include "store_end_to_end.h"
#include "test_process.h"
#include "test_skip.h"

namespace fs = std::filesystem;
using namespace cairn::test;

namespace {

std::vector<std::string> ranks(int n) { return {"--nproc-per-node", std::to_string(n)}; }

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// awscli's copy of the sharded folder s3://bucket/<prefix>/ of `world` ranks
// in `to`, file by file (moto refuses listings whose prefix holds a '/').
void aws_get_folder(const S3Peer& peer, const std::string& prefix, int world, const fs::path& to) {
  std::vector<std::string> files{".metadata"};
  for (int r = 0; r < world; ++r) files.push_back("__" + std::to_string(r) + "_0.distcp");
  fs::create_directories(to);
  for (const std::string& file : files) {
    aws_get(peer.endpoint(), "s3://" + peer.bucket() + "/" + prefix + "/" + file, to / file);
  }
}

// A RemoteUploaderDownloader for the bucket with quick retries (`attempts`
// for the uploader and for each HTTP request).
std::string quick_uploader(const S3Peer& peer, int attempts) {
  return uploader_flag("s3://" + peer.bucket(), attempts, quick_s3_client(attempts));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(remote_sharded)

// 2 ranks save sharded folders to s3://; the run resumes from the remote
// latest pointer through autoresume and ends equal to an uninterrupted run.
BOOST_AUTO_TEST_CASE(sharded_saves_to_s3_publish_last_and_resume_exactly) {
  S3Peer peer("moto");
  CAIRN_REQUIRE_SIGNING_PEER(peer);
  ScopedEnv env;
  peer.export_env(env);
  TempDir dir;
  const std::string bucket = "s3://" + peer.bucket();
  auto sharded_run = [&](const std::string& until) {
    return dist_job(8, with(ranks(2), {"--run-name", "r", "--max-duration", until, "--save-interval", "2ba",
                                       "--state-dict-type", "sharded", "--save-folder", bucket + "/part", "--autoresume"}));
  };
  run_checked(sharded_run("4ba"), dir.path());
  const auto names = listed_names(bucket + "/part", dir.path());
  for (const std::string step : {"ep0-ba2", "ep0-ba4"}) {
    for (const std::string file : {".metadata", "__0_0.distcp", "__1_0.distcp"}) {
      BOOST_TEST(has(names, "part/" + step + "/" + file), step << "/" << file);
    }
  }
  // Composer's pointer to a sharded checkpoint names its folder.
  BOOST_TEST(aws_get(peer.endpoint(), bucket + "/part/latest-rank0.pt.symlink", dir / "pointer") == "part/ep0-ba4");
  // What awscli downloads, Python's distributed-checkpoint reader loads.
  aws_get_folder(peer, "part/ep0-ba4", 2, dir / "got");
  run_checked(dist_job(8, with(ranks(2), {"--run-name", "m", "--max-duration", "4ba", "--save-interval", "4ba",
                                          "--save-folder", "mono"})),
              dir.path());
  BOOST_TEST(python(kDcpReadsModel, {"got", "mono/ep0-ba4-rank0.pt", dcp_shim_folder()}, dir.path()) == "ok 6\n");

  // Resumed from the store (the local copies were in a temporary folder of
  // the first run, now gone), then compared with the uninterrupted run.
  const Result resumed = run_checked(sharded_run("8ba"), dir.path());
  BOOST_TEST(count_of(resumed.err, "autoresume: downloaded the remote latest checkpoint " + bucket + "/part/latest-rank0.pt") ==
                 1u,
             resumed.err);
  run_checked(dist_job(8, with(ranks(2), {"--run-name", "m", "--max-duration", "8ba", "--save-interval", "8ba",
                                          "--save-folder", "whole"})),
              dir.path());
  aws_get_folder(peer, "part/ep0-ba8", 2, dir / "resumed");
  BOOST_TEST(python(kDcpReadsModel, {"resumed", "whole/ep0-ba8-rank0.pt", dcp_shim_folder()}, dir.path()) == "ok 6\n");
}

// Two launchers on this machine stand for two machines of 2 ranks each: the
// first rank of each downloads the sharded checkpoint, the others read its copy.
BOOST_AUTO_TEST_CASE(two_machines_resume_from_the_store_with_one_download_each) {
  S3Peer peer("moto");
  CAIRN_REQUIRE_SIGNING_PEER(peer);
  ScopedEnv env;
  peer.export_env(env);
  TempDir dir;
  const std::string bucket = "s3://" + peer.bucket();
  run_checked(dist_job(8, with(ranks(2), {"--run-name", "n", "--max-duration", "2ba", "--save-interval", "2ba",
                                          "--state-dict-type", "sharded", "--save-folder", bucket + "/nodes"})),
              dir.path());
  const std::string port = std::to_string(free_tcp_port());
  std::string command = "cd " + shell_quote(dir.path().string()) + " && {";
  for (const std::string node : {"0", "1"}) {
    command += " (" + shell_quote(cairn_path().string());
    for (const auto& a : dist_job(8, with(ranks(2), {"--nnodes", "2", "--node-rank", node, "--master-port", port,
                                                    "--run-name", "n", "--max-duration", "3ba", "--save-interval", "3ba",
                                                    "--state-dict-type", "sharded", "--save-folder", bucket + "/nodes",
                                                    "--autoresume", "--dist-timeout", "60"}))) {
      command += " " + shell_quote(a);
    }
    command += " > node" + node + ".out 2> node" + node + ".err; echo $? > node" + node + ".status) &";
  }
  command += " wait; }";
  run_command(command);
  for (const std::string node : {"0", "1"}) {
    const std::string err = read_file(dir / ("node" + node + ".err"));
    BOOST_TEST(read_file(dir / ("node" + node + ".status")) == "0\n", "node " << node << ": " << err);
    // Resumed at batch 2 on all four ranks.
    BOOST_TEST(count_of(err, "resumed from " + bucket + "/nodes/") == 2u, err);
  }
  // Rank 0 found and fetched it; rank 2, first on the second machine, fetched
  // its own copy; ranks 1 and 3 fetched nothing.
  const std::string first = read_file(dir / "node0.err"), second = read_file(dir / "node1.err");
  BOOST_TEST(count_of(first + second, "downloaded the remote latest checkpoint") == 2u, first + second);
  BOOST_TEST(count_of(second, "[rank 2] cairn: autoresume: downloaded the remote latest checkpoint") == 1u, second);
  BOOST_TEST(has(listed_names(bucket + "/nodes", dir.path()), "nodes/ep0-ba3/__3_0.distcp"));
}

BOOST_AUTO_TEST_CASE(thirty_percent_faults_every_sharded_checkpoint_lands_whole) {
  S3Peer peer("moto");
  CAIRN_REQUIRE_SIGNING_PEER(peer);
  ScopedEnv env;
  peer.export_env(env);
  FaultProxy proxy(peer.endpoint(), 0.3, s3_fault_kinds(), /*seed=*/13, /*stall_seconds=*/4);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  TempDir dir;
  const Result run =
      run_checked(dist_job(8, with(ranks(2), {"--run-name", "flaky", "--max-duration", "4ba", "--save-interval", "1ba",
                                              "--state-dict-type", "sharded", "--save-folder", "ck", "--callback",
                                              quick_uploader(peer, 10)})),
                  dir.path(), {{"S3_ENDPOINT_URL", proxy.endpoint()}});
  const auto stats = proxy.stats();
  BOOST_TEST_MESSAGE("proxy: " << stats.dump());
  BOOST_TEST(stats.at("faults_total").get<int>() > 0, stats.dump());
  BOOST_TEST(!contains(run.err, peer.secret_key()));
  // Every file of every folder landed byte for byte, .metadata included.
  for (int batch = 1; batch <= 4; ++batch) {
    const std::string step = "ck/ep0-ba" + std::to_string(batch);
    for (const std::string file : {".metadata", "__0_0.distcp", "__1_0.distcp"}) {
      const fs::path got = dir / ("got-" + std::to_string(batch) + file);
      BOOST_TEST((aws_get(peer.endpoint(), "s3://" + peer.bucket() + "/" + step + "/" + file, got) ==
                  read_file(dir.path() / step / file)),
                 step << "/" << file);
    }
  }
  BOOST_TEST(aws_get(peer.endpoint(), "s3://" + peer.bucket() + "/ck/latest-rank0.pt.symlink", dir / "pointer") ==
             "ck/ep0-ba4");
}

BOOST_AUTO_TEST_CASE(a_store_no_rank_can_reach_fails_the_save_and_publishes_nothing) {
  S3Peer peer("moto");
  CAIRN_REQUIRE_SIGNING_PEER(peer);
  ScopedEnv env;
  peer.export_env(env);
  FaultProxy proxy(peer.endpoint(), 1.0, {"internal_error", "slow_down", "reset_before"}, /*seed=*/3);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  TempDir dir;
  const Result run = run_cairn(dist_job(8, with(ranks(2), {"--run-name", "down", "--max-duration", "2ba", "--save-interval",
                                                           "1ba", "--state-dict-type", "sharded", "--save-folder", "down",
                                                           "--callback", quick_uploader(peer, 2)})),
                               dir.path(), {{"S3_ENDPOINT_URL", proxy.endpoint()}}, 300);
  BOOST_TEST(run.status != 0, describe(run));
  // The launcher's line names the rank, the object and the store's cause.
  BOOST_TEST(contains(run.err, "cairn: error: rank "), run.err);
  BOOST_TEST(contains(run.err, "down/ep0-ba1/__"), run.err);
  BOOST_TEST(contains(run.err, "attempt"), run.err);
  BOOST_TEST(!contains(run.err, peer.secret_key()));
  const auto names = listed_names("s3://" + peer.bucket() + "/down", dir.path());
  BOOST_TEST(!has(names, "down/ep0-ba1/.metadata"));
  BOOST_TEST(!has(names, "down/latest-rank0.pt.symlink"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failures)

// SIGKILL to rank 1 while it writes its part of a sharded checkpoint. At each
// new checkpoint folder the script stops rank 1 (SIGSTOP) and looks: if its
// data file is not there yet, the save is under way and rank 1 is killed;
// otherwise it lets it go on and waits for the next folder. So the kill always
// lands inside a save, however fast the machine.
BOOST_AUTO_TEST_CASE(a_rank_killed_during_a_sharded_save_publishes_nothing_and_the_previous_loads) {
  TempDir dir;
  // ~50 MB per checkpoint, so each rank's write takes a while.
  const std::string model = "mlp={\"hidden\": [2048, 2048]}";
  std::string command = "cd " + shell_quote(dir.path().string()) + " || exit 1; " + shell_quote(cairn_path().string());
  for (const auto& a : dist_job(16, {"--nproc-per-node", "2", "--run-name", "killed", "--save-folder", "k", "--max-duration",
                                     "100000ba", "--save-interval", "2ba", "--state-dict-type", "sharded", "--dist-timeout",
                                     "20"},
                                model)) {
    command += " " + shell_quote(a);
  }
  command += R"sh( > out.log 2> err.log & launcher=$!
    rank1=""
    for i in $(seq 600); do
      for child in $(cat /proc/$launcher/task/$launcher/children 2>/dev/null); do
        tr '\0' '\n' < /proc/$child/environ 2>/dev/null | grep -qx RANK=1 && rank1=$child
      done
      [ -n "$rank1" ] && break; sleep 0.1
    done
    seen=""; killed=""
    for i in $(seq 12000); do
      kill -0 $launcher 2>/dev/null || break
      for folder in k/ep*-ba*; do
        [ -d "$folder" ] || continue
        case " $seen " in *" $folder "*) continue ;; esac
        seen="$seen $folder"
        kill -STOP $rank1
        if [ -L k/latest-rank0.pt ] && [ ! -e "$folder/__1_0.distcp" ]; then
          kill -9 $rank1; killed=$folder; break 2
        fi
        kill -CONT $rank1
      done
      sleep 0.005
    done
    [ -n "$killed" ] || kill -9 $launcher  # no save was caught: end the job rather than wait for it
    wait $launcher; echo "launcher status $?"; echo "rank 1 was $rank1"; echo "killed in $killed")sh";
  const CommandResult r = run_command(command);
  const std::string err = read_file(dir / "err.log");
  BOOST_TEST_INFO("said: " << r.output << "\nstderr tail: " << err.substr(err.size() > 2000 ? err.size() - 2000 : 0));
  BOOST_REQUIRE(r.output.find("launcher status 137") != std::string::npos);
  BOOST_TEST(err.find("cairn: error: rank 1 of 2 failed with exit status 137") != std::string::npos);
  const std::string killed = r.output.substr(r.output.find("killed in ") + 10, std::string::npos);
  const std::string folder = killed.substr(0, killed.find('\n'));
  BOOST_REQUIRE(!folder.empty());
  // The save under way was not published: no .metadata, and the pointer names
  // an earlier folder, which is whole and loads.
  BOOST_TEST(!fs::exists(dir.path() / folder / ".metadata"), folder);
  const fs::path latest = fs::read_symlink(dir / "k/latest-rank0.pt");
  BOOST_TEST(("k" / latest).string() != folder);
  const Result verify = run_cairn({"verify", "k/latest-rank0.pt"}, dir.path());
  BOOST_TEST(verify.status == 0, describe(verify));
  const Result loads = run_cairn(dist_job(16, {"--run-name", "after", "--max-duration", "1ba", "--load-path",
                                               "k/latest-rank0.pt", "--load-weights-only"},
                                          model),
                                 dir.path(), {}, 300);
  BOOST_TEST(loads.status == 0, describe(loads));
}

BOOST_AUTO_TEST_SUITE_END()
