# What libsync::core needs at link time (a static core carries these as link-only deps).
find_dependency(OpenSSL 3)
find_dependency(Threads)
