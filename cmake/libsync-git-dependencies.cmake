# What libsync::git needs at link time: libgit2, found through pkg-config as at build time.
find_dependency(PkgConfig)
pkg_check_modules(LIBGIT2 REQUIRED IMPORTED_TARGET libgit2>=1.5)
