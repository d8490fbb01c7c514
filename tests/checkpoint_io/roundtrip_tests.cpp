#define BOOST_TEST_MODULE checkpoint_io
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint_io_fixtures.h"
#include "ivalue_compare.h"

using namespace cairn::checkpoint;
using namespace cairn::test;

namespace {

struct NamedFormat {
  std::string name;
  std::string magic;       // the file's first bytes
  bool tar_member = false;  // an uncompressed tar: member name and "ustar" visible
};

const std::string kZip("PK\x03\x04", 4);
const std::string kGzip("\x1f\x8b", 2);
const std::string kBzip2("BZh");
const std::string kXz("\xfd" "7zXZ\x00", 6);
const std::string kLzmaAlone("\x5d\x00\x00", 3);
const std::string kZstd("\x28\xb5\x2f\xfd", 4);
const std::string kLz4("\x04\x22\x4d\x18", 4);

const std::vector<NamedFormat>& all_formats() {
  static const std::vector<NamedFormat> formats = {
      {"ckpt.pt", kZip},          {"ckpt", kZip},              {"ep1-ba2.ckpt", kZip},  {"tar.xyz", kZip},
      {"ckpt.pt.symlink", kZip},  {"ckpt.tar", "", true},      {"ckpt.tgz", kGzip},     {"ckpt.tar.gz", kGzip},
      {"ckpt.tar.bz2", kBzip2},   {"ckpt.tar.lzma", kXz},      {"ckpt.tar.xz", kXz},    {"ckpt.tar.zst", kZstd},
      {"ckpt.tar.lz4", kLz4},     {"ckpt.pt.gz", kGzip},       {"ckpt.pt.bz2", kBzip2}, {"ckpt.pt.xz", kXz},
      {"ckpt.pt.lzma", kLzmaAlone}, {"ckpt.pt.zst", kZstd},    {"ckpt.pt.lz4", kLz4},
  };
  return formats;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(roundtrip)

BOOST_AUTO_TEST_CASE(every_extension_round_trips_exactly_in_its_own_format) {
  TempDir dir;
  const c10::IValue tree = make_sample_tree();
  const std::string expected = describe_tree(tree);
  for (const NamedFormat& format : all_formats()) {
    BOOST_TEST_CONTEXT("file " << format.name) {
      const std::string path = dir / format.name;
      const uint64_t written = write_checkpoint(tree, path);
      BOOST_TEST(written == std::filesystem::file_size(path));

      const std::string bytes = read_bytes(path);
      if (format.tar_member) {
        BOOST_TEST(bytes.substr(257, 5) == "ustar");
        BOOST_TEST(bytes.substr(0, 19) == std::string("composer_states.pt") + '\0');
        BOOST_TEST(bytes.substr(512, 4) == kZip);  // the member's data is the zip
      } else {
        BOOST_TEST(bytes.substr(0, format.magic.size()) == format.magic);
      }

      const c10::IValue back = read_checkpoint(path);
      BOOST_TEST(first_difference(tree, back) == "");
      // Strides, storage offsets and shared storages survive too.
      BOOST_TEST(describe_tree(back) == expected);
    }
  }
  // Nothing but the checkpoints themselves is left in the folder.
  BOOST_TEST(entries(dir.path()).size() == all_formats().size());
}

BOOST_AUTO_TEST_CASE(views_share_one_storage_after_reading) {
  TempDir dir;
  const std::string path = dir / "views.pt";
  write_checkpoint(make_sample_tree(), path);
  const c10::IValue back = read_checkpoint(path);
  const auto views = back.toGenericDict().at("state").toGenericDict().at("views").toGenericDict();
  const at::Tensor row = views.at("row").toTensor();
  const at::Tensor col = views.at("col").toTensor();
  BOOST_TEST(row.storage().unsafeGetStorageImpl() == col.storage().unsafeGetStorageImpl());
  BOOST_TEST(row.storage().nbytes() == 16 * sizeof(float));
  // Writing through one view is seen through the other, as in the original.
  row.fill_(-1);
  BOOST_TEST(col[1].item<float>() == -1.0f);
}

BOOST_AUTO_TEST_CASE(tar_gz_is_smaller_than_tar_and_differs) {
  TempDir dir;
  const c10::IValue tree = make_compressible_tree();
  const uint64_t tar = write_checkpoint(tree, dir / "c.tar");
  const uint64_t tar_gz = write_checkpoint(tree, dir / "c.tar.gz");
  BOOST_TEST(tar_gz < tar / 4);
  BOOST_TEST(read_bytes(dir / "c.tar") != read_bytes(dir / "c.tar.gz"));
  BOOST_TEST(first_difference(tree, read_checkpoint(dir / "c.tar.gz")) == "");
}

BOOST_AUTO_TEST_CASE(lz4_and_zstd_pickles_are_smaller_than_plain) {
  TempDir dir;
  const c10::IValue tree = make_compressible_tree();
  const uint64_t plain = write_checkpoint(tree, dir / "c.pt");
  BOOST_TEST(plain > (uint64_t{4} << 20));
  BOOST_TEST(write_checkpoint(tree, dir / "c.pt.lz4") < plain / 4);
  BOOST_TEST(write_checkpoint(tree, dir / "c.pt.zst") < plain / 4);
  BOOST_TEST(first_difference(tree, read_checkpoint(dir / "c.pt.lz4")) == "");
  BOOST_TEST(first_difference(tree, read_checkpoint(dir / "c.pt.zst")) == "");
}

BOOST_AUTO_TEST_CASE(format_is_detected_from_content_not_name) {
  TempDir dir;
  const c10::IValue tree = make_sample_tree();
  write_checkpoint(tree, dir / "ep3.tar.gz");
  std::filesystem::rename(dir / "ep3.tar.gz", dir / "renamed.bin");
  std::filesystem::create_symlink("renamed.bin", dir.path() / "latest-rank0.pt");
  BOOST_TEST(first_difference(tree, read_checkpoint(dir / "renamed.bin")) == "");
  BOOST_TEST(first_difference(tree, read_checkpoint(dir / "latest-rank0.pt")) == "");

  write_checkpoint(tree, dir / "plain.pt");
  std::filesystem::rename(dir / "plain.pt", dir / "plain.tar.zst");
  BOOST_TEST(first_difference(tree, read_checkpoint(dir / "plain.tar.zst")) == "");
}

BOOST_AUTO_TEST_CASE(overwriting_replaces_the_file_and_leaves_no_temporary) {
  TempDir dir;
  const std::string path = dir / "ckpt.pt";
  write_bytes(path, "old contents");
  const c10::IValue tree = make_sample_tree();
  write_checkpoint(tree, path);
  BOOST_TEST(first_difference(tree, read_checkpoint(path)) == "");
  BOOST_TEST(entries(dir.path()) == std::vector<std::string>{"ckpt.pt"});
}

BOOST_AUTO_TEST_SUITE_END()
