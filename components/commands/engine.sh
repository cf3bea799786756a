#!/usr/bin/env bash
# Points the docker CLI of a command at the engine the stack deploys to (components/engine/dockerEngine.ts:
# engineEnvironment). Prepended to a command's script when the stack names an engine; DOCKER_HOST itself is read by
# the docker CLI. For an ssh:// host the CLI's ssh is a wrapper first on PATH that adds the ssh options (the CLI has
# no flag for them) and shares one connection among all docker calls of the script; TLS material is written to a
# private directory that DOCKER_CERT_PATH names. The connection is closed and both removed when the script ends.
# Environment: DOCKER_HOST, DOCKER_SSH_OPTS (one ssh argument per line), DOCKER_TLS_CA_PEM, DOCKER_TLS_CERT_PEM,
# DOCKER_TLS_KEY_PEM (optional), DOCKER_CERT_PATH and DOCKER_TLS_VERIFY (optional).
# Everything above the first command is left out of the text the command runs.

set -euo pipefail
engine_dir=$(mktemp -d)
trap 'rm -rf "$engine_dir"' EXIT
if [[ ${DOCKER_HOST:-} == ssh://* ]]; then
  engine_ssh_opts=()
  if [[ -n ${DOCKER_SSH_OPTS:-} ]]; then mapfile -t engine_ssh_opts <<<"$DOCKER_SSH_OPTS"; fi
  # One connection for every docker call of the script (each call would open its own), closed when it ends.
  engine_ssh_opts+=(-o ControlMaster=auto -o "ControlPath=$engine_dir/connection" -o ControlPersist=yes)
  {
    printf '#!/usr/bin/env bash\nexec %q' "$(command -v ssh)"
    printf ' %q' "${engine_ssh_opts[@]}"
    printf ' "$@"\n'
  } >"$engine_dir/ssh"
  chmod 0700 "$engine_dir/ssh"
  PATH="$engine_dir:$PATH"
  trap '"$engine_dir/ssh" -O exit -- "${DOCKER_HOST#ssh://}" >/dev/null 2>&1 || true; rm -rf "$engine_dir"' EXIT
fi
if [[ -n ${DOCKER_TLS_CA_PEM:-}${DOCKER_TLS_CERT_PEM:-}${DOCKER_TLS_KEY_PEM:-} ]]; then
  (umask 0077; mkdir "$engine_dir/tls")
  printf '%s\n' "${DOCKER_TLS_CA_PEM:-}" >"$engine_dir/tls/ca.pem"
  printf '%s\n' "${DOCKER_TLS_CERT_PEM:-}" >"$engine_dir/tls/cert.pem"
  (umask 0077; printf '%s\n' "${DOCKER_TLS_KEY_PEM:-}" >"$engine_dir/tls/key.pem")
  export DOCKER_CERT_PATH="$engine_dir/tls" DOCKER_TLS_VERIFY=1
fi
unset DOCKER_SSH_OPTS DOCKER_TLS_CA_PEM DOCKER_TLS_CERT_PEM DOCKER_TLS_KEY_PEM
