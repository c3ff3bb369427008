#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The SMTP gateway against Postfix's own smtpd: messages per second and p50/p99 latency per
# message, through `mailfilter smtp` (filtering on, default configuration, relaying before the
# queue to smtp-sink) and through a private Postfix that queues and relays to the same smtp-sink
# (relayhost), the same real corpus messages, at 1 and 32 concurrent sessions, one run each after
# a warm-up. The timing client is testkit's SmtpTimer (compiled here with javac; smtp-source gives
# only totals). Every server runs from a private config in a temp folder on 127.0.0.1 and free
# ports, and is stopped by PID on exit. See benchmarks/peers/README.md.
#
# Usage: benchmarks/peers/smtp.sh [--messages-1 N] [--messages-32 N] [--warmup N]
#                                 [--sessions LIST] [--corpus-messages N]
# Env:   MAILFILTER_CORPORA  corpora folder (default: ../shared/corpora beside the checkout)
#        MAILFILTER_PEERS_KEEP  if set, keep the temp folder (configs, logs) for a look
#        MAILFILTER_JAR      the jar whose `smtp` command runs (default: filter-cli/target/mailfilter.jar)
#        MAILFILTER_JAVA_OPTS  more JVM options for bin/mailfilter
#        JAVA_HOME           a JDK 21+ (otherwise the newest under /usr/lib/jvm)
set -Eeuo pipefail
exec </dev/null
# A command that fails where the script does not expect it stops the run: say which, never exit
# silently.
trap 'echo "smtp.sh: line $LINENO: \"$BASH_COMMAND\" failed (exit $?); stopping" >&2' ERR

usage() {
  cat <<'EOF'
usage: smtp.sh [--messages-1 N] [--messages-32 N] [--warmup N] [--sessions LIST]
               [--corpus-messages N]
  --messages-1 N       timed messages with one session (default 300)
  --messages-32 N      timed messages with more sessions (default 2000)
  --warmup N           untimed messages per server before the timed runs, at the highest session
                       count (default 1000; and 50 at the lowest); the gateway repeats such
                       batches until its CPU of two agrees within 5% (3 to 10 batches)
  --sessions LIST      concurrent SMTP sessions, comma-separated (default 1,32)
  --corpus-messages N  how many easy_ham messages, around the median size, are sent in turn
                       (default 5)
env: MAILFILTER_CORPORA, MAILFILTER_JAR, MAILFILTER_JAVA_OPTS, JAVA_HOME,
     MAILFILTER_PEERS_KEEP=1 (keep the temp folder)
EOF
}

messages_1=300
messages_n=2000
warmup=1000
max_warm_batches=10
warm_cpu=0
sessions_list=1,32
corpus_count=5
bad() { echo "smtp.sh: $*" >&2; usage >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --messages-1 | --messages-32 | --warmup | --sessions | --corpus-messages)
      [ $# -ge 2 ] || bad "$1 needs a value"
      case "$1" in
        --messages-1) messages_1=$2 ;;
        --messages-32) messages_n=$2 ;;
        --warmup) warmup=$2 ;;
        --sessions) sessions_list=$2 ;;
        --corpus-messages) corpus_count=$2 ;;
      esac
      shift
      ;;
    -h | --help) usage; exit 0 ;;
    *) bad "unknown argument '$1'" ;;
  esac
  shift
