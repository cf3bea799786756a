# Starting long-lived daemons from scripts. Sourced; defines ms_spawn_daemon.
# shellcheck shell=bash

# ms_spawn_daemon LOG CMD [ARGS...]: starts CMD in the background in a session of its own, stdin from
# /dev/null, stdout and stderr appended to LOG, and sets MS_SPAWNED_PID to its pid.
# Every other file descriptor the caller holds is closed first: a daemon inherits them otherwise, and a lock
# held for the caller (`flock /tmp/ms-heavy.lock scripts/setup`, which started dockerd) then stays held for as
# long as the daemon lives, so every later `flock` on it waits forever.
ms_spawn_daemon() {
  local log=$1; shift
  (
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec setsid nohup "$@" >>"$log" 2>&1 </dev/null
  ) &
  # shellcheck disable=SC2034 # read by the script that sourced this file
  MS_SPAWNED_PID=$!
}
