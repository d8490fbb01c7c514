// Remote checkpointing to Azure Blob storage (Azurite, which checks every
// Shared Key signature) through `cairn fit`, `cairn cp` and `cairn ls`, with
// the libcloud plugin's two doors: azure:// URIs (Composer's mapping, the
// account from the environment) and the libcloud store opened by name, as
// RemoteUploaderDownloader's backend and as load_object_store.
//   - save to azure://, resume from its latest pointer, bitwise equal to an
//     uninterrupted run; the Azure SDK reads what Cairn uploaded;
//   - 30 % of requests faulted (tests/support/fault_proxy.py in front of
//     Azurite): every batch's checkpoint lands byte-identical, and a resume
//     from the store's latest pointer matches an uninterrupted run;
//   - 100 % faulted: a clear error naming the object, and no pointer published.
#define BOOST_TEST_MODULE cli_libcloud_tests
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "azure_peer.h"
#include "cli_runner.h"
#include "fault_proxy.h"
#include "store_end_to_end.h"

namespace fs = std::filesystem;

namespace cairn::test {
namespace {

// Every fault kind that Azure's clients retry; stalls shortened to 4 s. Not
// request_timeout: its 400 (an S3 code) is not one of Azure's answers.
const std::vector<std::string> kFaults = {"internal_error", "service_unavailable", "slow_down", "reset_before",
                                          "stall",          "reset_mid",           "truncate_body"};

// What azure:// reads: Composer's variables and, for the endpoint, the Azure
// tools' connection string, here pointed at `endpoint` (Azurite or the proxy).
std::map<std::string, std::string> azure_env(const AzurePeer& peer, const std::string& endpoint) {
  return {{"AZURE_ACCOUNT_NAME", peer.account()},
          {"AZURE_ACCOUNT_ACCESS_KEY", peer.key()},
          {"AZURE_STORAGE_CONNECTION_STRING", "DefaultEndpointsProtocol=http;AccountName=" + peer.account() +
                                                  ";AccountKey=" + peer.key() + ";BlobEndpoint=" + endpoint + ";"}};
}

std::map<std::string, std::string> plus(std::map<std::string, std::string> env, const std::string& name,
                                        const std::string& value) {
  env[name] = value;
  return env;
}

int port_of(const std::string& endpoint) {
  const size_t colon = endpoint.rfind(':');
  return std::stoi(endpoint.substr(colon + 1));
}

// The libcloud store's config for Azurite at `port` (the server or the proxy).
nlohmann::json libcloud_config(const AzurePeer& peer, int port) {
  return {{"provider", "azure_blobs"},
          {"container", peer.container()},
          {"provider_kwargs",
           {{"key", peer.account()}, {"secret", peer.key()}, {"host", "127.0.0.1"}, {"port", port},
            {"secure", false}, {"timeout", 2}, {"retry_delay", 0.05}}}};
}

// Object names under `prefix` on the real server, via cairn ls azure://.
std::vector<std::string> remote_names(const AzurePeer& peer, const std::string& prefix, const fs::path& cwd) {
  return listed_names("azure://" + peer.container() + "/" + prefix, cwd, azure_env(peer, peer.endpoint()));
}

// The Azure SDK's copy of a blob, from the real server.
std::string sdk_get(const AzurePeer& peer, const std::string& blob, const fs::path& to) {
  const std::string command = "env AZURE_STORAGE_CONNECTION_STRING=" + shell_quote(peer.connection_string()) + " " +
                              CAIRN_TEST_PYTHON + " " + CAIRN_TEST_SOURCE_DIR + "/tests/libcloud/peer_clients.py azure-sdk get " +
                              shell_quote(peer.container()) + " " + shell_quote(blob) + " " + shell_quote(to.string()) +
                              " > /dev/null";
  BOOST_REQUIRE_MESSAGE(run_command(command).status == 0, "the Azure SDK could not read " << blob);
  return read_file(to);
}

// An uninterrupted run to `duration`, saved locally: the reference weights.
fs::path reference_run(const std::string& duration, const fs::path& dir) {
  const Result full = run_cairn(with(kSample, {"--run-name", "r", "--max-duration", duration, "--save-folder",
                                               "reference", "--save-overwrite"}), dir);
  BOOST_REQUIRE_MESSAGE(full.status == 0, describe(full));
  return dir / "reference" / "latest-rank0.pt";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(azure_end_to_end)

BOOST_AUTO_TEST_CASE(fit_saves_to_azure_and_resumes_from_the_remote_latest_pointer) {
  AzurePeer peer;
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  BOOST_REQUIRE(peer.verifies_signatures());
  TempDir dir;
  const auto env = azure_env(peer, peer.endpoint());
  const std::string container = "azure://" + peer.container();
  const Result first = run_cairn(with(kSample, {"--run-name", "r", "--max-duration", "2ep", "--save-folder",
                                                container + "/part"}), dir.path(), env);
  BOOST_REQUIRE_MESSAGE(first.status == 0, describe(first));
  const auto names = remote_names(peer, "part/", dir.path());
  BOOST_REQUIRE(std::count(names.begin(), names.end(), "part/latest-rank0.pt.symlink") == 1);
  const Result pointer_cp = run_cairn({"cp", container + "/part/latest-rank0.pt.symlink", "pointer"}, dir.path(), env);
  BOOST_REQUIRE_MESSAGE(pointer_cp.status == 0, describe(pointer_cp));
  const std::string pointer = read_file(dir.path() / "pointer");
  BOOST_TEST(std::count(names.begin(), names.end(), pointer) == 1, "the pointer names " << pointer);
  // The Azure SDK and cairn cp read the same bytes.
  const std::string by_sdk = sdk_get(peer, pointer, dir.path() / "by_sdk.pt");
  const Result cp = run_cairn({"cp", container + "/" + pointer, "by_cairn.pt"}, dir.path(), env);
  BOOST_REQUIRE_MESSAGE(cp.status == 0, describe(cp));
  BOOST_TEST((read_file(dir.path() / "by_cairn.pt") == by_sdk));

  const Result resumed = run_cairn(with(kSample, {"--run-name", "r", "--max-duration", "3ep", "--load-path",
                                                  container + "/part/latest-rank0.pt", "--save-folder",
                                                  container + "/resumed"}), dir.path(), env);
  BOOST_REQUIRE_MESSAGE(resumed.status == 0, describe(resumed));
  // A remote `latest` is a .symlink pointer object naming the checkpoint.
  const Result last_pointer =
      run_cairn({"cp", container + "/resumed/latest-rank0.pt.symlink", "resumed_pointer"}, dir.path(), env);
  BOOST_REQUIRE_MESSAGE(last_pointer.status == 0, describe(last_pointer));
  const std::string resumed_name = read_file(dir.path() / "resumed_pointer");
  const Result last = run_cairn({"cp", container + "/" + resumed_name, "resumed.pt"}, dir.path(), env);
  BOOST_REQUIRE_MESSAGE(last.status == 0, describe(last));
  BOOST_TEST(same_model_in_python(dir.path() / "resumed.pt", reference_run("3ep", dir.path())));
  BOOST_TEST(!contains(first.err + resumed.err, peer.key()));
}

BOOST_AUTO_TEST_CASE(cp_and_ls_move_files_both_ways) {
  AzurePeer peer;
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  TempDir dir;
  const auto env = azure_env(peer, peer.endpoint());
  std::string body(3 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 2654435761u) >> 13);
  std::ofstream(dir.path() / "local.bin", std::ios::binary) << body;
  const std::string target = "azure://" + peer.container() + "/cp/dir/local.bin";
  const Result up = run_cairn({"cp", "local.bin", target}, dir.path(), env);
  BOOST_REQUIRE_MESSAGE(up.status == 0, describe(up));
  const Result ls = run_cairn({"ls", "azure://" + peer.container() + "/cp/"}, dir.path(), env);
  BOOST_REQUIRE_MESSAGE(ls.status == 0, describe(ls));
  BOOST_TEST(contains(ls.out, std::to_string(body.size())), ls.out);
  BOOST_TEST(contains(ls.out, "cp/dir/local.bin"), ls.out);
  BOOST_TEST((sdk_get(peer, "cp/dir/local.bin", dir.path() / "sdk.bin") == body));
  const Result down = run_cairn({"cp", target, "back.bin"}, dir.path(), env);
  BOOST_REQUIRE_MESSAGE(down.status == 0, describe(down));
  BOOST_TEST((read_file(dir.path() / "back.bin") == body));
  // The libcloud store by its own scheme, configured as Composer's is.
  const Result by_libcloud = run_cairn({"ls", "libcloud://" + peer.container() + "/cp/", "--store-config",
                                        libcloud_config(peer, peer.port()).dump()}, dir.path());
  BOOST_REQUIRE_MESSAGE(by_libcloud.status == 0, describe(by_libcloud));
  BOOST_TEST(contains(by_libcloud.out, "cp/dir/local.bin"), by_libcloud.out);
  // A missing blob: one line, exit 1, no key.
  const Result missing = run_cairn({"cp", "azure://" + peer.container() + "/cp/none.bin", "none.bin"}, dir.path(), env);
  BOOST_TEST(missing.status == 1, describe(missing));
  BOOST_TEST(contains(missing.err, "none.bin"), missing.err);
  BOOST_TEST(!contains(missing.err, peer.key()));
}

BOOST_AUTO_TEST_CASE(thirty_percent_faults_azure_save_folder_lands_and_resumes) {
  AzurePeer peer;
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  FaultProxy proxy(peer.endpoint().substr(0, peer.endpoint().rfind('/')), 0.3, kFaults, /*seed=*/17,
                   /*stall_seconds=*/4);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  TempDir dir;
  const auto faulty = azure_env(peer, proxy.endpoint() + "/" + peer.account());
  const std::string folder = "azure://" + peer.container() + "/flaky";
  const Result run = run_cairn(with(kSample, {"--run-name", "flaky", "--max-duration", "6ba", "--save-interval",
                                              "1ba", "--save-folder", folder}), dir.path(), faulty);
  BOOST_REQUIRE_MESSAGE(run.status == 0, describe(run));
  // Resumed through the same faults, from the store's latest pointer.
  const Result resumed = run_cairn(with(kSample, {"--run-name", "flaky", "--max-duration", "9ba", "--load-path",
                                                  folder + "/latest-rank0.pt", "--save-folder", "resumed",
                                                  "--save-overwrite"}), dir.path(), faulty);
  BOOST_REQUIRE_MESSAGE(resumed.status == 0, describe(resumed));
  const auto stats = proxy.stats();
  BOOST_TEST_MESSAGE("proxy: " << stats.dump());
  BOOST_TEST(stats.at("faults_total").get<int>() > 0, stats.dump());
  BOOST_TEST(stats.at("passed").get<int>() > 0, stats.dump());
  BOOST_TEST(!contains(run.err + resumed.err, peer.key()));
  const auto names = remote_names(peer, "flaky/", dir.path());
  BOOST_TEST(std::count_if(names.begin(), names.end(), [](const std::string& n) { return contains(n, "-rank0.pt") && !contains(n, "symlink"); }) == 6,
             names.size() << " objects");
  BOOST_TEST(same_model_in_python(dir.path() / "resumed" / "latest-rank0.pt", reference_run("9ba", dir.path())));
}

BOOST_AUTO_TEST_CASE(thirty_percent_faults_libcloud_uploader_lands_every_batch_byte_identical) {
  AzurePeer peer;
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  FaultProxy proxy(peer.endpoint().substr(0, peer.endpoint().rfind('/')), 0.3, kFaults, /*seed=*/23,
                   /*stall_seconds=*/4);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  TempDir dir;
  fs::create_directories(dir.path() / "tmp");
  // Composer's RemoteUploaderDownloader(backend='libcloud'): the container
  // from the URI, the rest in backend_kwargs.
  nlohmann::json backend = libcloud_config(peer, port_of(proxy.endpoint()));
  backend.erase("container");
  const Result run = run_cairn(with(kSample, {"--run-name", "flaky", "--max-duration", "6ba", "--save-interval",
                                              "1ba", "--save-folder", "ck", "--callback",
                                              uploader_flag("libcloud://" + peer.container(), 10, backend)}),
                               dir.path(), {{"TMPDIR", (dir.path() / "tmp").string()}});
  const auto stats = proxy.stats();
  BOOST_TEST_MESSAGE("proxy: " << stats.dump());
  BOOST_REQUIRE_MESSAGE(run.status == 0, describe(run));
  BOOST_TEST(stats.at("faults_total").get<int>() > 0, stats.dump());
  BOOST_TEST(!contains(run.err, peer.key()));
  const auto saved = local_checkpoints(dir.path() / "ck");
  BOOST_TEST(saved.size() == 6u);
  for (const auto& [name, local] : saved) {
    BOOST_TEST((sdk_get(peer, "ck/" + name, dir.path() / ("got-" + name)) == read_file(local)), name);
  }
  const std::string pointer = sdk_get(peer, "ck/latest-rank0.pt.symlink", dir.path() / "pointer");
  BOOST_TEST(contains(pointer, "-ba6-rank0.pt"), pointer);

  // load_object_store: the same store by name, at the real server; the
  // latest pointer is followed to the checkpoint it names.
  const Result resumed = run_cairn(with(kSample, {"--run-name", "flaky", "--max-duration", "9ba", "--load-path",
                                                  "ck/latest-rank0.pt", "--load-object-store",
                                                  "libcloud=" + libcloud_config(peer, peer.port()).dump(),
                                                  "--save-folder", "resumed", "--save-overwrite"}),
                                   dir.path());
  BOOST_REQUIRE_MESSAGE(resumed.status == 0, describe(resumed));
  BOOST_TEST(same_model_in_python(dir.path() / "resumed" / "latest-rank0.pt", reference_run("9ba", dir.path())));
}

BOOST_AUTO_TEST_CASE(all_requests_faulted_fails_clearly_and_publishes_no_pointer) {
  AzurePeer peer;
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  FaultProxy proxy(peer.endpoint().substr(0, peer.endpoint().rfind('/')), 1.0,
                   {"internal_error", "slow_down", "reset_before"}, /*seed=*/3);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  TempDir dir;
  const Result run = run_cairn(with(kSample, {"--run-name", "down", "--max-duration", "2ba", "--save-interval",
                                              "1ba", "--save-folder", "azure://" + peer.container() + "/down"}),
                               dir.path(), plus(azure_env(peer, proxy.endpoint() + "/" + peer.account()), "TMPDIR",
                                                dir.path().string()));
  BOOST_TEST(run.status != 0, describe(run));
  BOOST_TEST(contains(run.err, "down/ep"), run.err);
  BOOST_TEST(contains(run.err, "attempts"), run.err);
  BOOST_TEST(!contains(run.err, peer.key()));
  const auto stats = proxy.stats();
  BOOST_TEST(stats.at("faults_total").get<int>() == stats.at("requests").get<int>(), stats.dump());
  const auto names = remote_names(peer, "down/", dir.path());
  BOOST_TEST(names.empty(), names.size() << " objects landed");
}

// Every request reaches Azurite and is applied, but its answer is lost: the
// checkpoint lands while Cairn sees its upload fail. The pointer, which would
// land just as well, must not be published for it.
BOOST_AUTO_TEST_CASE(lost_answers_land_the_checkpoint_but_publish_no_pointer) {
  AzurePeer peer;
  CAIRN_SKIP_UNLESS_AVAILABLE(peer);
  FaultProxy proxy(peer.endpoint().substr(0, peer.endpoint().rfind('/')), 1.0, {"lost_response"}, /*seed=*/5);
  CAIRN_SKIP_UNLESS_AVAILABLE(proxy);
  TempDir dir;
  // Overwrite on: no existence check, so the first request is the upload itself.
  const Result run = run_cairn(with(kSample, {"--run-name", "lost", "--max-duration", "1ba", "--save-interval", "1ba",
                                              "--save-overwrite", "--save-folder",
                                              "azure://" + peer.container() + "/lost"}),
                               dir.path(), plus(azure_env(peer, proxy.endpoint() + "/" + peer.account()), "TMPDIR",
                                                dir.path().string()));
  BOOST_TEST(run.status != 0, describe(run));
  BOOST_TEST(contains(run.err, "lost/ep"), run.err);
  const auto names = remote_names(peer, "lost/", dir.path());
  BOOST_TEST(std::count_if(names.begin(), names.end(), [](const std::string& n) { return n.rfind("lost/ep", 0) == 0; }) >= 1,
             "the checkpoint did not land; objects: " << names.size());
  BOOST_TEST(std::count(names.begin(), names.end(), "lost/latest-rank0.pt.symlink") == 0, "a pointer was published");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