done
for v in "$messages_1" "$messages_n" "$warmup" "$corpus_count"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || bad "--messages-1, --messages-32, --warmup and --corpus-messages need a positive integer, got '$v'"
done
[[ "$sessions_list" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || bad "--sessions needs positive integers separated by commas, got '$sessions_list'"
IFS=, read -r -a sessions <<<"$sessions_list"
mapfile -t sessions < <(printf '%s\n' "${sessions[@]}" | sort -nu)
# The gateway's default limit is 50 connections per client address, Postfix's here 500 smtpd.
for s in "${sessions[@]}"; do [ "$s" -le 50 ] || bad "--sessions: $s is more than the gateway's 50 per client address"; done

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
prog=smtp.sh
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"

[ "$(id -u)" = 0 ] || die "run it as root: Postfix's master and its smtpd processes need it"
need postfix postfix
need smtp-sink postfix
need python3 python3
need timeout coreutils
need script bsdutils
id postfix >/dev/null 2>&1 || die "user postfix missing (reinstall the postfix package)"

jdk=$(pick_jdk)
[ -n "$jdk" ] || die "no JDK 21+ in JAVA_HOME or /usr/lib/jvm"
[ -x "$jdk/bin/javac" ] || die "$jdk has no javac: the timing client is compiled here; install a JDK, not a JRE"
mf_jar=${MAILFILTER_JAR:-$root/filter-cli/target/mailfilter.jar}
[ -f "$mf_jar" ] || die "$mf_jar is missing (build it: ./mvnw -q -B -DskipTests package)"
export JAVA_HOME="$jdk" MAILFILTER_JAR="$mf_jar"

corpora=${MAILFILTER_CORPORA:-$here/../../../shared/corpora}
ham="$corpora/spamassassin-public-corpus/easy_ham"
[ -d "$ham" ] || die "corpus folder $ham is missing (set MAILFILTER_CORPORA)"

peers_workdir
log "$(nproc) cores; load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

# The messages: the N easy_ham messages around the median size (typical mail every filter
# accepts), without the mbox "From " line the corpus files start with.
mkdir -p "$work/messages"
mapfile -t picked < <(find "$ham" -maxdepth 1 -type f -printf '%s %p\n' | LC_ALL=C sort -k1,1n -k2 |
  awk -v n="$corpus_count" '{ a[NR] = $2 } END { s = int((NR - n) / 2); if (s < 0) s = 0; for (i = s + 1; i <= s + n && i <= NR; i++) print a[i] }')
[ "${#picked[@]}" -gt 0 ] || die "no messages in $ham"
messages=()
for f in "${picked[@]}"; do
  out="$work/messages/$(basename "$f")"
  sed '1{/^From /d}' "$f" >"$out"
  messages+=("$out")
done
log "messages: ${#messages[@]} from $ham, $(cat "${messages[@]}" | wc -c) bytes in all, sent in turn, one per SMTP session"

# The timing client: testkit's SmtpTimer and SmtpClient, JDK only.
kit="$root/testkit/src/main/java/dev/mailfilter/testkit"
"$jdk/bin/javac" -nowarn -d "$work/timer" "$kit/SmtpClient.java" "$kit/SmtpTimer.java" >"$work/javac.log" 2>&1 ||
  { cat "$work/javac.log" >&2; die "could not compile the timing client (above)"; }
# An array, not a function: fg_job runs it under `timeout`.
timer=("$jdk/bin/java" -XX:+UseSerialGC -cp "$work/timer" dev.mailfilter.testkit.SmtpTimer)

########################################################################################
# smtp-sink, the gateway and a private Postfix, both relaying to that smtp-sink.
########################################################################################
read -r p_sink p_gw p_pf < <(free_ports tcp tcp tcp)
log "starting smtp-sink on 127.0.0.1:$p_sink"
smtp-sink -u nobody "127.0.0.1:$p_sink" 1000 >"$work/sink.log" 2>&1 &
sink_pid=$!
pids+=("$sink_pid")
# shellcheck disable=SC2016 # $1 is for the inner bash
wait_until 20 "$sink_pid" smtp-sink "$work/sink.log" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$p_sink"

mkdir -p "$work/gw"
cat >"$work/gw/mailfilter.yaml" <<EOF
domains:
  sink.test:
    route: {host: 127.0.0.1, port: $p_sink, tls: none}
smtp:
  host_name: gw.bench.mailfilter.test
EOF
log "starting mailfilter smtp (JDK $jdk) on 127.0.0.1:$p_gw: default configuration, the domain sink.test relayed to smtp-sink"
"$root/bin/mailfilter" smtp --listen "127.0.0.1:$p_gw" --config "$work/gw/mailfilter.yaml" >"$work/gw/out.log" 2>&1 &
gw_pid=$!
pids+=("$gw_pid")
# shellcheck disable=SC2016 # $1 is for the inner bash
wait_until 60 "$gw_pid" "mailfilter smtp" "$work/gw/out.log" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$p_gw"

P="$work/postfix"
mkdir -p "$P/etc" "$P/queue" "$P/data"
chown postfix "$P/data"
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
EOF
{
  printf '127.0.0.1:%s inet n - n - - smtpd\n' "$p_pf"
  postfix_services
} >"$P/etc/master.cf"

postfix_check "$P/etc"
log "starting postfix $(postconf -d -h mail_version 2>/dev/null || echo '?') on 127.0.0.1:$p_pf, relayhost [127.0.0.1]:$p_sink"
postfix -c "$P/etc" start-fg >"$P/start.out" 2>&1 &
postfix_pid=$!
pids+=("$postfix_pid")
# shellcheck disable=SC2016 # $1 is for the inner bash
wait_until 30 "$postfix_pid" "postfix smtpd :$p_pf" "$P/maillog" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$p_pf"
# before_cleanup (lib/common.sh): `postfix stop` first (master stops its children), then the PID.
before_cleanup() { postfix_cmd "$P/etc" stop >/dev/null 2>&1 || true; stop "$postfix_pid"; }
master_pid=$(tr -d ' \n' <"$P/queue/pid/master.pid" 2>/dev/null || true)
[[ "$master_pid" =~ ^[0-9]+$ ]] || die "no master.pid under $P/queue/pid (see $P/maillog)"

servers=(postfix mailfilter)
declare -A label port_of cpu_pids
label[postfix]="Postfix $(postconf -d -h mail_version 2>/dev/null || echo '?') smtpd (queues, then relays)"
label[mailfilter]="mailfilter smtp (filters, relays, then answers)"
port_of[postfix]=$p_pf
port_of[mailfilter]=$p_gw
cpu_pids[postfix]=$master_pid
cpu_pids[mailfilter]=$gw_pid

########################################################################################
# Checks before timing: each server takes every message, and the gateway refuses GTUBE at the
# end of data, so its rows really filter every message.
########################################################################################
for c in "${servers[@]}"; do
  fg_job -t 120 "${timer[@]}" --port "${port_of[$c]}" --sessions 1 --messages "${#messages[@]}" \
    --from bench@client.test --to user@sink.test "${messages[@]}" >"$work/check.out" 2>&1 ||
    { cat "$work/check.out" >&2; die "${label[$c]}: a corpus message was not accepted (above)"; }
done
gtube="$work/gtube.eml"
printf '%s\n' 'From: bench@client.test' 'To: user@sink.test' 'Subject: GTUBE' \
  'Message-ID: <gtube@bench.mailfilter.test>' '' \
  'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X' >"$gtube"
rc=0
fg_job -t 60 "${timer[@]}" --port "$p_gw" --sessions 1 --messages 1 --from bench@client.test \
  --to user@sink.test "$gtube" >"$work/gtube.out" 2>&1 || rc=$?
if [ "$rc" != 1 ] || ! grep -q 'the message answered 5' "$work/gtube.out"; then
  cat "$work/gtube.out" >&2
  die "the gateway did not refuse GTUBE, so it does not filter (above)"
fi
log "the gateway refuses GTUBE: $(sed -n 's/.*the message answered //p' "$work/gtube.out")"

########################################################################################
# The runs.
########################################################################################
queue_files() { find "$P/queue/incoming" "$P/queue/active" "$P/queue/deferred" "$P/queue/maildrop" -type f 2>/dev/null | wc -l; }
queue_empty() { [ "$(queue_files)" = 0 ]; }
# drain: wait until Postfix has relayed everything to smtp-sink.
drain() {
  poll 300 "$postfix_pid" queue_empty || {
    tail -n 20 "$P/maillog" >&2
    die "Postfix's queue still holds $(queue_files) messages after 300 s (log above)"
  }
}

# field NAME LINE: the value of NAME=VALUE in the timing client's line.
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p" | head -n1; }
declare -A result_of drained_of cpu_of
loads=()
# run SERVER SESSIONS COUNT [warm]: one timing-client run; records its line, and for Postfix the
# seconds until its queue had relayed everything, unless warm.
run() {
  local c=$1 s=$2 n=$3 warm=${4:-} t0 t1 c0 c1 rc=0
  drain
  [ -n "$warm" ] || loads+=("$(cut -d' ' -f1 /proc/loadavg)")
  # shellcheck disable=SC2086 # a list of PIDs
  c0=$(server_cpu ${cpu_pids[$c]})
  fg_job -t 900 "${timer[@]}" --port "${port_of[$c]}" --sessions "$s" --messages "$n" \
    --from bench@client.test --to user@sink.test "${messages[@]}" >"$work/timer.out" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    cat "$work/timer.out" >&2
    tail -n 20 "$work/gw/out.log" "$P/maillog" >&2
    die "${label[$c]}, $s sessions, $n messages: the timing client failed with exit $rc (above)"
  fi
  t0=$(now)
  [ "$c" != postfix ] || drain
  t1=$(now)
  # shellcheck disable=SC2086 # a list of PIDs
  c1=$(server_cpu ${cpu_pids[$c]})
  warm_cpu=$(cpu_delta "$c0" "$c1" 0 0)
  [ -z "$warm" ] || return 0
  result_of[$c/$s]=$(cat "$work/timer.out")
  # The client's own seconds (without its JVM's start), plus the wait for Postfix's queue after it.
  drained_of[$c/$s]=$(awk -v a="$(field seconds "${result_of[$c/$s]}")" -v b="$(elapsed "$t0" "$t1")" 'BEGIN { printf "%.2f", a + b }')
  cpu_of[$c/$s]=$warm_cpu
  log "$(printf '%-48s %3d sessions: %s (until relayed: %s s, server CPU %s s)' "${label[$c]}" "$s" \
    "${result_of[$c/$s]}" "${drained_of[$c/$s]}" "$warm_cpu")"
}
count_for() { if [ "$1" = "${sessions[0]}" ] && [ "${#sessions[@]}" -gt 1 ]; then echo "$messages_1"; else echo "$messages_n"; fi; }

# A server runs for days: time it warm (JIT, Postfix's smtpd processes), not starting. The
# gateway's JVM warms up to C2's steady state: batches until the CPU of two successive batches
# agrees within 5% (at least 3, at most $max_warm_batches).
log "warming up (untimed): each server $warmup messages at ${sessions[-1]} sessions, 50 at ${sessions[0]};" \
  "the gateway in batches of $warmup until its CPU of two agrees within 5%"
for c in "${servers[@]}"; do
  run "$c" "${sessions[-1]}" "$warmup" warm
  if [ "$c" = mailfilter ]; then
    prev=$warm_cpu b=1
    while :; do
      run "$c" "${sessions[-1]}" "$warmup" warm
      b=$((b + 1))
      log "$(printf '%-48s warm-up batch %d: CPU %s s (before: %s s)' "${label[$c]}" "$b" "$warm_cpu" "$prev")"
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
# One run per cell; the servers alternate so that other load weighs on both.
for s in "${sessions[@]}"; do
  for c in "${servers[@]}"; do run "$c" "$s" "$(count_for "$s")"; done
done

########################################################################################
# The table.
########################################################################################
load_range=$(printf '%s\n' "${loads[@]}" | sort -g | sed -n '1p;$p' | paste -sd- -)
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, 1-minute load average $load_range at the" \
  "start of the runs; one run per cell; ${#messages[@]} easy_ham messages in turn" \
  "($(cat "${messages[@]}" | wc -c) bytes in all), one message per SMTP session; timing client SmtpTimer"
echo
echo "| server | sessions | messages | messages/s | p50 ms | p99 ms | messages/s until relayed | server CPU ms per message |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for s in "${sessions[@]}"; do
  for c in "${servers[@]}"; do
    r=${result_of[$c/$s]}
    n=$(field messages "$r")
    relayed=$(awk -v n="$n" -v t="${drained_of[$c/$s]}" 'BEGIN { printf "%.1f", n / t }')
    cpums=$(awk -v n="$n" -v t="${cpu_of[$c/$s]}" 'BEGIN { printf "%.2f", t * 1000 / n }')
    echo "| ${label[$c]} | $s | $n | $(field rate "$r") | $(field p50_ms "$r") | $(field p99_ms "$r") | $relayed | $cpums |"
  done
done
echo
echo "Latency: connect to the reply to the final dot. Postfix answers 250 once the message is in its"
echo "queue (on disk) and relays it afterwards; the gateway answers only after smtp-sink accepted"
echo "the relayed copy (before-queue), so its 250 includes the relay leg. \"Until relayed\" counts"
echo "until Postfix's queue is empty. Server CPU: the gateway's JVM; Postfix's master and its live"
echo "children (smtpd, cleanup, qmgr, smtp), without children that exited during the run."
hi=${sessions[-1]}
verdict=$(awk -v a="$(field rate "${result_of[mailfilter/$hi]}")" -v b="$(field rate "${result_of[postfix/$hi]}")" \
  'BEGIN { r = a / b; printf "%.2fx: %s", r, (r >= 1) ? "met" : "MISSED" }')
echo
echo "- Goal (issue 12), $hi sessions: at least Postfix's messages/s with filtering on: $verdict"
[[ "$verdict" == *met ]] || exit 1
