# Step: the tools the Swarm test bed (scripts/swarm-testbed) needs besides Docker: Debian's docker-registry (the
# distribution registry), socat (relays the registry into each node's network namespace) and htpasswd
# (apache2-utils, the registry's bcrypt credentials). Sourced by scripts/setup; defines ms_ensure_swarm_testbed_tools.
# shellcheck shell=bash

ms_ensure_swarm_testbed_tools() {
  ms_step "Swarm test bed tools"
  local missing=()
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v socat >/dev/null 2>&1 || missing+=(socat)
  command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
  if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 || ! -f /etc/debian_version ]]; then
      ms_die "the Swarm test bed needs ${missing[*]} (Debian packages); install them and run scripts/setup again"
    fi
    ms_info "installing Debian's ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  ms_info "docker-registry $(docker-registry --version 2>/dev/null | awk '{print $3}'), $(socat -V 2>/dev/null | awk '/socat version/ {print "socat " $3; exit}'), htpasswd"
}
