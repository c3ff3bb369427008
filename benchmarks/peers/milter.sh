#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Milter latency and throughput through real Postfix: a private Postfix instance relays to
# smtp-sink, fed by smtp-source at 1 and 32 concurrent SMTP sessions, with no milter, with
# Rspamd's milter (its proxy worker, network checks off) and with mailfilter's milter over TCP
# and over a Unix socket, all in one run on one Postfix. Each cell is repeated and the median
# printed as a Markdown table. Every server runs from a private config in a temp folder on
# 127.0.0.1 and free ports, and is stopped by PID on exit. See benchmarks/peers/README.md.
#
# Usage: benchmarks/peers/milter.sh [--repeat N] [--messages-1 N] [--messages-32 N] [--warmup N]
#                                   [--sessions LIST] [--message FILE] [--no-rspamd]
#                                   [--no-sa-rules] [--baseline JAR] [--capture DIR]
# Env:   MAILFILTER_CORPORA  corpora folder (default: ../shared/corpora beside the checkout)
#        MAILFILTER_PEERS_KEEP  if set, keep the temp folder (configs, logs) for a look
#        MAILFILTER_JAR      the jar whose `milter` command runs (default: filter-cli/target/mailfilter.jar)
#        MAILFILTER_JAVA_OPTS  more JVM options for bin/mailfilter
#        MAILFILTER_MILTER   another command for mailfilter's milter rows, to which the script
#                            appends --listen ADDRESS (default: bin/mailfilter milter)
#        JAVA_HOME           a JDK 21+ (otherwise what bin/mailfilter finds)
set -Eeuo pipefail
exec </dev/null
# A command that fails where the script does not expect it stops the run: say which, never exit
# silently.
trap 'echo "milter.sh: line $LINENO: \"$BASH_COMMAND\" failed (exit $?); stopping" >&2' ERR

usage() {
  cat <<'EOF'
usage: milter.sh [--repeat N] [--messages-1 N] [--messages-32 N] [--warmup N] [--sessions LIST]
                 [--message FILE] [--no-rspamd] [--no-sa-rules] [--baseline JAR] [--capture DIR]
  --repeat N        timed runs per cell; the table shows the median (default 3)
  --messages-1 N    messages per run with one session (default 300)
  --messages-32 N   messages per run with more sessions (default 1000)
  --warmup N        untimed messages per configuration before the timed runs, at the highest
                    session count (default 1000; and 50 at the lowest); mailfilter's JVM rows
                    repeat such batches until two agree within 5% in milter CPU (3 to 10)
  --sessions LIST   concurrent SMTP sessions, comma-separated (default 1,32)
  --message FILE    the message smtp-source sends (default: the median-size easy_ham message)
  --no-rspamd       leave Rspamd out (a quicker run of the other rows)
  --no-sa-rules     mailfilter's milters load no SpamAssassin rules even where Debian's
                    spamassassin package is installed (by default they load its rule set, as a
                    user's would: the rows then time the rules, issue 13's own speed goal)
  --baseline JAR    also run that jar's milter (TCP and Unix socket rows, "baseline"), in the
                    same rounds: a before/after comparison within one run
  --capture DIR     after the timed runs, capture 20 messages of one session on each TCP milter
                    port (tcpdump -i lo) into DIR, and list the stalls found in them
env: MAILFILTER_CORPORA, MAILFILTER_JAR, MAILFILTER_JAVA_OPTS, JAVA_HOME, MAILFILTER_MILTER
     (a command to run instead of `bin/mailfilter milter`; --listen ADDRESS is appended),
     MAILFILTER_PEERS_KEEP=1 (keep the temp folder)
EOF
}

repeat=3
messages_1=300
messages_n=1000
warmup=1000
max_warm_batches=10
warm_cpu=0
sessions_list=1,32
message=""
with_rspamd=1
sa_rules=1
baseline=""
capture=""
bad() { echo "milter.sh: $*" >&2; usage >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat | --messages-1 | --messages-32 | --warmup | --sessions | --message | --capture | --baseline)
      [ $# -ge 2 ] || bad "$1 needs a value"
      case "$1" in
        --repeat) repeat=$2 ;;
        --messages-1) messages_1=$2 ;;
        --messages-32) messages_n=$2 ;;
        --warmup) warmup=$2 ;;
        --sessions) sessions_list=$2 ;;
        --message) message=$2 ;;
        --capture) capture=$2 ;;
        --baseline) baseline=$2 ;;
      esac
      shift
      ;;
    --no-rspamd) with_rspamd=0 ;;
    --no-sa-rules) sa_rules=0 ;;
    -h | --help) usage; exit 0 ;;
    *) bad "unknown argument '$1'" ;;
  esac
  shift
