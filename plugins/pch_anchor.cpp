// Compiles the precompiled header that in-tree torch plugins reuse
// (see plugins/CMakeLists.txt); it has no code of its own.
