# The stack's config file as Pulumi needs it, kept apart from the one the user tracks. Sourced; defines
# ms_stack_config_copy.
# shellcheck shell=bash
#
# Creating a stack and deploying it with the passphrase secrets provider make Pulumi write an `encryptionsalt` into
# Pulumi.<stack>.yaml and rewrite every value in its own quoting, so the user's tracked file would be modified by a
# deploy. Pulumi works instead on a copy in .state/stack-config/: the tracked file's settings, plus the salt Pulumi
# chose on the first deploy (unless the tracked file has one of its own, from `pulumi config set --secret`).

# ms_stack_config_copy STACK: selects STACK (creating it when it does not exist) without touching the tracked
# Pulumi.STACK.yaml, refreshes the copy from it, and prints the copy's path for `pulumi ... --config-file`.
ms_stack_config_copy() {
  local stack=$1 tracked="$MS_ROOT/Pulumi.$1.yaml" dir="$MS_ROOT/.state/stack-config"
  local copy="$dir/Pulumi.$stack.yaml" salt=""
  mkdir -p "$dir"
  if ! pulumi stack select "$stack" --non-interactive >/dev/null 2>&1; then
    cp -p "$tracked" "$dir/Pulumi.$stack.yaml.tracked"
    local status=0
    pulumi stack init --secrets-provider passphrase "$stack" --non-interactive >&2 || status=$?
    cp -p "$dir/Pulumi.$stack.yaml.tracked" "$tracked" # init wrote its salt into the tracked file: undo that
    rm -f "$dir/Pulumi.$stack.yaml.tracked" "$copy"     # a copy from an earlier stack of that name is stale
    ((status == 0)) || return "$status"
  fi
  if ! grep -q '^encryptionsalt:' "$tracked" && [[ -f $copy ]]; then
    salt=$(grep -m1 '^encryptionsalt:' "$copy" || true)
  fi
  cp "$tracked" "$copy.new"
  if [[ -n $salt ]]; then printf '%s\n' "$salt" >>"$copy.new"; fi
  mv "$copy.new" "$copy"
  printf '%s\n' "$copy"
}