done
for v in "$repeat" "$messages_1" "$messages_n" "$warmup"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || bad "--repeat, --messages-1, --messages-32 and --warmup need a positive integer, got '$v'"
done
[[ "$sessions_list" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || bad "--sessions needs positive integers separated by commas, got '$sessions_list'"
IFS=, read -r -a sessions <<<"$sessions_list"
mapfile -t sessions < <(printf '%s\n' "${sessions[@]}" | sort -nu)
for s in "${sessions[@]}"; do [ "$s" -le 500 ] || bad "--sessions: $s is more than the 500 this Postfix allows"; done
[ -z "$message" ] || [ -f "$message" ] || bad "--message: no such file '$message'"
[ -z "$baseline" ] || [ -f "$baseline" ] || bad "--baseline: no such jar '$baseline'"
[ -z "$baseline" ] || baseline=$(cd "$(dirname "$baseline")" && pwd)/$(basename "$baseline")

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
prog=milter.sh
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=lib/rspamd.sh
. "$here/lib/rspamd.sh"

[ "$(id -u)" = 0 ] || die "run it as root: Postfix's master and its smtpd processes need it"
need postfix postfix
need smtp-source postfix
need smtp-sink postfix
need python3 python3
need timeout coreutils
if [ "$with_rspamd" = 1 ]; then
  need rspamd rspamd
  need rspamc rspamd
  need redis-server redis-server
  need redis-cli redis-tools
  need curl curl
fi
if [ -n "$capture" ]; then
  need tcpdump tcpdump
  mkdir -p "$capture" || die "--capture: cannot create folder '$capture'"
  capture=$(cd "$capture" && pwd)
fi
id postfix >/dev/null 2>&1 || die "user postfix missing (reinstall the postfix package)"

if [ -z "$message" ]; then
  corpora=${MAILFILTER_CORPORA:-$here/../../../shared/corpora}
  ham="$corpora/spamassassin-public-corpus/easy_ham"
  [ -d "$ham" ] || die "corpus folder $ham is missing (set MAILFILTER_CORPORA, or pass --message FILE)"
  # The median-size ham message: a typical message that every filter accepts.
  message=$(find "$ham" -maxdepth 1 -type f -printf '%s %p\n' | LC_ALL=C sort -k1,1n -k2 |
    awk '{ a[NR] = $2 } END { if (NR) print a[int((NR + 1) / 2)] }')
  [ -n "$message" ] || die "no messages in $ham"
fi
message=$(cd "$(dirname "$message")" && pwd)/$(basename "$message")

peers_workdir
log "$(nproc) cores; load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
log "message: $message ($(wc -c <"$message") bytes, sent by smtp-source -F, one message per SMTP session)"

########################################################################################
# The milters.
########################################################################################
configs=(none)
declare -A label milter_of cpu_pids
label[none]="no milter"
milter_of[none]=""
cpu_pids[none]=""

if [ "$with_rspamd" = 1 ]; then
  rspamd_start "$work/rspamd" --milter
  configs+=(rspamd)
  label[rspamd]="Rspamd $(rspamd --version 2>/dev/null | sed -n 's/.*version \([0-9.]*\).*/\1/p') milter (proxy + 2 normal workers), TCP"
  milter_of[rspamd]="inet:127.0.0.1:$rspamd_milter_port"
  cpu_pids[rspamd]="$rspamd_pid $redis_pid"
fi

skipped_note=""
# start_mailfilter NAME LISTEN [JAR]: `bin/mailfilter milter --listen LISTEN` from this checkout
# (on JAR if given), as a user runs it (embedded default configuration), or MAILFILTER_MILTER;
# waits until it accepts connections.
start_mailfilter() {
  local listen=$2 m="$work/$1" jar=${3:-${MAILFILTER_JAR:-}}
  mkdir -p "$m"
  env MAILFILTER_CLASS_CACHE="$m/classes" MAILFILTER_JAR="$jar" "${mf_cmd[@]}" --listen "$listen" >"$m/out.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  case $listen in
    inet:*)
      # shellcheck disable=SC2016 # $1 is for the inner bash
      wait_until 60 "$pid" "mailfilter milter ($listen)" "$m/out.log" \
        bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "${listen##*:}"
      ;;
    unix:*)
      wait_until 60 "$pid" "mailfilter milter ($listen)" "$m/out.log" test -S "${listen#unix:}"
      # smtpd runs as postfix and must be able to connect.
      chmod 666 "${listen#unix:}"
      ;;
  esac
  mf_pid=$pid
}

