# What libsync::sql needs at link time: SQLite's and PostgreSQL's client libraries.
find_dependency(SQLite3)
find_dependency(PostgreSQL)
