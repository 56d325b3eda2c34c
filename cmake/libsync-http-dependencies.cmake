# What libsync::http needs at link time.
find_dependency(Boost 1.81 COMPONENTS json)
find_dependency(OpenSSL 3)
