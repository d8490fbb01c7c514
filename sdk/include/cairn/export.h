// Symbol visibility for types that cross the host/plugin boundary.
//
// Plugins build with -fvisibility=hidden. Any SDK type whose RTTI is used on
// both sides (exceptions thrown by a plugin and caught by the engine, interfaces
// used with dynamic_cast) must be exported, or `catch` silently stops matching.
#pragma once

#if defined(_WIN32)
#define CAIRN_EXPORT __declspec(dllexport)
#else
#define CAIRN_EXPORT __attribute__((visibility("default")))
#endif