mf_jar=${MAILFILTER_JAR:-$root/filter-cli/target/mailfilter.jar}
mf_jdk=$(pick_jdk)
mf_cmd=("$root/bin/mailfilter" milter)
if [ -n "${MAILFILTER_MILTER:-}" ]; then
  read -r -a mf_cmd <<<"$MAILFILTER_MILTER"
  log "mailfilter's milter rows run: ${mf_cmd[*]} --listen ADDRESS (MAILFILTER_MILTER)"
elif [ -z "$mf_jdk" ]; then
  skipped_note="mailfilter: skipped, no JDK 21+ in JAVA_HOME or /usr/lib/jvm"
elif [ ! -f "$mf_jar" ]; then
  skipped_note="mailfilter: skipped, $mf_jar is missing (build it: ./mvnw -q -B -DskipTests package)"
else
  export JAVA_HOME="$mf_jdk" MAILFILTER_JAR="$mf_jar"
  rc=0
  MAILFILTER_CLASS_CACHE=off timeout 60 "$root/bin/mailfilter" milter --help >"$work/milter-help.out" 2>&1 || rc=$?
  if grep -qi 'unknown command' "$work/milter-help.out"; then
    skipped_note="mailfilter: skipped, this jar has no 'milter' command yet ($(head -n1 "$work/milter-help.out"))"
  elif [ "$rc" != 0 ]; then
    cat "$work/milter-help.out" >&2
    die "bin/mailfilter milter --help failed with exit $rc (above)"
  fi
fi
if [ -z "$skipped_note" ]; then
  # Which checks the rows run: the embedded defaults, plus Debian's SpamAssassin rule set where it
  # is installed, unless --no-sa-rules.
  if [ "$sa_rules" = 0 ]; then
    export MAILFILTER_JAVA_OPTS="${MAILFILTER_JAVA_OPTS:+$MAILFILTER_JAVA_OPTS }-Dmailfilter.spamassassin.default_paths=none"
    log "mailfilter: the embedded default checks, no SpamAssassin rules (--no-sa-rules)"
  elif [ -d /usr/share/spamassassin ] || [ -d /etc/spamassassin ]; then
    log "mailfilter: the embedded default checks and the SpamAssassin rules under /usr/share/spamassassin" \
      "and /etc/spamassassin (--no-sa-rules leaves them out)"
  else
    log "mailfilter: the embedded default checks (no SpamAssassin rules installed)"
  fi
  read -r p_mf < <(free_ports tcp)
  log "starting mailfilter milter (JDK ${mf_jdk:-?}) on inet:127.0.0.1:$p_mf and unix:$work/mf-unix/milter.sock"
  start_mailfilter mf-inet "inet:127.0.0.1:$p_mf"
  configs+=(mf-inet)
  label[mf-inet]="mailfilter milter, TCP"
  milter_of[mf-inet]="inet:127.0.0.1:$p_mf"
  cpu_pids[mf-inet]=$mf_pid
  mkdir -p "$work/mf-unix"
  start_mailfilter mf-unix "unix:$work/mf-unix/milter.sock"
  configs+=(mf-unix)
  label[mf-unix]="mailfilter milter, Unix socket"
  milter_of[mf-unix]="unix:$work/mf-unix/milter.sock"
  cpu_pids[mf-unix]=$mf_pid
  if [ -n "$baseline" ]; then
    read -r p_base < <(free_ports tcp)
    log "starting the baseline milter ($baseline) on inet:127.0.0.1:$p_base and unix:$work/base-unix/milter.sock"
    start_mailfilter mf-base-inet "inet:127.0.0.1:$p_base" "$baseline"
    configs+=(mf-base-inet)
    label[mf-base-inet]="baseline milter, TCP"
    milter_of[mf-base-inet]="inet:127.0.0.1:$p_base"
    cpu_pids[mf-base-inet]=$mf_pid
    mkdir -p "$work/base-unix"
    start_mailfilter mf-base-unix "unix:$work/base-unix/milter.sock" "$baseline"
    configs+=(mf-base-unix)
    label[mf-base-unix]="baseline milter, Unix socket"
    milter_of[mf-base-unix]="unix:$work/base-unix/milter.sock"
    cpu_pids[mf-base-unix]=$mf_pid
  fi
