# Step: the docker and command resource provider plugins, at the versions package-lock.json pins, built from
# Go modules and installed with 'pulumi plugin install --file'. Sourced by scripts/setup.
# shellcheck shell=bash

# Names of the providers that could not be made available; scripts/setup reports them.
MS_MISSING_PROVIDERS=()

ms_ensure_pulumi_providers() {
  ms_ensure_provider docker "$MS_DOCKER_PROVIDER_VERSION" ms_build_docker_provider
  ms_ensure_provider command "$MS_COMMAND_PROVIDER_VERSION" ms_build_command_provider
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
    mkdir -p "$(dirname "$bin")"
    if ! "$build" "$version" "$bin"; then
      rm -f "$bin"
      if ms_official_plugin_download "$name" "$version"; then return; fi
      MS_MISSING_PROVIDERS+=("$name v$version")
      ms_warn "$name v$version is not available on this machine (details above)"
      return
    fi
  fi
  pulumi plugin install resource "$name" "$version" --file "$bin" >/dev/null
  ms_info "installed from $bin"
}

# Where the internet answers, the official plugin release is the simple path (what 'pulumi up' would fetch).
ms_official_plugin_download() { # NAME VERSION
  getent hosts get.pulumi.com >/dev/null 2>&1 || return 1
  ms_info "downloading the official $1 v$2 plugin"
  timeout 300 pulumi plugin install resource "$1" "$2" >/dev/null 2>&1
}

# ms_fetch_module_copy MODULE@REV DEST: a writable copy of a module's source from the proxy. Returns 1 (and
# says why) when the proxy refuses it.
ms_fetch_module_copy() {
  local dir err=$MS_CACHE_DIR/logs/fetch-$(basename "$2").log
  if ! dir=$(ms_go_download "$1" Dir 2>"$err"); then
    ms_warn "the Go module proxy refused $1: $(tail -n 1 "$err")"
    return 1
  fi
  rm -rf "$2"; mkdir -p "$(dirname "$2")"; cp -r "$dir" "$2"; chmod -R u+w "$2"
}

# The docker provider bridges kreuzwerker's Terraform provider, which its go.mod expects in ../upstream with
# a 'shim' package added by Pulumi's build; the command embeds schema-embed.json written by generate.go.
ms_build_docker_provider() { # VERSION OUTPUT
  local version=$1 out=$2 work=$MS_CACHE_DIR/plugins/build/docker-v$1
  ms_info "building $MS_DOCKER_PROVIDER_MODULE@$MS_DOCKER_PROVIDER_COMMIT"
  ms_fetch_module_copy "$MS_DOCKER_PROVIDER_MODULE@$MS_DOCKER_PROVIDER_COMMIT" "$work/provider" || return 1
  ms_fetch_module_copy "$MS_DOCKER_UPSTREAM_MODULE@$MS_DOCKER_UPSTREAM_COMMIT" "$work/upstream" || return 1
  mkdir -p "$work/upstream/shim"
  cat >"$work/upstream/shim/shim.go" <<GO
// Package shim exposes the Terraform provider to the Pulumi bridge (glue written by model-service).
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the Terraform docker provider.
func NewProvider() *schema.Provider { return provider.New("$version")() }
GO
  (
    cd "$work/provider"
    go mod edit -replace=github.com/terraform-providers/terraform-provider-docker=../upstream
    cd cmd/pulumi-resource-docker
    VERSION=$version GOFLAGS=-mod=mod go run generate.go
    cd ../..
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -tags no_compose -o "$out" \
      -ldflags "-s -w -X $MS_DOCKER_PROVIDER_MODULE/pkg/version.Version=$version" ./cmd/pulumi-resource-docker
  ) >"$MS_CACHE_DIR/logs/docker-provider-build.log" 2>&1 || {
    tail -n 20 "$MS_CACHE_DIR/logs/docker-provider-build.log" >&2
    return 1
  }
}

ms_build_command_provider() { # VERSION OUTPUT
  local version=$1 out=$2 work=$MS_CACHE_DIR/plugins/build/command-v$1
  ms_info "building $MS_COMMAND_PROVIDER_MODULE@$MS_COMMAND_PROVIDER_COMMIT"
  ms_fetch_module_copy "$MS_COMMAND_PROVIDER_MODULE@$MS_COMMAND_PROVIDER_COMMIT" "$work/provider" || return 1
  (
    cd "$work/provider"
    GOFLAGS=-mod=mod go build -trimpath -o "$out" \
      -ldflags "-s -w -X $MS_COMMAND_PROVIDER_MODULE/pkg/version.Version=$version" ./cmd/pulumi-resource-command
  ) >"$MS_CACHE_DIR/logs/command-provider-build.log" 2>&1 || {
    tail -n 20 "$MS_CACHE_DIR/logs/command-provider-build.log" >&2
    return 1
  }
}
