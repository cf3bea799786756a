# Step: the docker and command resource provider plugins at the versions package-lock.json pins, built from
# the upstream release archives in $MS_THIRD_PARTY_DIR (dependencies from the Go module proxy), cached per
# version in $MS_CACHE_DIR/plugins and installed with 'pulumi plugin install --file'. Where the archives are
# missing and get.pulumi.com answers, the official plugin release is installed instead.
# Sourced by scripts/setup; defines ms_ensure_pulumi_providers.
# shellcheck shell=bash

ms_ensure_pulumi_providers() {
  ms_ensure_provider docker "$MS_DOCKER_PROVIDER_VERSION" ms_build_docker_provider
  ms_ensure_provider command "$MS_COMMAND_PROVIDER_VERSION" ms_build_command_provider
  ms_report_missing_archives
}

ms_plugin_installed() { # NAME VERSION
  pulumi plugin ls --json 2>/dev/null | node -e '
    const [name, version] = process.argv.slice(1);
    const list = JSON.parse(require("fs").readFileSync(0, "utf8") || "[]");
    process.exit(list.some((p) => p.kind === "resource" && p.name === name && p.version === version) ? 0 : 1);' "$1" "$2"
}

# ms_ensure_provider NAME VERSION BUILD_FUNCTION
ms_ensure_provider() {
  local name=$1 version=$2 build=$3
  ms_step "Pulumi provider plugin $name v$version"
  if ms_plugin_installed "$name" "$version"; then
    ms_info "installed"
    return
  fi
  local bin=$MS_CACHE_DIR/plugins/$name-v$version/pulumi-resource-$name
  if [[ ! -x $bin ]]; then
    if ! "$build" "$version" "$bin"; then
      ms_official_plugin_download "$name" "$version" && return
      ms_warn "$name v$version: no source archive and no official download"
      return
    fi
  fi
  pulumi plugin install resource "$name" "$version" --file "$bin" >/dev/null
  ms_info "installed from $bin ($(du -m "$bin" | cut -f1) MB)"
}

# Where the internet answers, the official plugin release is the simple path (what 'pulumi up' would fetch).
ms_official_plugin_download() { # NAME VERSION
  getent hosts get.pulumi.com >/dev/null 2>&1 || return 1
  ms_info "downloading the official $1 v$2 plugin"
  timeout 300 pulumi plugin install resource "$1" "$2" >/dev/null 2>&1
}

# docker: pulumi-docker's provider/go.mod expects the Terraform provider it bridges in ../upstream, with
# Pulumi's patches applied (0001 adds the 'shim' package); generate.go writes the embedded schema.
ms_build_docker_provider() { # VERSION OUTPUT
  local version=$1 out=$2 work=$MS_CACHE_DIR/plugins/build/docker-v$1
  local provider=${MS_DOCKER_PROVIDER_ARCHIVE[$version]:-} upstream=${MS_DOCKER_UPSTREAM_ARCHIVE[$version]:-}
  [[ -n $provider && -n $upstream ]] || { ms_warn "no archive is pinned for docker v$version (scripts/toolchain/pins.sh)"; return 1; }
  local missing=0
  ms_unpack "$provider" "$work" || missing=1
  ms_unpack "$upstream" "$work/upstream" || missing=1
  ((missing == 0)) || return 1
  ms_info "building pulumi-resource-docker v$version from $provider + $upstream (about 3 minutes on 2 cores)"
  ms_with_heartbeat "docker provider: build" "$MS_CACHE_DIR/logs/docker-provider-build.log" \
    ms_docker_provider_compile "$work" "$version" "$out"
}

ms_docker_provider_compile() { # WORK VERSION OUTPUT
  local work=$1 version=$2 out=$3 patch
  set -euo pipefail
  # A repository of its own, so that git applies the patches relative to the upstream tree.
  git -C "$work/upstream" init -q
  for patch in "$work"/patches/*.patch; do
    echo "applying $(basename "$patch")"
    git -C "$work/upstream" apply "$patch"
  done
  cd "$work/provider/cmd/pulumi-resource-docker"
  VERSION=$version GOFLAGS=-mod=mod go run generate.go
  cd "$work/provider"
  mkdir -p "$(dirname "$out")"
  CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$out.tmp" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-docker/provider/v4/pkg/version.Version=$version" \
    ./cmd/pulumi-resource-docker
  mv "$out.tmp" "$out"
}

ms_build_command_provider() { # VERSION OUTPUT
  local version=$1 out=$2 work=$MS_CACHE_DIR/plugins/build/command-v$1
  local archive=${MS_COMMAND_PROVIDER_ARCHIVE[$version]:-}
  [[ -n $archive ]] || { ms_warn "no archive is pinned for command v$version (scripts/toolchain/pins.sh)"; return 1; }
  ms_unpack "$archive" "$work" || return 1
  ms_info "building pulumi-resource-command v$version from $archive (about 1 minute on 2 cores)"
  mkdir -p "$(dirname "$out")"
  ms_with_heartbeat "command provider: build" "$MS_CACHE_DIR/logs/command-provider-build.log" \
    bash -c "cd '$work/provider' && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o '$out.tmp' \
      -ldflags '-s -w -X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$version' \
      ./cmd/pulumi-resource-command && mv '$out.tmp' '$out'"
}