fi
[ -z "$skipped_note" ] || log "$skipped_note"

########################################################################################
# smtp-sink and a private Postfix, one smtpd port per configuration.
########################################################################################
read -r p_sink < <(free_ports tcp)
log "starting smtp-sink on 127.0.0.1:$p_sink"
smtp-sink -u nobody "127.0.0.1:$p_sink" 1000 >"$work/sink.log" 2>&1 &
sink_pid=$!
pids+=("$sink_pid")
# shellcheck disable=SC2016 # $1 is for the inner bash
wait_until 20 "$sink_pid" smtp-sink "$work/sink.log" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$p_sink"

P="$work/postfix"
mkdir -p "$P/etc" "$P/queue" "$P/data"
chown postfix "$P/data"
declare -A port_of
for c in "${configs[@]}"; do read -r "port_of[$c]" < <(free_ports tcp); done
cat >"$P/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $P/queue
data_directory = $P/data
mail_owner = postfix
myhostname = bench.mailfilter.test
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
relayhost = [127.0.0.1]:$p_sink
smtp_dns_support_level = disabled
maillog_file = $P/maillog
maillog_file_prefixes = $P
default_process_limit = 600
biff = no
milter_protocol = 6
milter_default_action = tempfail
EOF
{
  for c in "${configs[@]}"; do
    # Services differ only in their milter; syslog_name tells their log lines apart.
    printf '127.0.0.1:%s inet n - n - - smtpd -o syslog_name=postfix-%s -o smtpd_milters=%s\n' \
      "${port_of[$c]}" "$c" "${milter_of[$c]}"
  done
  postfix_services
} >"$P/etc/master.cf"

postfix_check "$P/etc"
log "starting postfix (smtpd ports: $(for c in "${configs[@]}"; do printf '%s :%s, ' "$c" "${port_of[$c]}"; done | sed 's/, $//'))"
postfix -c "$P/etc" start-fg >"$P/start.out" 2>&1 &
postfix_pid=$!
pids+=("$postfix_pid")
for c in "${configs[@]}"; do
  # shellcheck disable=SC2016 # $1 is for the inner bash
  wait_until 30 "$postfix_pid" "postfix smtpd :${port_of[$c]}" "$P/maillog" \
    bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "${port_of[$c]}"
done

# before_cleanup (lib/common.sh): `postfix stop` first (master stops its children), then the PID as for any server.
before_cleanup() { postfix_cmd "$P/etc" stop >/dev/null 2>&1 || true; stop "$postfix_pid"; }


########################################################################################
# Checks before timing: every port takes a clean message, and every milter port refuses GTUBE
# at the end of data, so each row really runs its milter on the whole message.
########################################################################################
gtube="$work/gtube.eml"
printf '%s\n' 'From: bench@example.com' 'To: sink@example.net' 'Subject: GTUBE' \
  'Message-ID: <gtube@bench.mailfilter.test>' '' \
  'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X' >"$gtube"
