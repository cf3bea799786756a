# Step: the base image our Dockerfiles build FROM. Sourced by scripts/setup; defines ms_ensure_base_image.
# shellcheck shell=bash

ms_ensure_base_image() {
  ms_step "Base image $MS_BASE_IMAGE"
  if docker image inspect "$MS_BASE_IMAGE" >/dev/null 2>&1; then
    ms_info "present: $(docker image inspect --format '{{.Id}}' "$MS_BASE_IMAGE" | cut -c1-19)"
    return
  fi
  ms_info "trying 'docker pull $MS_BASE_IMAGE' (60 s at most)"
  if timeout 60 docker pull -q "$MS_BASE_IMAGE" >/dev/null 2>&1; then
    ms_info "pulled"
    return
  fi
  if [[ $MS_BASE_IMAGE != debian:bookworm-slim ]]; then
    ms_die "$MS_BASE_IMAGE is neither present nor pullable; load it with 'docker load' or unset MS_BASE_IMAGE"
  fi
  [[ $(id -u) -eq 0 ]] || ms_die "cannot pull $MS_BASE_IMAGE and building it with debootstrap needs root"
  if ! command -v debootstrap >/dev/null 2>&1; then
    ms_info "installing Debian's debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  local rootfs; rootfs=$(mktemp -d /tmp/model-service-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' RETURN
  ms_with_heartbeat "debootstrap --variant=minbase bookworm" "$MS_CACHE_DIR/logs/debootstrap.log" \
    debootstrap --variant=minbase bookworm "$rootfs"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  ms_info "importing the root filesystem as $MS_BASE_IMAGE"
  tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - "$MS_BASE_IMAGE" >/dev/null
  ms_info "built: $(docker image inspect --format '{{.Id}} {{.Size}} bytes' "$MS_BASE_IMAGE" | cut -c1-80)"
}
