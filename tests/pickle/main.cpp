// The restricted unpickler's suite: its module definition.
#define BOOST_TEST_MODULE cairn_pickle
#include <boost/test/unit_test.hpp>