# send PORT FILE: one SMTP transaction; prints "accepted" or "refused CODE TEXT".
send() {
  timeout 120 python3 - "$1" "$2" <<'PY'
import smtplib, sys
port, path = int(sys.argv[1]), sys.argv[2]
with smtplib.SMTP("127.0.0.1", port, timeout=100) as s:
    try:
        s.sendmail("bench@example.com", ["sink@example.net"], open(path, "rb").read())
        print("accepted")
    except smtplib.SMTPResponseException as e:
        print("refused", e.smtp_code, e.smtp_error.decode("utf-8", "replace"))
PY
}
for c in "${configs[@]}"; do
  got=$(send "${port_of[$c]}" "$message") || die "could not send a message to the $c port (${port_of[$c]})"
  [ "$got" = accepted ] || die "${label[$c]}: the clean message was not accepted: $got (see $P/maillog)"
  got=$(send "${port_of[$c]}" "$gtube") || die "could not send GTUBE to the $c port (${port_of[$c]})"
  if [ "$c" = none ]; then
    [ "$got" = accepted ] || die "no milter: GTUBE was not accepted: $got"
  else
    [[ "$got" == "refused 5"* ]] || die "${label[$c]}: GTUBE was not refused, so the milter does not see the message: $got"
    log "${label[$c]}: GTUBE $got"
  fi
done

########################################################################################
# The timed runs.
########################################################################################
queue_files() { find "$P/queue/incoming" "$P/queue/active" "$P/queue/deferred" "$P/queue/maildrop" -type f 2>/dev/null | wc -l; }
queue_empty() { [ "$(queue_files)" = 0 ]; }
# drain: wait until Postfix has relayed everything to smtp-sink, so every run starts on an
# empty queue.
drain() {
  poll 300 "$postfix_pid" queue_empty || {
    tail -n 20 "$P/maillog" >&2
    die "Postfix's queue still holds $(queue_files) messages after 300 s (log above)"
  }
}
# accepted CONFIG FROM-LINE: messages the CONFIG smtpd queued, in maillog lines after FROM-LINE.
accepted() { tail -n "+$2" "$P/maillog" | grep -c "postfix-$1/smtpd\[[0-9]*\]: [0-9A-F]*: client=" || true; }

declare -A secs_of cpu_of pf_cpu_of
loads=()
# postfix_cpu: CPU seconds of Postfix's master, of its children that ended (the master reaps
# them: cutime, cstime) and of its live children (smtpd, cleanup, qmgr, smtp), so that a run's
# delta is Postfix's CPU for it whatever process ended in between.
postfix_cpu() {
  local m
  m=$(tr -d ' ' <"$P/queue/pid/master.pid" 2>/dev/null) || true
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v m="${m:-none}" -v hz="$(getconf CLK_TCK)" '
    { pid = $1; sub(/^.*\) /, ""); split($0, f, " ")  # f[2] ppid, f[12] utime, f[13] stime, f[14] cutime, f[15] cstime
      if (pid == m) t += f[12] + f[13] + f[14] + f[15]; else if (f[2] == m) t += f[12] + f[13] }
    END { printf "%.2f", t / hz }'
}
# run CONFIG SESSIONS COUNT [warm]: one smtp-source run; records wall and milter CPU seconds
# unless warm.
run() {
  local c=$1 s=$2 n=$3 warm=${4:-} from t0 t1 c0 c1 p0 p1 rc=0 got
  drain
  from=$(($(wc -l <"$P/maillog") + 1))
  [ -n "$warm" ] || loads+=("$(cut -d' ' -f1 /proc/loadavg)")
  # shellcheck disable=SC2086 # a list of PIDs
  c0=$(server_cpu ${cpu_pids[$c]})
  p0=$(postfix_cpu)
  t0=$(now)
  fg_job -t 900 smtp-source -s "$s" -m "$n" -F "$message" -f bench@example.com -t sink@example.net \
    "127.0.0.1:${port_of[$c]}" >"$work/source.out" 2>&1 || rc=$?
  t1=$(now)
  # shellcheck disable=SC2086 # a list of PIDs
  c1=$(server_cpu ${cpu_pids[$c]})
  p1=$(postfix_cpu)
  if [ "$rc" != 0 ]; then
    cat "$work/source.out" >&2
    tail -n 20 "$P/maillog" >&2
    die "smtp-source -s $s -m $n to ${label[$c]} failed with exit $rc (output and Postfix log above)"
  fi
  drain
  # postlogd writes the log a moment later: give it a few seconds to catch up.
  local deadline=$(($(date +%s) + 10))
  until got=$(accepted "$c" "$from"); [ "$got" -ge "$n" ] || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.2; done
  if [ "$got" -lt "$n" ] || tail -n "+$from" "$P/maillog" | grep -q "postfix-$c/.*\(warning\|reject\|milter-\)"; then
    tail -n "+$from" "$P/maillog" | grep "postfix-$c/.*\(warning\|reject\|milter-\)" | head -n 20 >&2 || true
    die "${label[$c]}, $s sessions: Postfix queued $got of $n messages, or logged the warnings above ($P/maillog)"
  fi
  warm_cpu=$(cpu_delta "$c0" "$c1" 0 0)
  [ -z "$warm" ] || return 0
  secs_of[$c/$s]+="$(elapsed "$t0" "$t1") "
  cpu_of[$c/$s]+="$(cpu_delta "$c0" "$c1" 0 0) "
  pf_cpu_of[$c/$s]+="$(cpu_delta "$p0" "$p1" 0 0) "
  log "$(printf '%-52s %3d sessions: %5d messages in %6s s (milter CPU %s s, Postfix CPU %s s)' "${label[$c]}" "$s" "$n" \
    "$(elapsed "$t0" "$t1")" "$(cpu_delta "$c0" "$c1" 0 0)" "$(cpu_delta "$p0" "$p1" 0 0)")"
}
count_for() { if [ "$1" = 1 ]; then echo "$messages_1"; else echo "$messages_n"; fi; }

