# imq on Debian 12 packages: one image holds the broker, the three
# workers and imqctl. Build stage compiles; the runtime stage carries only
# the shared libraries.
FROM debian:12 AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        build-essential cmake pkg-config libzmq3-dev libczmq-dev \
        libmsgpack-dev librocksdb-dev libraft-dev libuv1-dev libcmocka-dev \
        libcurl4-openssl-dev libjansson-dev libsodium-dev \
        libfyaml-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build /build -j "$(nproc)" --target imq-broker imq-classifier \
        imq-sla-timer imq-notifier imqctl

FROM debian:12
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        libzmq5 libczmq4 libmsgpackc2 librocksdb7.8 libraft2 libuv1 \
        libjansson4 libfyaml0 libsodium23 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/broker/imq-broker /build/tools/imqctl /usr/local/bin/
COPY --from=build /build/worker/imq-classifier /build/worker/imq-sla-timer \
                  /build/worker/imq-notifier /usr/local/bin/
COPY tools/imq-docker.yaml /etc/imq/imq.yaml
WORKDIR /var/lib/imq
EXPOSE 7700 7701 7780
CMD ["imq-broker", "-c", "/etc/imq/imq.yaml"]
