// AtomicFile's O_DIRECT mode (core/direct_write_behind.h): the bytes on disk
// are exactly the bytes written, whatever the sizes of the writes and of the
// file relative to the aligned buffers, and failures keep the old file.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <iterator>
#include <random>

#include "checkpoint_io_fixtures.h"
#include "core/atomic_file.h"
#include "core/direct_write_behind.h"

using namespace cairn;
using namespace cairn::test;

namespace {

std::string random_bytes(size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(generator() & 0xFF);
  return bytes;
}

// Writes `bytes` in pieces of the given sizes (cycled), unaligned on purpose.
void write_in_pieces(AtomicFile& file, const std::string& bytes, const std::vector<size_t>& pieces) {
  size_t offset = 0;
  for (size_t i = 0; offset < bytes.size(); ++i) {
    const size_t n = std::min(pieces[i % pieces.size()], bytes.size() - offset);
    file.write(bytes.data() + offset, n);
    offset += n;
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(direct_writes)

BOOST_AUTO_TEST_CASE(any_size_lands_byte_for_byte) {
  const size_t buffer = DirectWriteBehind::kBufferSize;
  const size_t block = DirectWriteBehind::kDirectAlignment;
  const std::vector<size_t> sizes = {0, 1, block - 1, block, block + 1, buffer - 1, buffer, buffer + 1,
                                     2 * buffer + 3 * block + 17};
  const std::vector<std::vector<size_t>> piece_patterns = {{1 << 20}, {7, 4096, 300001}, {buffer + 5}};
  TempDir dir;
  unsigned seed = 1;
  for (size_t size : sizes) {
    for (const auto& pieces : piece_patterns) {
      BOOST_TEST_CONTEXT("file of " << size << " bytes, pieces of " << pieces.front() << "...") {
        const std::string bytes = random_bytes(size, seed++);
        const std::string path = dir / ("direct-" + std::to_string(seed) + ".bin");
        AtomicFile file(path, WriteMode::kDirect);
        // /tmp here is ext4, which takes O_DIRECT: the direct path is what runs.
        BOOST_TEST(file.writes_direct());
        write_in_pieces(file, bytes, pieces);
        BOOST_TEST(file.bytes_written() == size);
        file.commit();
        BOOST_TEST(file.bytes_written() == size);
        BOOST_TEST((read_bytes(path) == bytes), "the file differs from what was written");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(an_uncommitted_direct_file_leaves_the_old_one) {
  TempDir dir;
  const std::string path = dir / "ckpt.pt";
  write_bytes(path, "old");
  {
    AtomicFile file(path, WriteMode::kDirect);
    const std::string bytes = random_bytes(3 * DirectWriteBehind::kBufferSize, 7);
    file.write(bytes.data(), bytes.size());
    // Destroyed without commit, with the worker possibly mid-write.
  }
  BOOST_TEST(read_bytes(path) == "old");
  const auto entries = std::distance(std::filesystem::directory_iterator(dir.path()), {});
  BOOST_TEST(entries == 1, "a temporary file was left behind");
}

BOOST_AUTO_TEST_SUITE_END()
