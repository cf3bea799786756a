# Step: a Docker engine that answers. Sourced by scripts/setup; defines ms_ensure_docker_engine.
# shellcheck shell=bash

MS_DOCKERD_LOG=${MS_DOCKERD_LOG:-/var/log/model-service-dockerd.log}

ms_ensure_docker_engine() {
  ms_step "Docker engine"
  if docker info >/dev/null 2>&1; then
    ms_info "answers: server $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
    return
  fi
  if [[ $(id -u) -ne 0 || ! -f /etc/debian_version ]]; then
    ms_die "no Docker engine answers ('docker info' fails). Install Docker Engine (Debian/Ubuntu: 'apt-get install docker.io'; elsewhere see https://docs.docker.com/engine/install/), start it, and make sure 'docker info' works for this user; then run scripts/setup again."
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    ms_info "installing Debian's docker.io"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  if pgrep -x dockerd >/dev/null 2>&1; then
    ms_info "dockerd is already running (not restarting it); waiting for it to answer"
  else
    ms_info "starting dockerd in the background (log: $MS_DOCKERD_LOG)"
    mkdir -p "$(dirname "$MS_DOCKERD_LOG")"
    ms_spawn_daemon "$MS_DOCKERD_LOG" dockerd
  fi
  local i
  for i in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
      ms_info "answers after ${i}s: server $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
      return
    fi
    sleep 1
  done
  tail -n 20 "$MS_DOCKERD_LOG" >&2 || true
  ms_die "dockerd did not answer within 60s; see $MS_DOCKERD_LOG"
}
