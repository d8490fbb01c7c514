// Loads a checked_store plugin built out of tree and round-trips an object:
//   checked_store_roundtrip <plugin.so> <scratch folder>
// Exit status 0 when everything behaved; otherwise the reason on stderr.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "cairn/errors.h"
#include "app/engine_host.h"
#include "plugin_host/plugin_host.h"

namespace fs = std::filesystem;

namespace {

int fail(const std::string& why) {
  std::cerr << "checked_store_roundtrip: " << why << "\n";
  return 1;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return fail("usage: checked_store_roundtrip <plugin.so> <scratch folder>");
  const fs::path scratch = argv[2];
  fs::remove_all(scratch);
  fs::create_directories(scratch);

  cairn::EngineHost host;
  if (!host.load_file(argv[1])) return fail("load failed: " + host.failures().back().reason);
  if (!host.handles_scheme("checked")) return fail("the plugin did not register the checked:// scheme");

  const std::string payload = "weights and optimizer state\n";
  std::ofstream(scratch / "ckpt.pt", std::ios::binary) << payload;
  const cairn::Uri uri = cairn::Uri::parse("checked://" + (scratch / "store/run/ep1.pt").string());
  auto store = host.open_store_for_uri(uri, nullptr);
  store->upload_object(uri.path, (scratch / "ckpt.pt").string());
  if (store->get_uri(uri.path) != "checked://" + (scratch / "store/run/ep1.pt").string()) return fail("wrong get_uri");
  if (!fs::exists(scratch / "store/run/ep1.pt.sha256")) return fail("no .sha256 sidecar written");
  store->download_object(uri.path, (scratch / "back.pt").string());
  if (read(scratch / "back.pt") != payload) return fail("downloaded bytes differ from the uploaded ones");

  // Corrupt the stored object: the download must refuse it and leave nothing.
  std::ofstream(scratch / "store/run/ep1.pt", std::ios::binary) << "weights and optimizer statE\n";
  try {
    store->download_object(uri.path, (scratch / "corrupt.pt").string());
    return fail("a corrupted object was downloaded without complaint");
  } catch (const cairn::StoreError& e) {
    if (e.kind() != cairn::StoreErrorKind::kOther || std::string(e.what()).find("SHA-256 mismatch") == std::string::npos)
      return fail(std::string("unexpected error for a corrupt object: ") + e.what());
  }
  if (fs::exists(scratch / "corrupt.pt")) return fail("a failed download left its destination behind");
  try {
    store->get_object_size("run/absent.pt");
    return fail("size of a missing object did not throw");
  } catch (const cairn::NotFoundError&) {
  }
  std::cout << "checked_store_roundtrip: ok (" << host.plugins().back().name << " " << host.plugins().back().version
            << " from " << host.plugins().back().file << ")\n";
  return 0;
}
