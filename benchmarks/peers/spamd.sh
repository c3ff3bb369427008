#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# SpamAssassin rules, mailfilter against spamd, on the same messages in the same run: a private
# spamd (local tests only, Bayes off, 2 children) fed by 2 parallel spamc clients, then the JMH
# benchmark SpamAssassinRulesBenchmark (MailFilter.classify with Debian's rule set loaded, and
# with the rules off, 2 threads) over the same message files; prints messages/s and the ratio.
# spamd is stopped by PID before the JMH run, so that the two never share the cores.
# See benchmarks/peers/README.md.
#
# Usage: benchmarks/peers/spamd.sh [--messages N] [--quick]
# Env:   MAILFILTER_CORPORA  corpora folder (default: ../shared/corpora beside the checkout)
#        MAILFILTER_PEERS_KEEP  if set, keep the temp folder (configs, logs, outputs) for a look
#        BENCHMARKS_JAR      the JMH jar (default: benchmarks/target/benchmarks.jar here)
#        JAVA_HOME           a JDK 21+ (otherwise the newest 21+ under /usr/lib/jvm)
set -Eeuo pipefail
exec </dev/null
trap 'echo "spamd.sh: line $LINENO: \"$BASH_COMMAND\" failed (exit $?); stopping" >&2' ERR

usage() {
  cat <<'EOF2'
usage: spamd.sh [--messages N] [--quick]
  --messages N  messages spread over the corpus's three folders, given to both (default 400)
  --quick       shorter JMH iterations (2 x 2 s warm-up, 3 x 3 s measured) for a look
env: MAILFILTER_CORPORA (folder holding spamassassin-public-corpus), BENCHMARKS_JAR (JMH jar),
     JAVA_HOME (JDK 21+), MAILFILTER_PEERS_KEEP=1 (keep the temp folder)
EOF2
}

messages=400
jmh_times=(-wi 3 -i 5 -w 3s -r 5s)
while [ $# -gt 0 ]; do
  case "$1" in
    --messages)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      messages=$2
      shift
      ;;
    --quick) jmh_times=(-wi 2 -i 3 -w 2s -r 3s) ;;
    -h | --help) usage; exit 0 ;;
    *) echo "spamd.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[[ "$messages" =~ ^[1-9][0-9]*$ ]] || { echo "spamd.sh: --messages needs a positive integer, got '$messages'" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpora=${MAILFILTER_CORPORA:-$here/../../../shared/corpora}
corpus="$corpora/spamassassin-public-corpus"
dirs=("$corpus/easy_ham" "$corpus/hard_ham" "$corpus/spam")
jar=${BENCHMARKS_JAR:-$root/benchmarks/target/benchmarks.jar}

prog=spamd.sh
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"

for d in "${dirs[@]}"; do [ -d "$d" ] || die "corpus folder $d is missing (set MAILFILTER_CORPORA to the folder holding spamassassin-public-corpus)"; done
need spamd spamd
need spamc spamc
need spamassassin spamassassin
need python3 python3
need timeout coreutils
[ -f /usr/share/spamassassin/72_active.cf ] || die "Debian's rule set is not in /usr/share/spamassassin: install the Debian package 'spamassassin'"
[ -f "$jar" ] || die "$jar is missing; build it first: ./mvnw -q -B -ntp -pl benchmarks -am package -DskipTests"
jdk=$(pick_jdk)
[ -n "$jdk" ] || die "no JDK 21+ in JAVA_HOME or /usr/lib/jvm"

peers_workdir
find "${dirs[@]}" -maxdepth 1 -type f | LC_ALL=C sort >"$work/all.list"
# spread N FILE: N lines spread evenly over FILE (all of it when shorter), order kept.
awk -v n="$messages" -v t="$(wc -l <"$work/all.list")" 'BEGIN { last = -1 } { k = int((NR - 1) * n / t); if (k != last) { print; last = k } }' "$work/all.list" >"$work/subset.list"
n=$(wc -l <"$work/subset.list")
log "$(nproc) cores; load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg); $n messages"

