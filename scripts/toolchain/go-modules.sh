# Helpers to fetch Go modules through the module proxy and build from them. Sourced by the toolchain steps.
# shellcheck shell=bash

# ms_go_download MODULE@VERSION FIELD: downloads the module through GOPROXY and prints one field of
# 'go mod download -json' (Dir, GoMod, Version). When the proxy refuses, prints its answer on stderr, returns 1.
ms_go_download() {
  local json
  json=$(cd "$MS_CACHE_DIR" && GOFLAGS=-mod=mod go mod download -json "$1" 2>&1) || true
  node -e '
    let j = {};
    try { j = JSON.parse(process.argv[1]); } catch { j = { Error: process.argv[1] }; }
    if (j.Error || !j.Dir) { process.stderr.write((j.Error || process.argv[1]) + "\n"); process.exit(1); }
    console.log(j[process.argv[2]]);' "$json" "$2"
}

# ms_go_remote_replaces GOMOD_FILE: prints '-replace=OLD=NEW@VERSION' for each replace in that go.mod that
# points at another module version (local directory replaces are left out: they only make sense in its repo).
ms_go_remote_replaces() {
  # shellcheck disable=SC2016 # JavaScript, not shell: nothing in it is meant to expand
  go mod edit -json "$1" | node -e '
    const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const r of m.Replace || []) {
      if (!r.New.Version) continue;
      const old = r.Old.Version ? `${r.Old.Path}@${r.Old.Version}` : r.Old.Path;
      console.log(`-replace=${old}=${r.New.Path}@${r.New.Version}`);
    }'
}

# ms_go_wrapper_module DIR NAME GO_VERSION MODULE@VERSION...: writes DIR/go.mod, a module of ours that requires
# the given modules and repeats the remote replaces of the first one's go.mod.
ms_go_wrapper_module() {
  local dir=$1 name=$2 gover=$3; shift 3
  rm -rf "$dir"; mkdir -p "$dir"
  printf 'module %s\n\ngo %s\n' "$name" "$gover" >"$dir/go.mod"
  local first_gomod; first_gomod=$(ms_go_download "$1" GoMod) || ms_die "the Go module proxy refused $1"
  local spec
  for spec in "$@"; do (cd "$dir" && go mod edit -require="$spec"); done
  local replaces; mapfile -t replaces < <(ms_go_remote_replaces "$first_gomod")
  if ((${#replaces[@]})); then (cd "$dir" && go mod edit "${replaces[@]}"); fi
}
