# Helpers for the upstream release archives in $MS_THIRD_PARTY_DIR: checksum verification and unpacking.
# Sourced by scripts/setup after pins.sh.
# shellcheck shell=bash

# Archives that a build needed and could not find; setup names them (with their recipe) before it stops.
MS_MISSING_ARCHIVES=()
MS_VERIFIED_ARCHIVES=""

# ms_archive NAME: sets MS_ARCHIVE_FILE to NAME.tar.gz after checking it against SHA256SUMS. Returns 1,
# and records the name, when it is missing; dies when its checksum is wrong or SHA256SUMS does not list it.
# Call it in the current shell (not in $(...)), so that what it records is kept.
ms_archive() {
  local name=$1 file=$MS_THIRD_PARTY_DIR/$1.tar.gz
  if [[ ! -f $file ]]; then
    MS_MISSING_ARCHIVES+=("$name")
    return 1
  fi
  if [[ " $MS_VERIFIED_ARCHIVES " != *" $name "* ]]; then
    local sums=$MS_THIRD_PARTY_DIR/SHA256SUMS expected actual
    [[ -f $sums ]] || ms_die "$sums is missing: the archives in $MS_THIRD_PARTY_DIR cannot be verified"
    expected=$(awk -v f="$name.tar.gz" '$2 == f || $2 == "*" f { print $1 }' "$sums")
    [[ -n $expected ]] || ms_die "$sums does not list $name.tar.gz"
    actual=$(sha256sum "$file" | cut -d' ' -f1)
    [[ $actual == "$expected" ]] || ms_die "checksum mismatch for $file: SHA256SUMS says $expected, the file is $actual"
    ms_info "verified $name.tar.gz (sha256 ${actual:0:12}…)"
    MS_VERIFIED_ARCHIVES+=" $name"
  fi
  MS_ARCHIVE_FILE=$file
}

# ms_unpack NAME DEST: a fresh, writable copy of the archive's tree (its top folder stripped) in DEST.
ms_unpack() {
  ms_archive "$1" || return 1
  rm -rf "$2"; mkdir -p "$2"
  tar -xzf "$MS_ARCHIVE_FILE" -C "$2" --strip-components=1
}

# ms_report_missing_archives: when archives were missing, say which, and how to make each; then stop.
ms_report_missing_archives() {
  ((${#MS_MISSING_ARCHIVES[@]})) || return 0
  local msg="these upstream archives are missing from $MS_THIRD_PARTY_DIR (set MS_THIRD_PARTY_DIR to their folder), and the official plugin download is not reachable:" name
  for name in "${MS_MISSING_ARCHIVES[@]}"; do
    msg+=$'\n'"  - $name.tar.gz: ${MS_ARCHIVE_RECIPE[$name]:-no recipe known}"
  done
  msg+=$'\n'"Put them there with a SHA256SUMS line each and run scripts/setup again."
  ms_die "$msg"
}

# ms_go_use_released_pulumi DIR VERSION: a module of the pulumi monorepo points pkg/v3 and sdk/v3 at local
# folders of that repository; require the released modules at VERSION instead, which the proxy serves.
ms_go_use_released_pulumi() {
  (
    cd "$1" || return
    go mod edit -dropreplace=github.com/pulumi/pulumi/pkg/v3 -dropreplace=github.com/pulumi/pulumi/sdk/v3
    if grep -q 'github.com/pulumi/pulumi/pkg/v3 ' go.mod; then go mod edit -require="github.com/pulumi/pulumi/pkg/v3@$2"; fi
    go mod edit -require="github.com/pulumi/pulumi/sdk/v3@$2"
    GOFLAGS=-mod=mod go mod tidy
  )
}