########################################################################################
# spamd: Debian's rules (/usr/share/spamassassin) and a private copy of /etc/spamassassin's
# files, local tests only (-L), Bayes off, 2 children; spamc 2 at a time.
########################################################################################
p_spamd=$(free_ports tcp)
a="$work/sa"
mkdir -p "$a/etc"
# A private site config replaces /etc/spamassassin: copy its .pre (the plugins) and .cf files
# (the same ones mailfilter's default configuration reads), then turn Bayes and the network off.
cp /etc/spamassassin/*.pre /etc/spamassassin/*.cf "$a/etc/"
printf '%s\n' 'use_bayes 0' 'bayes_auto_learn 0' 'dns_available no' 'skip_rbl_checks 1' >"$a/etc/zz_benchmark.cf"
spamassassin --siteconfigpath "$a/etc" --lint >"$a/lint.out" 2>&1 || { cat "$a/lint.out" >&2; die "spamassassin --lint refused the private config (above)"; }
log "starting spamd on 127.0.0.1:$p_spamd (2 children, local tests only, Bayes off)"
spamd -L -x -u nobody -i "127.0.0.1:$p_spamd" -A 127.0.0.1 -m 2 --min-children=2 --min-spare=1 --max-spare=2 \
  --siteconfigpath "$a/etc" -r "$a/spamd.pid" -s "$a/spamd.log" >"$a/spamd.out" 2>&1 &
spamd_pid=$!
pids+=("$spamd_pid")
wait_until 120 "$spamd_pid" spamd "$a/spamd.log" spamc -d 127.0.0.1 -p "$p_spamd" -K
# One untimed message, so that both children have read the rules before the clock starts.
spamc -x -d 127.0.0.1 -p "$p_spamd" -y <"$(head -n1 "$work/subset.list")" >/dev/null
log "timing spamc (2 at a time) over $n messages"
client_cpu
c0=$REPLY
s0=$(server_cpu "$spamd_pid")
t0=$(now)
# -y prints the rules hit on one line; -x fails instead of passing the message through unchecked.
fg_job xargs -d '\n' -a "$work/subset.list" -P 2 -n 1 sh -c 'r=$(spamc -x -d 127.0.0.1 -p "$0" -y <"$1") && printf "%s\t%s\n" "$1" "$r"' "$p_spamd" \
  >"$a/out" 2>"$a/err" || { tail "$a/err" >&2; die "spamc failed (stderr above)"; }
t1=$(now)
client_cpu
c1=$REPLY
s1=$(server_cpu "$spamd_pid")
answered=$(wc -l <"$a/out")
[ "$answered" = "$n" ] || { tail "$a/out" "$a/err" >&2; die "spamd answered $answered of $n messages"; }
if grep -q 'BAYES_' "$a/out"; then die "spamd's Bayes voted although it is off (see $a/out)"; fi
stop "$spamd_pid"
sa_secs=$(elapsed "$t0" "$t1")
sa_cpu=$(cpu_delta "$c0" "$c1" "$s0" "$s1")
sa_rate=$(awk -v n="$n" -v s="$sa_secs" 'BEGIN { printf "%.2f", n / s }')
log "spamd: $n messages in $sa_secs s ($sa_rate messages/s), $sa_cpu CPU seconds"

########################################################################################
# mailfilter: JMH, MailFilter.classify over the same files, 2 threads, rules on and off.
########################################################################################
log "running JMH SpamAssassinRulesBenchmark (JDK $jdk) over the same $n messages, 2 threads"
fg_job "$jdk/bin/java" -Dmailfilter.shared="$corpora/.." -jar "$jar" SpamAssassinRulesBenchmark \
  -p rules=debian,off -p messages="$work/subset.list" -t 2 -f 1 "${jmh_times[@]}" \
  -rf json -rff "$work/jmh.json" >"$work/jmh.out" 2>&1 || { tail -n 30 "$work/jmh.out" >&2; die "JMH failed (output above)"; }
grep -h '^\[.*SpamAssassin rules loaded' "$work/jmh.out" | sort -u | while read -r line; do log "mailfilter: $line"; done
read -r mf_debian mf_debian_err mf_off mf_off_err < <(python3 - "$work/jmh.json" <<'PY'
import json, sys
rows = {r["params"]["rules"]: r["primaryMetric"] for r in json.load(open(sys.argv[1]))}
d, o = rows["debian"], rows["off"]
print(f'{d["score"]:.1f} {d["scoreError"]:.1f} {o["score"]:.1f} {o["scoreError"]:.1f}')
PY
)

echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg); $n messages spread over spam, easy_ham and hard_ham"
echo
echo "| | messages/s | ratio to spamd |"
echo "|---|---:|---:|"
awk -v r="$sa_rate" -v s="$sa_secs" -v c="$sa_cpu" -v n="$n" 'BEGIN { printf "| spamd 4.0.1 -L -m 2, Bayes off, spamc x2 (%d messages in %.1f s, %.1f CPU s) | %.1f | 1 |\n", n, s, c, r }'
awk -v m="$mf_debian" -v e="$mf_debian_err" -v r="$sa_rate" 'BEGIN { printf "| mailfilter, JMH classify, 2 threads, Debian rules | %.1f ± %.1f | %.1fx |\n", m, e, m / r }'
awk -v m="$mf_off" -v e="$mf_off_err" -v r="$sa_rate" 'BEGIN { printf "| mailfilter, JMH classify, 2 threads, rules off | %.1f ± %.1f | %.1fx |\n", m, e, m / r }'
