# Step: the Pulumi CLI and its language hosts (Node.js, Go, YAML) at the version package-lock.json pins,
# built from Go modules and the upstream archives in $MS_THIRD_PARTY_DIR, cached in $MS_PULUMI_BIN_DIR.
# Sourced by scripts/setup; defines ms_ensure_pulumi_engine.
# shellcheck shell=bash

MS_PULUMI_VERSION_PKG=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
MS_YAML_HOST_MAIN=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/language-yaml/main.go

ms_ensure_pulumi_engine() {
  ms_step "Pulumi engine v$MS_PULUMI_VERSION"
  mkdir -p "$MS_PULUMI_BIN_DIR"
  local official; official=$(ms_official_pulumi || true)
  if [[ -n $official ]]; then
    ms_info "using the official Pulumi CLI at $official (v$MS_PULUMI_VERSION); nothing to build"
    return
  fi
  ms_build_pulumi_cli
  local language
  for language in nodejs go yaml; do ms_build_language_host "$language"; done
  ms_install_dynamic_provider_plugin
  ms_info "pulumi $("$MS_PULUMI_BIN_DIR/pulumi" version); language hosts: nodejs, go, yaml"
}

# Prints the path of a Pulumi CLI outside our cache whose version matches, with its language host beside it.
ms_official_pulumi() {
  local p dir
  p=$(PATH=${PATH//"$MS_PULUMI_BIN_DIR:"/} command -v pulumi) || return 1
  dir=$(dirname "$p")
  [[ $("$p" version 2>/dev/null) == "v$MS_PULUMI_VERSION" && -x $dir/pulumi-language-nodejs ]] || return 1
  echo "$p"
}

ms_build_pulumi_cli() {
  local dest=$MS_PULUMI_BIN_DIR/pulumi
  if [[ -x $dest && $("$dest" version 2>/dev/null) == "v$MS_PULUMI_VERSION" ]]; then
    ms_info "CLI: cached ($dest)"
    return
  fi
  local src=$MS_CACHE_DIR/pulumi/v$MS_PULUMI_VERSION/src/cli
  ms_info "CLI: building github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$MS_PULUMI_VERSION from the Go module proxy"
  ms_go_wrapper_module "$src" model-service.local/pulumi-cli 1.25 \
    "github.com/pulumi/pulumi/pkg/v3@v$MS_PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@v$MS_PULUMI_VERSION"
  ms_with_heartbeat "CLI: go get" "$MS_CACHE_DIR/logs/pulumi-cli-get.log" \
    bash -c "cd '$src' && GOFLAGS=-mod=mod go get github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$MS_PULUMI_VERSION"
  ms_with_heartbeat "CLI: go build" "$MS_CACHE_DIR/logs/pulumi-cli-build.log" \
    bash -c "cd '$src' && go build -trimpath -o '$dest.tmp' \
      -ldflags '-s -w -X $MS_PULUMI_VERSION_PKG=v$MS_PULUMI_VERSION' github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
  mv "$dest.tmp" "$dest"
}

# ms_build_language_host LANGUAGE: pulumi-language-LANGUAGE v$MS_PULUMI_VERSION next to the CLI, built from
# its upstream archive (nodejs, go; the monorepo module pointed at the released pkg/sdk modules) or, for
# yaml, from the pulumi-yaml module that the proxy serves with our main (language-yaml/main.go).
ms_build_language_host() {
  local language=$1 dest=$MS_PULUMI_BIN_DIR/pulumi-language-$1
  local stamp=$MS_PULUMI_BIN_DIR/../language-$1.source source
  case $language in
    nodejs) source=${MS_LANGUAGE_NODEJS_ARCHIVE[$MS_PULUMI_VERSION]:-} ;;
    go) source=${MS_LANGUAGE_GO_ARCHIVE[$MS_PULUMI_VERSION]:-} ;;
    # The pulumi-yaml module with our main (language-yaml/main.go: adds the Link RPC), stamped with its hash.
    yaml) source=github.com/pulumi/pulumi-yaml@$MS_PULUMI_YAML_VERSION+main-$(sha256sum "$MS_YAML_HOST_MAIN" | cut -c1-12) ;;
  esac
  [[ -n $source ]] || ms_die "no source is pinned for the $language language host of v$MS_PULUMI_VERSION (scripts/toolchain/pins.sh)"
  if [[ -x $dest && $(cat "$stamp" 2>/dev/null) == "$source" ]]; then
    ms_info "$language language host: cached ($source)"
    return
  fi
  local src=$MS_CACHE_DIR/pulumi/v$MS_PULUMI_VERSION/src/language-$language dir pkg version
  if [[ $language == yaml ]]; then
    ms_go_wrapper_module "$src" model-service.local/pulumi-language-yaml 1.25 "github.com/pulumi/pulumi-yaml@$MS_PULUMI_YAML_VERSION"
    dir=$src; pkg=.
    cp "$MS_YAML_HOST_MAIN" "$dir/main.go"
    ms_with_heartbeat "yaml language host: go mod tidy" "$MS_CACHE_DIR/logs/language-yaml-get.log" \
      bash -c "cd '$dir' && go mod tidy"
    version="-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$MS_PULUMI_YAML_VERSION"
  else
    ms_unpack "$source" "$src" || return 0 # recorded as missing; setup reports it
    case $language in
      nodejs) dir=$src/sdk/nodejs/cmd/pulumi-language-nodejs ;;
      go) dir=$src/sdk/go/pulumi-language-go ;;
    esac
    pkg=.
    ms_with_heartbeat "$language language host: go mod tidy" "$MS_CACHE_DIR/logs/language-$language-tidy.log" \
      ms_go_use_released_pulumi "$dir" "v$MS_PULUMI_VERSION"
    version="-X $MS_PULUMI_VERSION_PKG=v$MS_PULUMI_VERSION"
  fi
  ms_with_heartbeat "$language language host: go build" "$MS_CACHE_DIR/logs/language-$language-build.log" \
    bash -c "cd '$dir' && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o '$dest.tmp' -ldflags '-s -w $version' '$pkg'"
  mv "$dest.tmp" "$dest"
  echo "$source" >"$stamp"
}

# Dynamic providers (pulumi.dynamic.Resource) run through a small launcher script that ships in the sdk module.
ms_install_dynamic_provider_plugin() {
  local dest=$MS_PULUMI_BIN_DIR/pulumi-resource-pulumi-nodejs
  [[ -x $dest ]] && return
  local dir; dir=$(ms_go_download "github.com/pulumi/pulumi/sdk/v3@v$MS_PULUMI_VERSION" Dir) \
    || ms_die "the Go module proxy refused github.com/pulumi/pulumi/sdk/v3@v$MS_PULUMI_VERSION"
  install -m 0755 "$dir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$dest"
}
