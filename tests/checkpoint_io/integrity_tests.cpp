// Every byte verified: the CRC-32 of each record on read, the SHA-256
// manifest in Cairn's checkpoints, signatures checked by a real peer (Python's
// `cryptography`), keys made by `openssl genpkey`, and `cairn verify`.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <optional>

#include <ATen/ATen.h>

#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/io/checkpoint_reader.h"
#include "checkpoint/io/checkpoint_verify.h"
#include "checkpoint/io/checkpoint_writer.h"
#include "checkpoint/io/zip_directory.h"
#include "checkpoint_io_fixtures.h"
#include "ivalue_compare.h"
#include "scoped_env.h"
#include "test_skip.h"

using namespace cairn::checkpoint;
using namespace cairn::test;

namespace {

const std::string kPeer = std::string(CAIRN_TEST_PYTHON) + " " + CAIRN_TEST_SOURCE_DIR +
                          "/tests/checkpoint_io/integrity_peer.py";
const std::string kCairn = std::string(CAIRN_TEST_BINARY_DIR) + "/bin/cairn";

std::string run_ok(const std::string& command) {
  int status = 0;
  const std::string output = run_command(command + " 2>&1", status);
  BOOST_REQUIRE_MESSAGE(status == 0, command << " failed:\n" << output);
  return output;
}

// Where record `name` of the zip at `path` keeps its bytes.
uint64_t data_offset_of(const std::string& path, const std::string& name) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  BOOST_REQUIRE(fd >= 0);
  const auto records = zip_records(FileSpan::whole_file(fd));
  BOOST_REQUIRE(records.has_value());
  for (const ZipRecord& r : *records) {
    if (r.name != name) continue;
    const auto offset = zip_data_offset(FileSpan::whole_file(fd), r);
    ::close(fd);
    BOOST_REQUIRE(offset.has_value());
    return *offset;
  }
  ::close(fd);
  BOOST_FAIL("no record " << name << " in " << path);
  return 0;
}

void flip_byte(const std::string& path, uint64_t offset) {
  std::string bytes = read_bytes(path);
  BOOST_REQUIRE(offset < bytes.size());
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x01);
  write_bytes(path, bytes);
}

// The CheckpointError message of `f`, failing the test if it does not throw one.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const cairn::CheckpointError& e) {
    return e.what();
  }
  BOOST_FAIL("expected a CheckpointError");
  return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct KeyPair {
  std::string private_pem, public_pem;
};

// A key pair made by OpenSSL's own tool; `algorithm` is "ed25519" or "rsa".
KeyPair make_key(const TempDir& dir, const std::string& stem, const std::string& algorithm) {
  const std::string priv = dir / (stem + ".pem");
  const std::string pub = dir / (stem + ".pub.pem");
  const std::string options = algorithm == "rsa" ? " -pkeyopt rsa_keygen_bits:2048" : "";
  run_ok("openssl genpkey -algorithm " + algorithm + options + " -out '" + priv + "'");
  run_ok("openssl pkey -in '" + priv + "' -pubout -out '" + pub + "'");
  return {priv, pub};
}

CheckpointWriteOptions signed_with(const std::string& private_pem) {
  CheckpointWriteOptions options;
  options.signing_key = signing_key(private_pem);
  return options;
}

IntegrityPolicy trusting(const std::string& public_pem) { return IntegrityPolicy{trusted_key(public_pem)}; }

}  // namespace

BOOST_AUTO_TEST_SUITE(integrity)

