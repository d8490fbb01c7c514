// The download/upload progress bar drawn on terminals (load_path, cairn cp).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <sstream>

#include "cli/transfer_progress.h"

namespace cairn::test {

using cli::TransferProgress;

BOOST_AUTO_TEST_SUITE(transfer_progress)

BOOST_AUTO_TEST_CASE(renders_share_and_mebibytes) {
  std::ostringstream out;
  TransferProgress bar(out, "downloading s3://b/ep1.pt");
  BOOST_TEST(bar.render(0, 4 << 20) == "downloading s3://b/ep1.pt [..........] 0% 0.0/4.0 MiB");
  BOOST_TEST(bar.render(3 << 20, 4 << 20) == "downloading s3://b/ep1.pt [#######...] 75% 3.0/4.0 MiB");
  BOOST_TEST(bar.render(5, 0) == "downloading s3://b/ep1.pt 0.0 MiB");
}

BOOST_AUTO_TEST_CASE(redraws_in_place_and_ends_the_line_once) {
  std::ostringstream out;
  TransferProgress bar(out, "copying a");
  const ProgressFn progress = bar.callback();
  progress(0, 100);
  progress(100, 100);
  bar.finish();
  bar.finish();
  const std::string text = out.str();
  BOOST_TEST(text.rfind("\r", 0) == 0u);
  BOOST_TEST(text.find("100% ") != std::string::npos);
  BOOST_TEST(text.back() == '\n');
  BOOST_TEST(std::count(text.begin(), text.end(), '\n') == 1);
}

BOOST_AUTO_TEST_CASE(a_bar_on_screen_ends_its_line_when_it_goes) {
  std::ostringstream drawn;
  {
    TransferProgress bar(drawn, "downloading a");
    bar.callback()(1, 100);
  }
  BOOST_TEST(drawn.str().find("1% ") != std::string::npos);
  BOOST_TEST(drawn.str().back() == '\n');
  std::ostringstream never_drawn;
  { TransferProgress bar(never_drawn, "downloading b"); }
  BOOST_TEST(never_drawn.str().empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::test
