# `cpack` (in the build folder) makes cairn_<version>_<arch>.deb: the `cairn`
# command, the engine, the bundled plugins, the SDK headers and its CMake
# package, laid out under /usr as `cmake --install` would. The runtime
# dependencies are the Debian 12 packages the build links against, named by
# hand rather than by dpkg-shlibdeps so that packaging needs no extra tools.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cairn)
set(CPACK_PACKAGE_VENDOR "Cairn developers")
set(CPACK_PACKAGE_CONTACT "Cairn developers <cairn@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Checkpointing engine for C++ training on LibTorch, with object-store plugins")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libtorch1.13, libboost-filesystem1.74.0, libboost-program-options1.74.0, libarchive13, libcurl4, libssl3, libexpat1, libdeflate0")
# The SDK headers and CMake package come along, so plugin authors need only this package and LibTorch's -dev.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libtorch-dev, nlohmann-json3-dev")
include(CPack)