BOOST_AUTO_TEST_CASE(a_flipped_byte_in_any_record_is_refused_naming_the_record, *boost::unit_test::timeout(300)) {
  ScopedEnv env;
  env.unset(kTrustedKeyVariable);
  TempDir dir;
  const c10::IValue tree = make_sample_tree();
  for (const std::string& record : {"archive/data/0", "archive/data.pkl", "archive/cairn/manifest.json"}) {
    BOOST_TEST_CONTEXT("record " << record) {
      const std::string path = dir / "ck.pt";
      write_checkpoint(tree, path);
      BOOST_TEST(verify_checkpoint(path, path, {}).summary.manifest);
      flip_byte(path, data_offset_of(path, record) + 1);
      const std::string loading = error_of([&] { read_checkpoint(path); });
      BOOST_TEST(contains(loading, "'" + path + "'"), loading);
      BOOST_TEST(contains(loading, "record '" + record + "' fails its CRC-32 check"), loading);
      const std::string verifying = error_of([&] { verify_checkpoint(path, path, {}); });
      BOOST_TEST(verifying == loading);
      // Read straight into existing memory (every tensor that can be), the same.
      const ReadIntoChooser anywhere = [](const std::string&, const at::Tensor& stored) {
        return at::empty(stored.sizes(), stored.options());
      };
      BOOST_TEST(error_of([&] { read_checkpoint_into(path, path, {}, &anywhere); }) == loading);
    }
  }
  // Inside a tar, the zip is the member's bytes, which start with a zip header.
  const std::string tar = dir / "ck.tar";
  write_checkpoint(tree, tar);
  BOOST_TEST(verify_checkpoint(tar, tar, {}).summary.records > 3u);
  const std::string member = dir / "member.pt";
  run_ok("tar -xOf '" + tar + "' composer_states.pt > '" + member + "'");
  const size_t member_start = read_bytes(tar).find(std::string("PK\x03\x04", 4));
  BOOST_REQUIRE(member_start != std::string::npos);
  flip_byte(tar, member_start + data_offset_of(member, "archive/data/1") + 3);
  BOOST_TEST(contains(error_of([&] { read_checkpoint(tar); }), "record 'archive/data/1' fails its CRC-32 check"));
}

BOOST_AUTO_TEST_CASE(every_container_round_trips_with_its_manifest) {
  ScopedEnv env;
  env.unset(kTrustedKeyVariable);
  TempDir dir;
  const c10::IValue tree = make_sample_tree();
  for (const std::string name : {"a.pt", "a.tar", "a.tar.gz", "a.pt.zst", "a.pt.lz4", "a.tar.xz"}) {
    BOOST_TEST_CONTEXT(name) {
      const std::string path = dir / name;
      write_checkpoint(tree, path, CheckpointWriteOptions{/*force_zip64=*/name == "a.tar.gz"});
      BOOST_TEST(describe_tree(read_checkpoint(path)) == describe_tree(tree));
      const VerifyReport report = verify_checkpoint(path, path, {});
      BOOST_TEST(report.summary.manifest);
      BOOST_TEST(!report.summary.signature_present);
    }
  }
}

BOOST_AUTO_TEST_CASE(an_edit_with_valid_crcs_fails_the_manifest) {
  ScopedEnv env;
  env.unset(kTrustedKeyVariable);
  TempDir dir;
  const std::string path = dir / "ck.pt";
  write_checkpoint(make_sample_tree(), path);
  run_ok(kPeer + " rewrite '" + path + "' archive/data/0");
  const std::string error = error_of([&] { read_checkpoint(path); });
  BOOST_TEST(contains(error, "record 'archive/data/0' does not match its SHA-256 in the manifest"), error);
  BOOST_TEST(error_of([&] { verify_checkpoint(path, path, {}); }) == error);
  // Without record digests (a caller that checked the enclosing file's own
  // digest) only the CRC-32s stand, and the rewrite kept them valid.
  IntegrityPolicy crc_only;
  crc_only.record_digests = false;
  BOOST_CHECK_NO_THROW(read_checkpoint(path, path, crc_only));
}

BOOST_AUTO_TEST_CASE(a_torch_save_file_has_no_manifest_and_is_crc_checked) {
  ScopedEnv env;
  env.unset(kTrustedKeyVariable);
  TempDir dir;
  const std::string path = dir / "python.pt";
  run_ok(kPeer + " save '" + path + "'");
  const VerifyReport report = verify_checkpoint(path, path, {});
  BOOST_TEST(!report.summary.manifest);
  BOOST_TEST(report.summary.records >= 4u);
  // The tensor record's name comes from Python; find it through the directory.
  const int fd = ::open(path.c_str(), O_RDONLY);
  const auto records = zip_records(FileSpan::whole_file(fd));
  ::close(fd);
  BOOST_REQUIRE(records.has_value());
  std::string tensor;
  for (const ZipRecord& r : *records)
    if (r.name.find("/data/") != std::string::npos && r.size > 1000) tensor = r.name;
  BOOST_REQUIRE(!tensor.empty());
  flip_byte(path, data_offset_of(path, tensor) + 100);
  // A damaged record is named whether or not Cairn can unpickle the file.
  const std::string error = error_of([&] { read_checkpoint(path); });
  BOOST_TEST(contains(error, "record '" + tensor + "' fails its CRC-32 check"), error);
  // With a trusted key, an unsigned file is refused before anything is read.
  TempDir keys;
  const KeyPair key = make_key(keys, "k", "ed25519");
  run_ok(kPeer + " save '" + path + "'");
  BOOST_TEST(contains(error_of([&] { read_checkpoint(path, path, trusting(key.public_pem)); }),
                      "is not signed (it has no manifest)"));
}

