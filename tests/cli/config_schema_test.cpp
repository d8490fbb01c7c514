// The config fields every factory declares (`cairn plugins NAME` shows them)
// are the fields it really reads: an unknown field is refused with a list of
// known fields equal to the declared ones, and every declared field (at its
// default, or its example) is accepted. (Fields are tried one at a time: some
// exclude each other, as EMA's half_life and smoothing.) Covers every in-tree plugin, the
// engine's built-ins and the optimizers and schedulers of `cairn fit`.
#define BOOST_TEST_MODULE config_schema_tests
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/csrc/jit/api/module.h>

#include "cairn/errors.h"
#include "cairn/model.h"
#include "cairn/object_store.h"
#include "cli/fit_builtins.h"
#include "cli_runner.h"
#include "app/engine_host.h"
#include "plugin_host/plugin_host.h"
#include "trainer/optimizer_factory.h"
#include "trainer/scheduler.h"

namespace fs = std::filesystem;

namespace cairn::test {
namespace {

using Make = std::function<void(const nlohmann::json& config)>;

nlohmann::json value_of(const ConfigField& field) {
  return nlohmann::json::parse(field.example_json.empty() ? field.default_json : field.example_json);
}

// The required fields at their examples: what every other config adds to.
nlohmann::json required_only(const ConfigSchema& fields) {
  nlohmann::json config = nlohmann::json::object();
  for (const ConfigField& field : fields) {
    if (field.required()) config[field.name] = value_of(field);
  }
  return config;
}

// "...; known fields: a, b, c" -> {a, b, c}
std::set<std::string> known_fields_in(const std::string& message) {
  const std::string marker = "known fields: ";
  const size_t at = message.find(marker);
  BOOST_TEST_REQUIRE(at != std::string::npos, message);
  std::set<std::string> names;
  std::string list = message.substr(at + marker.size());
  if (list == "none") return names;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(", ", start);
    names.insert(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 2;
  }
  return names;
}

void check_schema(const std::string& what, const ConfigSchema& fields, const Make& make) {
  BOOST_TEST_CONTEXT(what) {
    std::set<std::string> declared;
    for (const ConfigField& field : fields) {
      declared.insert(field.name);
      BOOST_TEST(!field.type.empty(), field.name << " has a type");
      BOOST_TEST(!field.help.empty(), field.name << " says what it is");
    }
    nlohmann::json unknown = required_only(fields);
    unknown["no_such_field"] = 1;
    try {
      make(unknown);
      BOOST_ERROR("an unknown field was accepted");
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      BOOST_TEST(message.find("'no_such_field'") != std::string::npos, message);
      BOOST_TEST(known_fields_in(message) == declared, message);
    }
    for (const ConfigField& field : fields) {
      nlohmann::json one = required_only(fields);
      one[field.name] = value_of(field);
      BOOST_CHECK_NO_THROW(make(one));
      if (!field.example_json.empty() && !field.required()) {
        one[field.name] = nlohmann::json::parse(field.default_json);
        BOOST_CHECK_NO_THROW(make(one));  // the default, spelled out
      }
    }
  }
}

struct InFolder {
  fs::path previous = fs::current_path();
  explicit InFolder(const fs::path& dir) { fs::current_path(dir); }
  ~InFolder() { fs::current_path(previous); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(every_factory_declares_the_fields_it_reads) {
  TempDir dir;
  InFolder in(dir.path());
  std::ofstream("data.csv") << "1.0,2.0,0\n3.0,4.0,1\n";  // the csv dataset's example path
  // The torchscript model's example path: a scripted module, as LibTorch itself writes one.
  torch::jit::Module scripted(c10::QualifiedName("Example"));
  scripted.define("def forward(self, x):\n  return x\n");
  scripted.save("model.pt");
  // Stores are made, not used: any credentials do.
  setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret", 1);
  // The oci store reads its API key when it opens: OCI's published sample key.
  std::ofstream("oci_config") << "[DEFAULT]\nuser=ocid1.user.oc1..aaaaaaaatest\nfingerprint="
                                 "73:61:a2:21:67:e0:df:be:7e:4b:93:1e:15:98:a5:b7\ntenancy=ocid1.tenancy.oc1..aaaaaaaatest\n"
                                 "region=us-phoenix-1\nkey_file=" CAIRN_TEST_SOURCE_DIR "/tests/s3/vectors/oci-signing-private-key.pem\n";
  setenv("OCI_CONFIG_FILE", (dir.path() / "oci_config").c_str(), 1);
  // gs://: a service-account key file; the store opens without the network.
  setenv("GOOGLE_APPLICATION_CREDENTIALS", CAIRN_TEST_SOURCE_DIR "/tests/gcs/vectors/fake-service-account.json", 1);
  EngineHost host;
  host.load_all({});
  int checked = 0;
  for (const PluginInfo& plugin : host.plugins()) {
    for (const RegisteredEntry& entry : plugin.entries) {
      const std::string what = std::string(to_string(entry.kind)) + " " + entry.name + " (" + plugin.name + ")";
      BOOST_TEST(entry.config_described, what << " declares its config fields");
      Make make;
      switch (entry.kind) {
        case PluginKind::kModel: make = [&](const nlohmann::json& c) { host.make_model(entry.name, c); }; break;
        case PluginKind::kDataset: make = [&](const nlohmann::json& c) { host.make_dataset(entry.name, c); }; break;
        case PluginKind::kCallback: make = [&](const nlohmann::json& c) { host.make_callback(entry.name, c); }; break;
        case PluginKind::kAlgorithm: make = [&](const nlohmann::json& c) { host.make_algorithm(entry.name, c); }; break;
        case PluginKind::kObjectStore: {
          const std::string scheme = entry.uri_schemes.at(0);
          const Uri uri = Uri::parse(scheme + (scheme == "s3" || scheme == "oci" || scheme == "gs" ? "://bucket/run" : ":///tmp"));
          make = [&host, uri](const nlohmann::json& c) { host.open_store_for_uri(uri, c); };
          break;
        }
      }
      check_schema(what, entry.config_fields, make);
      ++checked;
    }
  }
  // The built-ins, the samples and the plugin pack.
  BOOST_TEST(checked >= 20, checked << " factories checked");
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  unsetenv("OCI_CONFIG_FILE");
  unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
}

BOOST_AUTO_TEST_CASE(fit_optimizers_and_schedulers_declare_the_fields_they_read) {
  EngineHost host;
  host.load_all({});
  const std::shared_ptr<Model> model = host.make_model("mlp", nullptr);
  const auto optimizer = make_optimizer("SGD", nullptr, *model);
  for (const cli::FitBuiltin& builtin : cli::fit_builtins()) {
    Make make;
    if (builtin.kind == "optimizer") {
      make = [&](const nlohmann::json& c) { make_optimizer(builtin.name, c, *model); };
    } else {
      make = [&](const nlohmann::json& c) { make_scheduler(builtin.name, c, optimizer); };
    }
    check_schema(builtin.kind + " " + builtin.name, builtin.config_fields, make);
  }
}

BOOST_AUTO_TEST_CASE(cairn_plugins_shows_each_fields_type_and_default) {
  TempDir dir;
  const Result all = run_cairn({"plugins"}, dir.path());
  BOOST_REQUIRE_MESSAGE(all.status == 0, describe(all));
  for (const char* line : {"hidden: list[int] | int, default [64, 32]", "monitor: string, required",
                           "root: string | null, default null", "lr: float, default 0.1", "step_size: int, required"}) {
    BOOST_TEST(all.out.find(line) != std::string::npos, line << " in\n" << all.out);
  }

  const Result mlp = run_cairn({"plugins", "mlp"}, dir.path());
  BOOST_REQUIRE_MESSAGE(mlp.status == 0, describe(mlp));
  BOOST_TEST(mlp.out.find("model mlp (plugin mlp ") == 0u, mlp.out);
  BOOST_TEST(mlp.out.find("hidden") != std::string::npos, mlp.out);
  BOOST_TEST(mlp.out.find("hidden layer widths") != std::string::npos, mlp.out);

  const Result sgd = run_cairn({"plugins", "SGD"}, dir.path());
  BOOST_TEST(sgd.out.find("optimizer SGD (built into cairn fit)") == 0u, describe(sgd));

  const Result json = run_cairn({"plugins", "--json"}, dir.path());
  const nlohmann::json report = nlohmann::json::parse(json.out);
  BOOST_TEST(report.at("fit_builtins").size() == cli::fit_builtins().size());

  const Result unknown = run_cairn({"plugins", "nosuch"}, dir.path());
  BOOST_TEST(unknown.status == 2, describe(unknown));
  BOOST_TEST(unknown.err.find("'nosuch'") != std::string::npos, unknown.err);
  BOOST_TEST(unknown.err.find("EarlyStopper") != std::string::npos, unknown.err);
}

}  // namespace cairn::test
