// Versions that the plugin loader compares before calling into a plugin.
#pragma once

#define CAIRN_VERSION_STRING "0.1.0"

// Bumped whenever a type in sdk/include changes layout or a virtual function
// is added, removed or reordered. The loader refuses any other value.
#define CAIRN_SDK_ABI_VERSION 4u

// The C++ ABI a plugin was compiled with: objects and std:: types cross the
// boundary, so compiler family and libstdc++ dual-ABI setting must match.
#if defined(__clang__)
#define CAIRN_CXX_COMPILER "clang"
#elif defined(__GNUC__)
#define CAIRN_CXX_COMPILER "gcc"
#else
#define CAIRN_CXX_COMPILER "unknown"
#endif
#if defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
#define CAIRN_CXX_ABI_TAG CAIRN_CXX_COMPILER "-libstdcxx-cxx11abi"
#else
#define CAIRN_CXX_ABI_TAG CAIRN_CXX_COMPILER "-libstdcxx-oldabi"
#endif