BOOST_AUTO_TEST_CASE(a_legacy_torch_save_file_is_refused_when_a_key_is_trusted) {
  ScopedEnv env;
  env.unset(kTrustedKeyVariable);
  TempDir dir;
  const std::string path = dir / "legacy.pt";
  run_ok(std::string(CAIRN_TEST_PYTHON) + " -c 'import sys, torch; torch.save({\"w\": torch.ones(3)}, sys.argv[1], " +
         "_use_new_zipfile_serialization=False)' '" + path + "'");
  BOOST_TEST(read_checkpoint(path).toGenericDict().at("w").toTensor().sum().item<double>() == 3.0);
  TempDir keys;
  const KeyPair key = make_key(keys, "k", "ed25519");
  const std::string error = error_of([&] { read_checkpoint(path, path, trusting(key.public_pem)); });
  BOOST_TEST(contains(error, "legacy format, which cannot be signed"), error);
  BOOST_TEST(contains(error, "trusted key"), error);
}

BOOST_AUTO_TEST_CASE(a_deflated_record_is_refused_before_the_zip_reader_inflates_it) {
  ScopedEnv env;
  env.unset(kTrustedKeyVariable);
  TempDir dir;
  const std::string path = dir / "deflated.pt";
  run_ok(kPeer + " save '" + path + "'");
  run_ok(kPeer + " deflate '" + path + "'");
  const std::string error = error_of([&] { read_checkpoint(path); });
  BOOST_TEST(contains(error, "'" + path + "' is damaged: record '"), error);
  BOOST_TEST(contains(error, "' is compressed (zip method 8), which PyTorch never writes"), error);
  BOOST_TEST(error_of([&] { verify_checkpoint(path, path, {}); }) == error);
}

BOOST_AUTO_TEST_CASE(signatures_are_checked_by_pythons_cryptography_and_refused_when_wrong) {
  ScopedEnv env;
  env.unset(kTrustedKeyVariable).unset(kSigningKeyVariable);
  TempDir dir;
  const KeyPair ed = make_key(dir, "ed", "ed25519");
  const KeyPair rsa = make_key(dir, "rsa", "rsa");
  const KeyPair other = make_key(dir, "other", "ed25519");
  const c10::IValue tree = make_sample_tree();

  for (const KeyPair* key : {&ed, &rsa}) {
    for (const std::string name : {"s.pt", "s.tar.gz"}) {
      BOOST_TEST_CONTEXT(key->private_pem << " " << name) {
        const std::string path = dir / name;
        write_checkpoint(tree, path, signed_with(key->private_pem));
        BOOST_TEST(describe_tree(read_checkpoint(path, path, trusting(key->public_pem))) == describe_tree(tree));
        const VerifyReport report = verify_checkpoint(path, path, trusting(key->public_pem));
        BOOST_TEST(report.summary.signature_checked);
        if (name == "s.pt") {
          const std::string peer = run_ok(kPeer + " check-signed '" + path + "' '" + key->public_pem + "'");
          BOOST_TEST(contains(peer, "ok " + std::string(key == &ed ? "Ed25519" : "RSA-2048")), peer);
        }
      }
    }
  }

  const std::string path = dir / "s.pt";
  write_checkpoint(tree, path, signed_with(ed.private_pem));
  // Signed, but by a key nobody trusts here.
  const std::string wrong_key = error_of([&] { read_checkpoint(path, path, trusting(other.public_pem)); });
  BOOST_TEST(contains(wrong_key, "is signed by another key"), wrong_key);
  // No signature at all.
  const std::string unsigned_path = dir / "u.pt";
  write_checkpoint(tree, unsigned_path);
  const std::string missing = error_of([&] { read_checkpoint(unsigned_path, unsigned_path, trusting(ed.public_pem)); });
  BOOST_TEST(contains(missing, "is not signed"), missing);
  // The manifest edited (CRCs made valid again): the signature no longer matches.
  run_ok(kPeer + " rewrite '" + path + "' archive/cairn/manifest.json archive/version archive/versioN");
  const std::string tampered = error_of([&] { read_checkpoint(path, path, trusting(ed.public_pem)); });
  BOOST_TEST(contains(tampered, "the manifest was changed after signing"), tampered);
  BOOST_TEST(wrong_key != missing);
  BOOST_TEST(missing != tampered);
  // The environment variable holds a key's path or its PEM text.
  env.set(kTrustedKeyVariable, other.public_pem);
  BOOST_TEST(contains(error_of([&] { read_checkpoint(unsigned_path); }), "is not signed"));
  env.set(kTrustedKeyVariable, read_bytes(ed.public_pem));
  write_checkpoint(tree, path, signed_with(ed.private_pem));
  BOOST_TEST(describe_tree(read_checkpoint(path)) == describe_tree(tree));
}

