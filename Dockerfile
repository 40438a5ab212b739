# threadgate: multi-stage build, dependency layer cached, small non-root runtime image.

FROM rust:1-slim-bookworm AS build
WORKDIR /src
# 1. Dependencies only: a dummy crate with the real manifest, so this layer is reused until
#    Cargo.toml or Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches \
 && echo 'fn main() {}' > src/main.rs \
 && echo '' > src/lib.rs \
 && for b in rocketchat_encode gateway_load; do echo 'fn main() {}' > benches/$b.rs; done \
 && cargo build --release --locked \
 && rm -rf src benches
# 2. The crate itself.
COPY src ./src
COPY benches ./benches
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin threadgate

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin threadgate \
 && mkdir -p /app/data \
 && chown threadgate /app/data
WORKDIR /app
COPY --from=build /src/target/release/threadgate /usr/local/bin/threadgate
COPY config ./config
USER threadgate
# Listen on all interfaces inside the container; the data directory is a volume.
ENV THREADGATE_SERVER__LISTEN=0.0.0.0:8080 \
    THREADGATE_SERVER__ADMIN_LISTEN=0.0.0.0:9090 \
    THREADGATE_LOG__FORMAT=json
VOLUME ["/app/data"]
EXPOSE 8080 9090
ENTRYPOINT ["threadgate"]
CMD ["serve", "--config", "/app/config/threadgate.toml"]
