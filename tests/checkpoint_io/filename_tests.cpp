#include <boost/test/unit_test.hpp>

#include "cairn/errors.h"
#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/io/checkpoint_format.h"
#include "checkpoint_io_fixtures.h"

using namespace cairn::checkpoint;
using namespace cairn::test;

namespace {

struct Expectation {
  std::string name;
  Container container;
  Compression compression;
};

bool message_is_helpful(const cairn::ConfigError& e, const std::string& name) {
  const std::string m = e.what();
  return m.find("'" + name + "'") != std::string::npos && m.find(".tar.gz") != std::string::npos &&
         m.find(".pt.zst") != std::string::npos && m.find('\n') == std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(filenames)

BOOST_AUTO_TEST_CASE(extensions_select_the_documented_formats) {
  const std::vector<Expectation> table = {
      {"ep{epoch}-ba{batch}-rank{rank}.pt", Container::kZip, Compression::kNone},
      {"checkpoint", Container::kZip, Compression::kNone},
      {"x.y", Container::kZip, Compression::kNone},
      {"tar.xyz", Container::kZip, Compression::kNone},  // "tar" is the stem here (Composer: tar)
      {"pt.gz", Container::kZip, Compression::kNone},    // "pt" is the stem here
      {"latest-rank0.pt.symlink", Container::kZip, Compression::kNone},
      {"some.dir/{run_name}/latest.pt", Container::kZip, Compression::kNone},
      {"x.tar", Container::kTar, Compression::kNone},
      {"x.tgz", Container::kTar, Compression::kGzip},
      {"x.tar.gz", Container::kTar, Compression::kGzip},
      {"x.tar.bz2", Container::kTar, Compression::kBzip2},
      {"x.tar.lzma", Container::kTar, Compression::kXz},  // as Composer: xz despite the name
      {"x.tar.xz", Container::kTar, Compression::kXz},
      {"x.tar.zst", Container::kTar, Compression::kZstd},
      {"x.tar.lz4", Container::kTar, Compression::kLz4},
      {"x.pt.gz", Container::kCompressed, Compression::kGzip},
      {"x.pt.bz2", Container::kCompressed, Compression::kBzip2},
      {"x.pt.xz", Container::kCompressed, Compression::kXz},
      {"x.pt.lzma", Container::kCompressed, Compression::kLzmaAlone},
      {"x.pt.zst", Container::kCompressed, Compression::kZstd},
      {"x.pt.lz4", Container::kCompressed, Compression::kLz4},
  };
  for (const Expectation& e : table) {
    BOOST_TEST_CONTEXT("name " << e.name) {
      const CheckpointFormat f = checkpoint_format_for(e.name);
      BOOST_TEST(static_cast<int>(f.container) == static_cast<int>(e.container));
      BOOST_TEST(to_string(f.compression) == to_string(e.compression));
      BOOST_CHECK_NO_THROW(validate_checkpoint_filename(e.name));
    }
  }
}

BOOST_AUTO_TEST_CASE(unknown_compressors_are_rejected_with_the_supported_list) {
  for (const std::string name : {"x.pt.unknown", "x.tar.foo", "x.pt.lzo", "ep{epoch}.tar.7z", "runs/{run_name}/x.pt.zip"}) {
    BOOST_TEST_CONTEXT("name " << name) {
      try {
        validate_checkpoint_filename(name);
        BOOST_FAIL("accepted " << name);
      } catch (const cairn::ConfigError& e) {
        BOOST_TEST(message_is_helpful(e, name), e.what());
      }
    }
  }
  try {
    validate_checkpoint_filename("x.pt.lzo");
  } catch (const cairn::ConfigError& e) {
    BOOST_TEST(std::string(e.what()).find("lzop") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(write_checkpoint_rejects_them_before_creating_anything) {
  TempDir dir;
  for (const std::string name : {"x.pt.unknown", "x.tar.foo", "x.pt.lzo"}) {
    BOOST_TEST_CONTEXT("name " << name) {
      BOOST_CHECK_THROW(write_checkpoint(make_sample_tree(), dir / name), cairn::ConfigError);
    }
  }
  BOOST_TEST(entries(dir.path()).empty());
}

BOOST_AUTO_TEST_SUITE_END()