BOOST_AUTO_TEST_CASE(bad_keys_are_named_by_their_source_never_shown) {
  ScopedEnv env;
  env.unset(kTrustedKeyVariable).unset(kSigningKeyVariable);
  TempDir dir;
  const KeyPair key = make_key(dir, "k", "ed25519");
  auto config_error = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const cairn::ConfigError& e) {
      return e.what();
    }
    BOOST_FAIL("expected a ConfigError");
    return {};
  };
  const std::string missing = config_error([&] { signing_key(dir / "absent.pem"); });
  BOOST_TEST(contains(missing, "signing key file '" + (dir / "absent.pem") + "'"), missing);
  const std::string public_as_private = config_error([&] { signing_key(key.public_pem); });
  BOOST_TEST(contains(public_as_private, "holds no PEM private key"), public_as_private);
  const std::string pem = read_bytes(key.private_pem);
  std::string mangled = pem;
  mangled[40] = mangled[40] == 'A' ? 'B' : 'A';
  mangled.insert(60, "!!");
  env.set(kSigningKeyVariable, mangled);
  const std::string from_env = config_error([&] { signing_key(std::nullopt); });
  BOOST_TEST(contains(from_env, kSigningKeyVariable), from_env);
  // Neither the key's text nor any line of it appears in messages or in the file.
  std::istringstream lines(pem);
  std::string line;
  const std::string path = dir / "s.pt";
  write_checkpoint(make_sample_tree(), path, signed_with(key.private_pem));
  const std::string file = read_bytes(path);
  env.set(kTrustedKeyVariable, key.private_pem);  // a private key's public half may be trusted
  const std::string verify_output = run_ok(kCairn + " verify '" + path + "'");
  BOOST_TEST(contains(verify_output, "valid, by the trusted Ed25519 key"), verify_output);
  while (std::getline(lines, line)) {
    if (line.empty() || line.rfind("-----", 0) == 0) continue;
    BOOST_TEST(!contains(missing + public_as_private + from_env + verify_output, line));
    BOOST_TEST(!contains(file, line));
  }
}

BOOST_AUTO_TEST_CASE(cairn_verify_reports_what_it_checked_and_names_the_damaged_record) {
  ScopedEnv env;
  env.unset(kTrustedKeyVariable);
  TempDir dir;
  const std::string path = dir / "ck.pt.zst";
  write_checkpoint(make_sample_tree(), path);
  const std::string ok = run_ok(kCairn + " verify '" + path + "'");
  BOOST_TEST(contains(ok, "the CRC-32 of every one matches"), ok);
  BOOST_TEST(contains(ok, "the SHA-256 of every record matches"), ok);
  BOOST_TEST(contains(ok, "signature: none"), ok);

  const std::string plain = dir / "ck.pt";
  write_checkpoint(make_sample_tree(), plain);
  flip_byte(plain, data_offset_of(plain, "archive/data/2"));
  int status = 0;
  const std::string bad = run_command(kCairn + " verify '" + plain + "' 2>&1", status);
  BOOST_TEST(status != 0);
  BOOST_TEST(std::count(bad.begin(), bad.end(), '\n') == 1, bad);
  BOOST_TEST(contains(bad, "record 'archive/data/2' fails its CRC-32 check"), bad);

  TempDir keys;
  const KeyPair key = make_key(keys, "k", "ed25519");
  const std::string refused =
      run_command(kCairn + " verify '" + path + "' --trusted-key '" + key.public_pem + "' 2>&1", status);
  BOOST_TEST(status != 0);
  BOOST_TEST(contains(refused, "is not signed"), refused);
}

BOOST_AUTO_TEST_SUITE_END()