# A daemon runs for days: time it warm (JIT, pools, Postfix's smtpd processes), not starting.
# The JVM rows warm up to C2's steady state: batches of $warmup messages until the milter CPU of
# two successive batches agrees within 5% (at least 3 batches, at most $max_warm_batches).
log "warming up (untimed): every configuration, $warmup messages at ${sessions[-1]} sessions, 50 at ${sessions[0]};" \
  "mailfilter's in batches of $warmup until the milter CPU of two agrees within 5%"
for c in "${configs[@]}"; do
  run "$c" "${sessions[-1]}" "$warmup" warm
  if [[ "$c" == mf-* ]]; then
    prev=$warm_cpu b=1
    while :; do
      run "$c" "${sessions[-1]}" "$warmup" warm
      b=$((b + 1))
      log "$(printf '%-52s warm-up batch %d: milter CPU %s s (before: %s s)' "${label[$c]}" "$b" "$warm_cpu" "$prev")"
      if [ "$b" -ge 3 ] && awk -v a="$prev" -v b="$warm_cpu" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.05 * a) }'; then
        break
      fi
      if [ "$b" -ge "$max_warm_batches" ]; then
        log "${label[$c]}: no steady state after $b warm-up batches; timing it anyway"
        break
      fi
      prev=$warm_cpu
    done
  fi
  run "$c" "${sessions[0]}" 50 warm
done
for r in $(seq 1 "$repeat"); do
  log "round $r of $repeat; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  # Configurations alternate within a round, so that other jobs on the machine weigh on all.
  for s in "${sessions[@]}"; do
    for c in "${configs[@]}"; do run "$c" "$s" "$(count_for "$s")"; done
  done
done

