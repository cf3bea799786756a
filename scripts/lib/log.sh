# Logging helpers shared by the scripts in scripts/. Source it; it defines functions only.
# shellcheck shell=bash

ms_step() { printf '\n==> %s\n' "$*"; }
ms_info() { printf '    %s\n' "$*"; }
ms_warn() { printf '    WARNING: %s\n' "$*" >&2; }
ms_die() { printf '\nERROR: %s\n' "$*" >&2; exit 1; }

# ms_elapsed START: seconds since START (from `date +%s`).
ms_elapsed() { echo $(( $(date +%s) - $1 )); }

# ms_with_heartbeat LABEL LOGFILE CMD...: runs CMD with its output in LOGFILE and prints a progress line every
# 30 s so that long builds show they are alive. Prints the log's tail and fails when CMD fails.
ms_with_heartbeat() {
  local label=$1 log=$2; shift 2
  local start; start=$(date +%s)
  "$@" >"$log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    if kill -0 "$pid" 2>/dev/null && (( ( $(date +%s) - start ) % 30 < 5 )); then
      ms_info "$label: still running after $(ms_elapsed "$start")s (log: $log)"
    fi
  done
  if ! wait "$pid"; then
    tail -n 25 "$log" >&2
    ms_die "$label failed after $(ms_elapsed "$start")s; full log: $log"
  fi
  ms_info "$label: done in $(ms_elapsed "$start")s"
}
