// The translation unit that builds the torch precompiled header (the
// cairn_torch_pch target, cmake/CairnTorchPch.cmake); it has no code of its own.
