# rtcstorm image for distributed runs (rtcstorm k8s render): Debian bookworm, Node 20, chromium,
# and the mediasoup worker built by the same set-up path as on a developer machine.
FROM node:20-bookworm
WORKDIR /opt/rtcstorm
ENV RTCSTORM_CACHE_DIR=/opt/rtcstorm-cache
COPY . .
RUN bash scripts/setup.sh \
 && chmod +x dist/bin/rtcstorm.js \
 && ln -s /opt/rtcstorm/dist/bin/rtcstorm.js /usr/local/bin/rtcstorm \
 && rm -rf /root/.npm /opt/rtcstorm-cache/build-tools
# Shard pods run `rtcstorm run … --shard i/N`; results go to the mounted volume.
ENTRYPOINT []
CMD ["rtcstorm", "doctor"]
