// A real shared library that is not a Cairn plugin: it exports no descriptor.
extern "C" __attribute__((visibility("default"))) int cairn_test_not_a_plugin() { return 42; }
