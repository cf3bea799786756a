# Step: shellcheck (Debian's package), which the unit suite runs on every shell script of the project and of the
# package. Sourced by scripts/setup; defines ms_ensure_shellcheck.
# shellcheck shell=bash

ms_ensure_shellcheck() {
  ms_step "shellcheck"
  if ! command -v shellcheck >/dev/null 2>&1; then
    if [[ $(id -u) -ne 0 || ! -f /etc/debian_version ]]; then
      ms_die "the unit tests need shellcheck (Debian: apt-get install shellcheck); install it and run scripts/setup again"
    fi
    ms_info "installing Debian's shellcheck"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck >/dev/null
  fi
  ms_info "$(shellcheck --version | awk '/^version:/ {print "shellcheck " $2}')"
}
