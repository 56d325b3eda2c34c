# aitk-server in a container (docs/deploy.md, "Compose with PostgreSQL").
#
# Build stage: the README's own steps, as scripts/run.sh runs them (a test checks the two
# agree): install the Debian 12 packages with scripts/install-deps.sh, configure the
# Release build, build the server and the web app.
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh
COPY . .
RUN cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLIBSYNC_BUILD_TESTS=OFF -DLIBSYNC_BUILD_BENCHMARKS=OFF \
 && cmake --build build/release --target aitk-server web-app aitk libsync_python

# Run stage: the server, its web app and the shared libraries it links, nothing else.
FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates curl libboost-json1.81.0 libgit2-1.5 libpq5 libsqlite3-0 libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --home-dir /var/lib/aitk --shell /usr/sbin/nologin aitk \
 && install -d -o aitk -g aitk -m 0700 /var/lib/aitk
COPY --from=build /src/build/release/examples/server/aitk-server /usr/bin/aitk-server
COPY --from=build /src/build/release/web/dist /usr/share/aitk-server/web
# Not root: the server needs nothing root has. Its data (SQLite database, admin token,
# encryption key, git caches) lives on the volume, private to this user.
USER aitk
ENV AITK_DATA_DIR=/var/lib/aitk \
    AITK_LISTEN=0.0.0.0:3001 \
    AITK_WEB_DIR=/usr/share/aitk-server/web
VOLUME ["/var/lib/aitk"]
EXPOSE 3001
# Ready, not merely alive: /api/ready answers 200 only while the database answers.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${AITK_LISTEN##*:}/api/ready" || exit 1
ENTRYPOINT ["aitk-server"]
