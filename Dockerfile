# Builds the xunlian binary and a small runtime image for docker-compose.yml.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY daemon daemon
COPY migrations migrations
COPY schemas schemas
COPY config config
RUN cargo build --release --locked --bin xunlian

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/xunlian /usr/local/bin/xunlian
COPY config /etc/xunlian
ENTRYPOINT ["xunlian"]
CMD ["--help"]
