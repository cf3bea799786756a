# The one environment every command, test and CI run shares. Source it (it only sets variables):
#   source scripts/lib/env.sh
# shellcheck shell=bash

MS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export MS_ROOT

# Toolchain cache, outside the repository, built once per machine and shared by every clone and CI run.
export MS_CACHE_DIR=${MS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/model-service}

# Versions pinned by package-lock.json (package.json pins them exactly too).
ms_locked_version() {
  node -e 'const l=require(process.argv[1]); const p=l.packages["node_modules/"+process.argv[2]];
           if(!p){process.stderr.write("not in package-lock.json: "+process.argv[2]+"\n"); process.exit(1)}
           console.log(p.version)' "$MS_ROOT/package-lock.json" "$1"
}
MS_PULUMI_VERSION=${MS_PULUMI_VERSION:-$(ms_locked_version @pulumi/pulumi)}
MS_DOCKER_PROVIDER_VERSION=${MS_DOCKER_PROVIDER_VERSION:-$(ms_locked_version @pulumi/docker)}
MS_COMMAND_PROVIDER_VERSION=${MS_COMMAND_PROVIDER_VERSION:-$(ms_locked_version @pulumi/command)}
export MS_PULUMI_VERSION MS_DOCKER_PROVIDER_VERSION MS_COMMAND_PROVIDER_VERSION

# The Pulumi CLI we build lives here; an official CLI already on PATH at the same version wins (see setup).
export MS_PULUMI_BIN_DIR="$MS_CACHE_DIR/pulumi/v$MS_PULUMI_VERSION/bin"
case ":$PATH:" in *":$MS_PULUMI_BIN_DIR:"*) ;; *) export PATH="$MS_PULUMI_BIN_DIR:$PATH" ;; esac

# State in a local file backend inside the project (git-ignored), secrets with a passphrase. The default
# passphrase is for local development only; set PULUMI_CONFIG_PASSPHRASE (or _FILE) for anything shared.
export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$MS_ROOT/.state/pulumi}
if [[ -z ${PULUMI_CONFIG_PASSPHRASE:-} && -z ${PULUMI_CONFIG_PASSPHRASE_FILE:-} ]]; then
  export PULUMI_CONFIG_PASSPHRASE=model-service-local
fi

# Never reach the internet: no update check, no plugin downloads, no telemetry.
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_CONFIRMATIONS=true
export DO_NOT_TRACK=1

# The base image our Dockerfiles start from (a build argument of both).
export MS_BASE_IMAGE=${MS_BASE_IMAGE:-debian:bookworm-slim}
