#include <boost/test/unit_test.hpp>

#include <zlib.h>

#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <set>

#include <ATen/ATen.h>

#include "checkpoint/io/checkpoint_file.h"
#include "checkpoint/io/checkpoint_writer.h"
#include "checkpoint/io/crc32.h"
#include "checkpoint_io_fixtures.h"

using namespace cairn::checkpoint;
using namespace cairn::test;

namespace {

void collect_storages(const c10::IValue& v, std::set<const void*>& out) {
  if (v.isTensor()) out.insert(v.toTensor().storage().unsafeGetStorageImpl());
  else if (v.isGenericDict())
    for (const auto& item : v.toGenericDict()) collect_storages(item.value(), out);
  else if (v.isList())
    for (const auto& e : v.toListRef()) collect_storages(e, out);
  else if (v.isTuple())
    for (const auto& e : v.toTupleRef().elements()) collect_storages(e, out);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(zip_layout)

BOOST_AUTO_TEST_CASE(one_record_per_storage_each_aligned_to_64_bytes) {
  TempDir dir;
  const c10::IValue tree = make_sample_tree();
  std::set<const void*> storages;
  collect_storages(tree, storages);

  for (bool force_zip64 : {false, true}) {
    BOOST_TEST_CONTEXT("force_zip64 " << force_zip64) {
      const std::string path = dir / (force_zip64 ? "z64.pt" : "plain.pt");
      write_checkpoint(tree, path, CheckpointWriteOptions{force_zip64});
      caffe2::serialize::PyTorchStreamReader reader(path);
      std::vector<std::string> records = reader.getAllRecords();
      std::sort(records.begin(), records.end());
      std::vector<std::string> expected = {"data.pkl", "version", "cairn/manifest.json"};
      for (size_t i = 0; i < storages.size(); ++i) expected.push_back("data/" + std::to_string(i));
      std::sort(expected.begin(), expected.end());
      BOOST_TEST(records == expected, boost::test_tools::per_element());
      for (const std::string& record : records) {
        BOOST_TEST_CONTEXT("record " << record) { BOOST_TEST(reader.getRecordOffset(record) % 64 == 0u); }
      }
      BOOST_TEST(reader.version() == 3u);
    }
  }
}

BOOST_AUTO_TEST_CASE(crc32_matches_zlib_for_odd_sizes_and_alignments) {
  // Sizes around the 16/64-byte folding widths and large ranges, at every start
  // alignment within a vector, so the SIMD head and tail paths all run.
  const std::vector<uint64_t> sizes = {0, 1, 15, 16, 17, 63, 64, 65, 255, 4096, (1u << 20) + 1, 9u << 20};
  std::string bytes((9u << 20) + 64, '\0');
  uint32_t seed = 7;
  for (char& c : bytes) c = static_cast<char>((seed = seed * 1103515245u + 12345u) >> 23);

  for (uint64_t size : sizes) {
    for (size_t offset : {0, 1, 7, 31}) {
      const char* data = bytes.data() + offset;
      const uLong expected = crc32_z(0L, reinterpret_cast<const Bytef*>(data), size);
      BOOST_TEST(crc32_of(data, size) == static_cast<uint32_t>(expected), "size " << size << " offset " << offset);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
