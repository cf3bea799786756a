# Step: the Pulumi CLI and its Node.js language host, built from Go modules at the version package-lock.json
# pins, cached in $MS_PULUMI_BIN_DIR. Sourced by scripts/setup; defines ms_ensure_pulumi_engine.
# shellcheck shell=bash

MS_PULUMI_VERSION_PKG=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version

ms_ensure_pulumi_engine() {
  ms_step "Pulumi engine v$MS_PULUMI_VERSION"
  mkdir -p "$MS_PULUMI_BIN_DIR"
  local official; official=$(ms_official_pulumi || true)
  if [[ -n $official ]]; then
    ms_info "using the official Pulumi CLI at $official (v$MS_PULUMI_VERSION); nothing to build"
    return
  fi
  ms_build_pulumi_cli
  ms_build_language_host
  ms_install_dynamic_provider_plugin
  ms_info "pulumi $("$MS_PULUMI_BIN_DIR/pulumi" version), language host $(cat "$MS_PULUMI_BIN_DIR/../language-host.source")"
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

ms_build_language_host() {
  local dest=$MS_PULUMI_BIN_DIR/pulumi-language-nodejs source_file=$MS_PULUMI_BIN_DIR/../language-host.source
  if [[ -x $dest && -s $source_file ]]; then
    ms_info "language host: cached ($(cat "$source_file"))"
    return
  fi
  local src=$MS_CACHE_DIR/pulumi/v$MS_PULUMI_VERSION/src/language-nodejs
  local module=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
  local pseudo=${MS_LANGUAGE_HOST_PSEUDO[$MS_PULUMI_VERSION]:-}
  local pkg version
  if [[ -n $pseudo ]] && ms_go_download "$module@$pseudo" Dir >/dev/null 2>"$MS_CACHE_DIR/logs/language-host-probe.log"; then
    ms_info "language host: building $module@$pseudo (the commit of pkg/v$MS_PULUMI_VERSION)"
    ms_go_wrapper_module "$src" model-service.local/pulumi-language-nodejs 1.25 "$module@$pseudo" \
      "github.com/pulumi/pulumi/pkg/v3@v$MS_PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@v$MS_PULUMI_VERSION"
    pkg=$module; version=$pseudo
  else
    # The proxy cannot serve the host at this version (see docs/toolchain.md). The Node.js language host
    # speaks a stable gRPC protocol that the CLI negotiates (it tolerates hosts without the newer calls), so
    # the last sdk/v3 release that still carried it in the sdk module runs current programs.
    ms_warn "the Go module proxy refused $module@${pseudo:-<no pin>}: $(tail -n 1 "$MS_CACHE_DIR/logs/language-host-probe.log")"
    ms_info "language host: building it from github.com/pulumi/pulumi/sdk/v3@$MS_LANGUAGE_HOST_FALLBACK_SDK instead"
    ms_go_wrapper_module "$src" model-service.local/pulumi-language-nodejs 1.18 \
      "github.com/pulumi/pulumi/sdk/v3@$MS_LANGUAGE_HOST_FALLBACK_SDK"
    pkg=github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs; version=$MS_LANGUAGE_HOST_FALLBACK_SDK
  fi
  ms_with_heartbeat "language host: go get" "$MS_CACHE_DIR/logs/language-host-get.log" \
    bash -c "cd '$src' && GOFLAGS=-mod=mod go get '$pkg@$version'"
  ms_with_heartbeat "language host: go build" "$MS_CACHE_DIR/logs/language-host-build.log" \
    bash -c "cd '$src' && go build -trimpath -o '$dest.tmp' -ldflags '-s -w -X $MS_PULUMI_VERSION_PKG=$version' '$pkg'"
  mv "$dest.tmp" "$dest"
  echo "$pkg@$version" >"$source_file"
}

# Dynamic providers (pulumi.dynamic.Resource) run through a small launcher script that ships in the sdk module.
ms_install_dynamic_provider_plugin() {
  local dest=$MS_PULUMI_BIN_DIR/pulumi-resource-pulumi-nodejs
  [[ -x $dest ]] && return
  local dir; dir=$(ms_go_download "github.com/pulumi/pulumi/sdk/v3@v$MS_PULUMI_VERSION" Dir) \
    || ms_die "the Go module proxy refused github.com/pulumi/pulumi/sdk/v3@v$MS_PULUMI_VERSION"
  install -m 0755 "$dir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$dest"
}
