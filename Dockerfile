# syntax=docker/dockerfile:1
#
# apigw-auditor image: the release binary on distroless, run as a non-root user, the daemon as
# the default command.
#
#   docker build -t apigw-auditor .
#   docker run --rm -e AWS_REGION=us-east-1 apigw-auditor audit --format json
#
# Settings come from the environment (APIGW_AUDITOR_CONFIG, APIGW_AUDITOR_REGIONS, ...) and a
# config file mounted read-only, e.g. -v "$PWD/config:/config:ro" with
# APIGW_AUDITOR_CONFIG=/config/auditor.toml. Logs are JSON on stderr (stderr is not a terminal).

ARG RUST_VERSION=1.95

# ---- build ----------------------------------------------------------------------------------
# bookworm, like the runtime image below: the binary links the glibc it was built against.
FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /build

# Dependencies first, in a layer of their own: the AWS SDK is most of the build time and
# changes only with Cargo.lock. The crate's sources are stand-ins here, so editing src/ reuses
# this layer. benches/ is copied because Cargo.toml declares its [[bench]] targets and cargo
# refuses a manifest whose targets are missing (they are not compiled).
COPY Cargo.toml Cargo.lock ./
COPY benches ./benches
RUN mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked --bin apigw-auditor \
 && rm -rf src

COPY src ./src
# COPY keeps the files' own modification times, which can be older than the stand-ins built
# above; cargo would then take the stand-ins for up to date. Touch, so the real crate is built.
RUN find src -name '*.rs' -exec touch {} + \
 && cargo build --release --locked --bin apigw-auditor \
 && cp target/release/apigw-auditor /apigw-auditor

# ---- runtime --------------------------------------------------------------------------------
# distroless/cc: glibc and libgcc_s (what the Rust binary and the aws-lc crypto it embeds link
# against), CA certificates (the AWS SDK uses rustls with the system's root certificates), time
# zones, and no shell or package manager. :nonroot runs as uid/gid 65532 and has a
# world-writable /tmp, where the daemon keeps its status file.
FROM gcr.io/distroless/cc-debian12:nonroot

COPY --from=builder /apigw-auditor /apigw-auditor

USER 65532:65532

# The daemon's status file records its last good run; the check fails when that is older than
# --max-age. It must exceed the daemon's schedule period (15 minutes by default) with room for a
# failed or slow run. Exec form: there is no shell. The start period covers the first audit,
# which the daemon runs at start. One-shot commands (`audit`, `collect`) write no status file:
# Docker then reports the container unhealthy, which stops nothing.
HEALTHCHECK --interval=60s --timeout=10s --start-period=5m --retries=3 \
  CMD ["/apigw-auditor", "health", "--max-age", "45m"]

ENTRYPOINT ["/apigw-auditor"]
CMD ["daemon"]
