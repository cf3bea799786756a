# Step: the tools the test beds need besides Docker. The Swarm test bed (scripts/swarm-testbed): Debian's
# docker-registry (the distribution registry), socat (relays the registry into each node's network namespace) and
# htpasswd (apache2-utils, the registry's bcrypt credentials). The remote host test bed (scripts/remote-testbed):
# openssh-server (its sshd) and openssh-client. Sourced by scripts/setup; defines ms_ensure_testbed_tools.
# shellcheck shell=bash

ms_ensure_testbed_tools() {
  ms_step "Test bed tools"
  local missing=()
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v socat >/dev/null 2>&1 || missing+=(socat)
  command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
  [[ -x /usr/sbin/sshd ]] || missing+=(openssh-server)
  command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
  if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 || ! -f /etc/debian_version ]]; then
      ms_die "the test beds need ${missing[*]} (Debian packages); install them and run scripts/setup again"
    fi
    ms_info "installing Debian's ${missing[*]}"
    apt-get update -qq
    ms_apt_install_without_services "${missing[@]}"
  fi
  ms_info "docker-registry $(docker-registry --version 2>/dev/null | awk '{print $3}'), $(socat -V 2>/dev/null | awk '/socat version/ {print "socat " $3; exit}'), htpasswd, $(ssh -V 2>&1 | cut -d, -f1)"
}

# ms_apt_install_without_services PACKAGE...: installs the packages without starting their services (openssh-server
# would otherwise start an sshd on this machine's port 22; the test bed runs its own, in its own namespace).
ms_apt_install_without_services() {
  local policy=/usr/sbin/policy-rc.d made_policy=false
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# model-service setup: no service starts while it installs packages\nexit 101\n' >"$policy"
    chmod +x "$policy"
    made_policy=true
  fi
  local status=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || status=$?
  if $made_policy; then rm -f "$policy"; fi
  return "$status"
}