########################################################################################
# Packet captures (--capture): where the time goes in one session, milter by milter.
########################################################################################
if [ -n "$capture" ]; then
  for c in "${configs[@]}"; do
    [[ "${milter_of[$c]}" == inet:* ]] || continue
    mport=${milter_of[$c]##*:}
    log "capturing 20 messages of one session on ${label[$c]} (milter port $mport)"
    tcpdump -i lo -U -w "$capture/$c.pcap" "tcp port $mport" >"$capture/$c.tcpdump.log" 2>&1 &
    tcpdump_pid=$!
    pids+=("$tcpdump_pid")
    wait_until 20 "$tcpdump_pid" tcpdump "$capture/$c.tcpdump.log" grep -q 'listening on' "$capture/$c.tcpdump.log"
    run "$c" 1 20 warm
    sleep 0.5
    stop "$tcpdump_pid"
    python3 "$here/lib/milter_gaps.py" "$capture/$c.pcap" "$mport" >"$capture/$c.gaps.txt" ||
      die "could not read the capture $capture/$c.pcap"
    log "${label[$c]}: $(sed -n '/connections; median/,$p' "$capture/$c.gaps.txt")"
  done
  log "captures and their stalls: $capture/*.pcap, $capture/*.gaps.txt"
fi

########################################################################################
# The table: medians.
########################################################################################
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
load_range=$(printf '%s\n' "${loads[@]}" | sort -g | sed -n '1p;$p' | paste -sd- -)
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, 1-minute load average $load_range at the" \
  "start of the runs; median of $repeat runs per cell; smtp-source -F $(basename "$message")" \
  "($(wc -c <"$message") bytes), one message per SMTP session"
echo
echo "| milter | sessions | messages per run | messages/s | ms per message in a session | added ms per message over no milter | milter CPU ms per message | Postfix CPU ms per message |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
declare -A rate_of ms_of
for s in "${sessions[@]}"; do
  n=$(count_for "$s")
  for c in "${configs[@]}"; do
    sec=$(median "${secs_of[$c/$s]}")
    cpu=$(median "${cpu_of[$c/$s]}")
    rate_of[$c/$s]=$(awk -v n="$n" -v t="$sec" 'BEGIN { printf "%.1f", n / t }')
    # A session sends its messages one after another, so wall time times sessions over messages
    # is the time one message takes in a session, from connect to QUIT.
    ms_of[$c/$s]=$(awk -v n="$n" -v t="$sec" -v s="$s" 'BEGIN { printf "%.2f", t * 1000 * s / n }')
    added=$(awk -v a="${ms_of[$c/$s]}" -v b="${ms_of[none/$s]}" -v c="$c" 'BEGIN { if (c == "none") print "-"; else printf "%+.2f", a - b }')
    cpums=$(awk -v n="$n" -v t="$cpu" -v c="$c" 'BEGIN { if (c == "none") print "-"; else printf "%.2f", t * 1000 / n }')
    pfms=$(awk -v n="$n" -v t="$(median "${pf_cpu_of[$c/$s]}")" 'BEGIN { printf "%.2f", t * 1000 / n }')
    echo "| ${label[$c]} | $s | $n | ${rate_of[$c/$s]} | ${ms_of[$c/$s]} | $added | $cpums | $pfms |"
  done
done
echo
echo "Milter CPU: the milter's processes (Rspamd: main, proxy and normal workers, Redis; mailfilter: its JVM)."
echo "Postfix CPU: its master and every child (smtpd, cleanup, qmgr, smtp), the ended ones included."
[ -z "$skipped_note" ] || echo "$skipped_note"

# The goals of issue 11, for the rows this run has; exit 1 if one is missed.
goals_failed=0
lo=${sessions[0]}
hi=${sessions[${#sessions[@]} - 1]}
if [ -n "${ms_of[mf-inet/$lo]:-}" ]; then
  echo
  for c in mf-inet mf-unix; do
    verdict=$(awk -v a="${ms_of[$c/$lo]}" -v b="${ms_of[none/$lo]}" 'BEGIN { d = a - b; printf "%+.2f ms: %s", d, (d <= 1.5) ? "met" : "MISSED" }')
    echo "- Goal, ${label[$c]}, $lo session(s): at most 1.5 ms added per message: $verdict"
    [[ "$verdict" == *met ]] || goals_failed=1
  done
  if [ -n "${rate_of[rspamd/$hi]:-}" ]; then
    verdict=$(awk -v a="${rate_of[mf-inet/$hi]}" -v b="${rate_of[rspamd/$hi]}" 'BEGIN { r = a / b; printf "%.2fx: %s", r, (r >= 2) ? "met" : "MISSED" }')
    echo "- Goal, ${label[mf-inet]}, $hi sessions: at least 2x Rspamd's messages/s: $verdict"
    [[ "$verdict" == *met ]] || goals_failed=1
  fi
  verdict=$(awk -v a="${rate_of[mf-inet/$hi]}" -v b="${rate_of[none/$hi]}" 'BEGIN { r = a / b; printf "%.2fx: %s", r, (r >= 0.5) ? "met" : "MISSED" }')
  echo "- Goal, ${label[mf-inet]}, $hi sessions: at least half of no milter's messages/s: $verdict"
  [[ "$verdict" == *met ]] || goals_failed=1
fi
exit "$goals_failed"
