# Shared by the peer benchmarks (speed.sh, milter.sh): logging, the temp folder, servers started
# in the background and stopped by PID on exit, free loopback ports, deadlines, CPU accounting.
# Source it after `set -Eeuo pipefail` (bash 4+), with `prog` set to the script's name for messages.
# shellcheck shell=bash
: "${prog:?lib/common.sh: set prog (the script name) before sourcing}"

die() { echo "$prog: $*" >&2; exit 1; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH: install the Debian package '$2' (apt-get install $2)"; }

# peers_workdir: makes the temp folder `work` (deleted on exit unless MAILFILTER_PEERS_KEEP is
# set) and installs the traps that stop every server still listed in `pids` on exit, also on
# Ctrl-C.
peers_workdir() {
  work=$(mktemp -d -t mailfilter-peers.XXXXXX)
  chmod 755 "$work" # the servers drop to their own users and must reach their folders
  pids=()
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# stop PID...: TERM, then up to 10 s for a clean exit, then KILL; reaps the processes.
stop() {
  local pid _
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$prog: PID $pid ignored TERM for 10 s, killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  # Forget them, so that cleanup never signals a PID the system has since reused.
  local keep=() p
  for p in "${pids[@]}"; do [[ " $* " == *" $p "* ]] || keep+=("$p"); done
  pids=("${keep[@]}")
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # A script with a server that has its own stop command (Postfix) defines before_cleanup.
  if declare -F before_cleanup >/dev/null; then before_cleanup || true; fi
  [ "${#pids[@]}" -eq 0 ] || stop "${pids[@]}"
  if [ -n "${MAILFILTER_PEERS_KEEP:-}" ]; then
    echo "$prog: kept $work (MAILFILTER_PEERS_KEEP is set)" >&2
  else
    rm -rf "$work"
  fi
  exit "$rc"
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# Free ports: bind port 0 for each requested kind at once (so they differ), print, release.
free_ports() {
  python3 -c '
import socket, sys
socks = []
for kind in sys.argv[1:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
' "$@"
}

# fg_job [-i FILE] [-t SECONDS] COMMAND...: run COMMAND (stdin from FILE, else /dev/null) as a
# job that cleanup stops too, and wait for it, at most SECONDS (default 1200): past that,
# `timeout` sends TERM to COMMAND's process group (KILL 10 s later) and fg_job returns 124 after
# saying so. Waiting on a background job rather than running it in the foreground lets Ctrl-C and
# TERM reach the traps at once instead of after a minute-long run. CPU time stays accounted:
# `timeout` waits for COMMAND, so COMMAND's time reaches this shell's children's times.
fg_job() {
  local in=/dev/null secs=1200 pid rc=0 t0
  if [ "$1" = -i ]; then in=$2; shift 2; fi
  if [ "$1" = -t ]; then secs=$2; shift 2; fi
  t0=$(date +%s)
  timeout --kill-after=10 "$secs" "$@" <"$in" &
  pid=$!
  pids+=("$pid")
  wait "$pid" || rc=$?
  local keep=() p
  for p in "${pids[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  pids=("${keep[@]}")
  # 124 (TERM) or 137 (KILL) from timeout; xargs also exits 124 when a command exits 255, hence
  # the clock.
  if { [ "$rc" = 124 ] || [ "$rc" = 137 ]; } && [ $(($(date +%s) - t0)) -ge "$secs" ]; then
    echo "$prog: '$1 ...' ran past its ${secs} s deadline and was stopped" >&2
    return 124
  fi
  return "$rc"
}

# poll SECONDS PID COMMAND...: run COMMAND every 0.2 s until it succeeds (status 0); status 1
# when SECONDS pass first, 2 when the server PID dies first.
poll() {
  local secs=$1 pid=$2
  shift 2
  local deadline=$(($(date +%s) + secs))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || return 2
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# wait_until SECONDS PID WHAT LOGFILE COMMAND...: poll, or die showing the tail of the log.
wait_until() {
  local secs=$1 pid=$2 what=$3 logfile=$4 rc=0
  shift 4
  poll "$secs" "$pid" "$@" || rc=$?
  [ "$rc" = 0 ] && return 0
  tail -n 30 "$logfile" >&2 2>/dev/null || true
  [ "$rc" = 2 ] && die "$what exited before it was ready (log above: $logfile)"
  die "$what not ready after ${secs}s (log above: $logfile)"
}

# CPU accounting, because 2 shared cores make wall time alone fragile: CPU seconds of this
# shell's reaped children (clients: rspamc, java, bogofilter, spamc) and of live server
# processes with their direct children (rspamd workers, redis, spamd children).
# client_cpu sets REPLY; it must run in this shell, not in a $(...) subshell, for `times` to see.
client_cpu() {
  times >"$work/times"
  REPLY=$(sed -n 2p "$work/times" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] } printf "%.2f", n }')
}
server_cpu() {
  # A process may end between the glob and the read: cat then fails, and that is fine.
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v roots=" $* " -v hz="$(getconf CLK_TCK)" '
    { pid = $1; sub(/^.*\) /, ""); split($0, f, " ")  # f[2] ppid, f[12] utime, f[13] stime
      if (index(roots, " " pid " ") || index(roots, " " f[2] " ")) t += f[12] + f[13] }
    END { printf "%.2f", t / hz }'
}
cpu_delta() { awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { printf "%.2f", (b - a) + (d - c) }'; }

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
pick_jdk() { # the same choice as .ci/run: JAVA_HOME or the newest JDK 21+ under /usr/lib/jvm
  local candidates=() d v best="" best_v=0
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for d in /usr/lib/jvm/*; do [ -x "$d/bin/java" ] && candidates+=("$d"); done
  for d in "${candidates[@]}"; do
    v=$(java_major "$d" || echo 0)
    if [ "${v%%.*}" -ge 21 ] 2>/dev/null && [ "${v%%.*}" -gt "$best_v" ]; then best="$d"; best_v="${v%%.*}"; fi
  done
  echo "$best"
}

# A private Postfix instance's master.cf services besides its smtpd lines (chroot off for each,
# as a test instance needs; see SERVERS.md of the shared docs).
postfix_services() {
  cat <<'EOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# postfix prints its errors only to a terminal (else to a syslog that is not there): `script`
# gives it one, so a refused config says why. $1: the instance's config directory.
postfix_cmd() { script -qec "postfix -c $1 ${*:2}" /dev/null; }
postfix_check() {
  postfix_cmd "$1" check >"$1/../check.out" 2>&1 || { cat "$1/../check.out" >&2; die "postfix check refused the private config (above)"; }
}
