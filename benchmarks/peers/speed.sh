#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Whole-process classification speed: `mailfilter scan --threads 2` (local checks and the model,
# trained on the corpus first) against Rspamd (`rspamc -n 2`, network checks off, local rules and
# Bayes on), bogofilter (model only) and optionally
# SpamAssassin (spamd -L, local tests and Bayes), all over the same messages on this machine.
# Every server runs from a private config in a temp folder on 127.0.0.1 and free ports, and is
# stopped by PID on exit. See benchmarks/peers/README.md.
#
# Usage: benchmarks/peers/speed.sh [--with-spamassassin] [--sa-messages N] [--sa-train N]
# Env:   MAILFILTER_CORPORA  corpora folder (default: ../shared/corpora beside the checkout)
#        MAILFILTER_PEERS_KEEP  if set, keep the temp folder (configs, logs, outputs) for a look
#        MAILFILTER_JAR      the jar to time (default: filter-cli/target/mailfilter.jar here)
#        JAVA_HOME           a JDK 21+ (otherwise the newest 21+ under /usr/lib/jvm)
set -Eeuo pipefail
exec </dev/null
# A command that fails where the script does not expect it stops the run: say which, never exit
# silently.
trap 'echo "speed.sh: line $LINENO: \"$BASH_COMMAND\" failed (exit $?); stopping" >&2' ERR

usage() {
  cat <<'EOF'
usage: speed.sh [--with-spamassassin] [--sa-messages N] [--sa-train N]
  --with-spamassassin  also time SpamAssassin (spamd -L + spamc, 2 children) over a subset
  --sa-messages N      size of that subset, spread over the three folders (default 300)
  --sa-train N         spam and ham messages each that SpamAssassin's Bayes learns (default 300)
env: MAILFILTER_CORPORA (folder holding spamassassin-public-corpus), MAILFILTER_JAR (jar to
     time), JAVA_HOME (JDK 21+), MAILFILTER_PEERS_KEEP=1 (keep the temp folder)
EOF
}

with_sa=0
sa_messages=300
sa_train=300
while [ $# -gt 0 ]; do
  case "$1" in
    --with-spamassassin) with_sa=1 ;;
    --sa-messages)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      sa_messages=$2
      shift
      ;;
    --sa-train)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      sa_train=$2
      shift
      ;;
    -h | --help) usage; exit 0 ;;
    *) echo "speed.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[[ "$sa_messages" =~ ^[1-9][0-9]*$ ]] || { echo "speed.sh: --sa-messages needs a positive integer, got '$sa_messages'" >&2; exit 2; }
[[ "$sa_train" =~ ^[1-9][0-9]*$ ]] && [ "$sa_train" -ge 200 ] ||
  { echo "speed.sh: --sa-train needs an integer of at least 200 (Bayes' minimum), got '$sa_train'" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpora=${MAILFILTER_CORPORA:-$here/../../../shared/corpora}
corpus="$corpora/spamassassin-public-corpus"
dirs=("$corpus/easy_ham" "$corpus/hard_ham" "$corpus/spam")

prog=speed.sh
# shellcheck source=lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=lib/rspamd.sh
. "$here/lib/rspamd.sh"

for d in "${dirs[@]}"; do [ -d "$d" ] || die "corpus folder $d is missing (set MAILFILTER_CORPORA to the folder holding spamassassin-public-corpus)"; done
need rspamd rspamd
need rspamc rspamd
need redis-server redis-server
need redis-cli redis-tools
need bogofilter bogofilter
need python3 python3
need curl curl
need timeout coreutils
if [ "$with_sa" = 1 ]; then
  need spamd spamd
  need spamc spamc
  need sa-learn spamassassin
fi

# Message lists, one file per line, in a stable order; the same list feeds every tool.
peers_workdir
find "${dirs[@]}" -maxdepth 1 -type f | LC_ALL=C sort >"$work/all.list"
total=$(wc -l <"$work/all.list")
[ "$total" -gt 0 ] || die "no messages under ${dirs[*]}"
grep '/spam/' "$work/all.list" >"$work/spam.list" || true
grep -v '/spam/' "$work/all.list" >"$work/ham.list" || true

# spread N FILE: N lines spread evenly over FILE (all of it when shorter), order kept.
spread() {
  awk -v n="$1" -v t="$(wc -l <"$2")" 'BEGIN { last = -1 } { k = int((NR - 1) * n / t); if (k != last) { print; last = k } }' "$2"
}

# Results: "tool messages seconds cpu-seconds training" or "tool skipped|failed why - training",
# fields split by the unit separator (not a tab: read would merge empty tab fields); training says how many messages the tool
# learned before and in how many seconds (its own wall time, not part of the timed run).
results=()
US=$'\x1f'
add_result() { results+=("$1$US$2$US$3$US${4:-}$US${5:-}"); }
# trained N SECONDS: the training cell.
trained() { echo "$1 in $2 s"; }

########################################################################################
# Rspamd 3.x with Redis-backed Bayes, no network.
########################################################################################
run_rspamd() {
  local r="$work/rspamd"
  rspamd_start "$r"
  local p_ctrl=$rspamd_ctrl_port p_normal=$rspamd_normal_port t0

  log "learning Bayes: $(wc -l <"$work/spam.list") spam, $(wc -l <"$work/ham.list") ham"
  t0=$(now)
  # Learn-Type: bulk makes rspamd learn every message even when Bayes already agrees.
  fg_job xargs -d '\n' -a "$work/spam.list" rspamc -h "127.0.0.1:$p_ctrl" -n 2 -t 60 --header 'Learn-Type=bulk' learn_spam >"$r/learn_spam.out" 2>&1 ||
    { tail "$r/learn_spam.out" >&2; die "rspamc learn_spam failed"; }
  fg_job xargs -d '\n' -a "$work/ham.list" rspamc -h "127.0.0.1:$p_ctrl" -n 2 -t 60 --header 'Learn-Type=bulk' learn_ham >"$r/learn_ham.out" 2>&1 ||
    { tail "$r/learn_ham.out" >&2; die "rspamc learn_ham failed"; }
  local learned_ok learn_secs
  learn_secs=$(elapsed "$t0" "$(now)")
  learned_ok=$(cat "$r/learn_spam.out" "$r/learn_ham.out" | grep -c '^success = true;' || true)
  log "learned in $learn_secs s: $learned_ok accepted ($(cat "$r/learn_spam.out" "$r/learn_ham.out" | grep -c 'already learned' || true) duplicates refused)"
  # The controller and the workers refresh their Bayes statistics (learn counts, which Bayes
  # uses for min_learns and to weigh the classes) from Redis on a timer: poll until the stats
  # show every accepted message, so the timed run scores with the whole training counted.
  # Without that, at least both classes must pass min_learns = 200, below which Bayes abstains.
  bayes_counts() {
    rspamc -h "127.0.0.1:$p_ctrl" -t 5 stat >"$r/stat.out" 2>&1 || return 1
    local s h
    s=$(sed -n 's/.*Statfile: BAYES_SPAM.*learned: \([0-9]*\).*/\1/p' "$r/stat.out" | head -n1)
    h=$(sed -n 's/.*Statfile: BAYES_HAM.*learned: \([0-9]*\).*/\1/p' "$r/stat.out" | head -n1)
    [ "${s:-0}" -ge "$1" ] && [ "${h:-0}" -ge "$1" ] && [ $((${s:-0} + ${h:-0})) -ge "$2" ]
  }
  if ! poll 120 "$rspamd_pid" bayes_counts 200 "$learned_ok"; then
    if poll 5 "$rspamd_pid" bayes_counts 200 0; then
      log "WARNING: after 120 s rspamd's statistics still show fewer than the $learned_ok messages learned"
    else
      cat "$r/stat.out" >&2
      die "rspamd Bayes stayed below its 200-learns minimum per class, so it would not vote"
    fi
  fi
  log "Bayes statistics: $(grep -o 'Statfile: BAYES_[A-Z]*.*learned: [0-9]*' "$r/stat.out" | sed 's/Statfile: \(BAYES_[A-Z]*\).*learned: \([0-9]*\)/\1 \2/' | paste -sd, -)"

  log "timing rspamc -n 2 over $total messages"
  local c0 s0 c1 s1 t1
  client_cpu
  c0=$REPLY
  s0=$(server_cpu "$rspamd_pid" "$redis_pid")
  t0=$(now)
  fg_job xargs -d '\n' -a "$work/all.list" rspamc -h "127.0.0.1:$p_normal" -n 2 -t 60 >"$r/scan.out" 2>&1 ||
    { tail "$r/scan.out" >&2; die "rspamc scan failed"; }
  t1=$(now)
  client_cpu
  c1=$REPLY
  s1=$(server_cpu "$rspamd_pid" "$redis_pid")
  local scanned bayes
  scanned=$(grep -c '^Action:' "$r/scan.out" || true)
  bayes=$(grep -cE '^Symbol: BAYES_(SPAM|HAM)' "$r/scan.out" || true)
  [ "$scanned" = "$total" ] || { tail "$r/scan.out" >&2; die "rspamc answered $scanned of $total messages"; }
  local dns
  dns=$({ grep -ao 'dns req: [0-9]*' "$r/log/rspamd.log" || true; } | awk '{ s += $3; n++ } END { printf "%d in %d logged tasks", s, n }')
  log "rspamd: Bayes voted on $bayes of $scanned messages; DNS requests during the run: $dns"
  add_result "Rspamd $(rspamd --version 2>/dev/null | sed -n 's/.*version \([0-9.]*\).*/\1/p') (rspamc -n 2)" "$scanned" "$(elapsed "$t0" "$t1")" \
    "$(cpu_delta "$c0" "$c1" "$s0" "$s1")" "$(trained "$learned_ok" "$learn_secs") (rspamc learn)"

  stop "$rspamd_pid" "$redis_pid" # before the next row is timed
}

########################################################################################
# bogofilter: the statistical model alone, one process in bulk mode.
########################################################################################
run_bogofilter() {
  local b="$work/bogofilter"
  mkdir -p "$b/db"
  log "training bogofilter on $(wc -l <"$work/spam.list") spam and $(wc -l <"$work/ham.list") ham"
  local l0 learn_secs
  l0=$(now)
  fg_job xargs -d '\n' -a "$work/spam.list" bogofilter -d "$b/db" -s -B ||
    die "bogofilter -s (register spam) failed"
  fg_job xargs -d '\n' -a "$work/ham.list" bogofilter -d "$b/db" -n -B ||
    die "bogofilter -n (register ham) failed"
  learn_secs=$(elapsed "$l0" "$(now)")
  log "timing bogofilter -b over $total messages"
  local t0 t1 c0 c1 rc=0
  client_cpu
  c0=$REPLY
  t0=$(now)
  # -b: bulk mode reading the file names from stdin (one process, no argument-length limit).
  fg_job -i "$work/all.list" bogofilter -d "$b/db" -T -b >"$b/out" 2>"$b/err" || rc=$?
  t1=$(now)
  client_cpu
  c1=$REPLY
  # Bulk mode exits with the last message's class (0 spam, 1 ham, 2 unsure); 3 is an error.
  [ "$rc" -le 2 ] || { cat "$b/err" >&2; die "bogofilter -b failed with exit $rc"; }
  local classified
  classified=$(grep -cE ' [SHU] [0-9.e-]+$' "$b/out" || true)
  [ "$classified" = "$total" ] || { head "$b/out" "$b/err" >&2; die "bogofilter classified $classified of $total messages"; }
  log "bogofilter: $(awk '{ c[$2]++ } END { printf "%d spam, %d ham, %d unsure", c["S"], c["H"], c["U"] }' "$b/out")"
  add_result "bogofilter $(bogofilter -V 2>&1 | sed -n '1s/.*version \([0-9.]*\).*/\1/p') (bulk, 1 process, model only)" "$classified" "$(elapsed "$t0" "$t1")" \
    "$(cpu_delta "$c0" "$c1" 0 0)" "$(trained "$total" "$learn_secs") (-s, -n)"
}

########################################################################################
# mailfilter: the whole JVM process, as a user runs it.
########################################################################################
mailfilter_failed=0
# mf_fail WHY [TRAINING]: the mailfilter row failed; the script will exit 1 after the table.
mf_fail() {
  log "FAILED mailfilter: $1"
  add_result "$mf_tool" failed "$1" "" "${2:-}"
  mailfilter_failed=1
}
mf_tool="mailfilter scan --threads 2, checks + model (whole JVM process)"
run_mailfilter() {
  local jar=${MAILFILTER_JAR:-$root/filter-cli/target/mailfilter.jar} jdk m="$work/mailfilter"
  mkdir -p "$m"
  jdk=$(pick_jdk)
  if [ -z "$jdk" ]; then
    log "SKIPPED mailfilter: no JDK 21+ in JAVA_HOME or /usr/lib/jvm"
    add_result "$mf_tool" skipped "no JDK 21+ found"
    return
  fi
  if [ ! -f "$jar" ]; then
    log "SKIPPED mailfilter: $jar is missing; build it first: ./mvnw -q -B -DskipTests package"
    add_result "$mf_tool" skipped "jar not built"
    return
  fi
  # bin/mailfilter, the command users run: C1 only, serial GC, a class archive per command.
  local java=(env JAVA_HOME="$jdk" MAILFILTER_JAR="$jar" MAILFILTER_CLASS_CACHE="$m/classes" \
    MAILFILTER_JAVA_OPTS="${MAILFILTER_JAVA_OPTS:-}" "$root/bin/mailfilter") cmd
  # A jar without a command answers "unknown command '...'" (see Main.java).
  for cmd in scan train; do
    fg_job -t 60 "${java[@]}" "$cmd" --help >"$m/help-$cmd.out" 2>&1 || true
    if grep -qi "unknown command" "$m/help-$cmd.out"; then
      log "SKIPPED mailfilter: this jar has no '$cmd' command yet: $(head -n1 "$m/help-$cmd.out")"
      add_result "$mf_tool" skipped "no '$cmd' command in this jar yet"
      return
    fi
  done

  # The model learns the whole corpus, as Rspamd's Bayes and bogofilter do.
  log "training mailfilter's model (mailfilter train) on $(wc -l <"$work/spam.list") spam and $(wc -l <"$work/ham.list") ham"
  local l0 learn_secs rc=0
  l0=$(now)
  fg_job "${java[@]}" train --spam "${dirs[2]}" --ham "${dirs[0]}" "${dirs[1]}" --model "$m/model" \
    >"$m/train.out" 2>"$m/train.err" || rc=$?
  learn_secs=$(elapsed "$l0" "$(now)")
  if [ "$rc" != 0 ]; then
    tail -n 20 "$m/train.out" "$m/train.err" >&2
    mf_fail "train exited $rc"
    return
  fi
  local ham spam learned
  read -r ham spam < <(sed -n 's/.* now holds \([0-9]*\) ham and \([0-9]*\) spam.*/\1 \2/p' "$m/train.out") || true
  learned=$(sed -n 's/^learned \([0-9]*\) new.*/\1/p' "$m/train.out")
  log "mailfilter train: $(paste -sd';' "$m/train.out") (wall $learn_secs s)"
  local training
  training="$(trained "${learned:-?}" "$learn_secs") (train, 3 passes)"
  # The model votes from 200 messages of each class (model.min_ham, model.min_spam).
  if [ "${ham:-0}" -lt 200 ] || [ "${spam:-0}" -lt 200 ]; then
    cat "$m/train.out" >&2
    mf_fail "the trained model holds ${ham:-0} ham and ${spam:-0} spam, below its 200 per class to vote" "$training"
    return
  fi

  # The embedded defaults plus the model; network checks (dnsbl_*, clamd) stay off by default,
  # as they are for Rspamd. `config check` lists the checks that are on.
  printf 'model:\n  path: "%s"\n' "$m/model" >"$m/config.yaml"
  rc=0
  fg_job -t 60 "${java[@]}" config check "$m/config.yaml" >"$m/config.out" 2>&1 || rc=$?
  if [ "$rc" != 0 ]; then
    cat "$m/config.out" >&2
    mf_fail "config check refused $m/config.yaml (exit $rc)" "$training"
    return
  fi
  local checks
  checks=$(sed -n 's/.*ok (checks: \(.*\))$/\1/p' "$m/config.out")
  log "mailfilter checks on: ${checks:-?}"
  if [[ ", $checks, " == *", model, "* ]]; then :; else
    mf_fail "the model check is not on (checks: ${checks:-none})" "$training"
    return
  fi
  if [[ "$checks" =~ (^|, )(dnsbl_[a-z_]*|clamd)(,|$) ]]; then
    mf_fail "a network check is on (${BASH_REMATCH[2]}); this row is meant to run without network" "$training"
    return
  fi

  # The launcher writes its class archive for scan at the end of the first scan; users scan more
  # than once, so the timed run is the second (the first sees only the sample messages).
  fg_job -t 60 "${java[@]}" scan --config "$m/config.yaml" "$root/examples/mail" >/dev/null 2>&1 || true
  log "timing bin/mailfilter (JDK $jdk, $jar) scan --threads 2 --json --config $m/config.yaml over $total messages"
  local t0 t1 c0 c1
  rc=0
  client_cpu
  c0=$REPLY
  t0=$(now)
  # --json lists every symbol (the text lines show the first five), so the checks below see
  # whether the model voted on each message.
  fg_job "${java[@]}" scan --threads 2 --json --config "$m/config.yaml" "${dirs[@]}" >"$m/out" 2>"$m/err" || rc=$?
  t1=$(now)
  client_cpu
  c1=$REPLY
  # scan's exit status says whether any message was spam (0 or 1); anything else is a failure.
  if [ "$rc" -gt 1 ]; then
    tail -n 20 "$m/err" >&2
    mf_fail "scan exited $rc (stderr above)" "$training"
    return
  fi
  local lines
  lines=$(wc -l <"$m/out")
  if [ "$lines" -lt "$total" ]; then
    tail -n 5 "$m/out" "$m/err" >&2
    mf_fail "scan printed $lines lines for $total messages" "$training"
    return
  fi
  # What the checks and the model did: messages with a BAYES_* symbol (the model voted), with
  # another symbol, with another symbol that scores (MIME_BARE_LF, for one, fires on every file
  # of this corpus, stored with bare LF line ends, and scores 0), actions, and the symbols seen
  # most often.
  python3 - "$m/out" >"$m/summary" <<'PY' || { mf_fail "scan's --json output does not parse (see $m/out)" "$training"; return; }
import collections, json, sys
n = voted = fired = scored = 0
actions, symbols = collections.Counter(), collections.Counter()
for line in open(sys.argv[1], encoding="utf-8"):
    v = json.loads(line)
    n += 1
    names = [s["name"] for s in v["symbols"]]
    voted += any(x.startswith("BAYES_") for x in names)
    fired += any(not x.startswith("BAYES_") for x in names)
    scored += any(not s["name"].startswith("BAYES_") and s["score"] != 0 for s in v["symbols"])
    actions[v["action"]] += 1
    symbols.update(set(names))
print(n, voted, fired, scored)
print(", ".join(f"{a} {c}" for a, c in actions.most_common()))
print(", ".join(f"{s} {c}" for s, c in symbols.most_common(15)))
PY
  local n voted fired scored
  read -r n voted fired scored <"$m/summary"
  log "mailfilter: the model voted on $voted of $n messages; another check added a symbol to $fired, a scoring one to $scored"
  log "mailfilter actions: $(sed -n 2p "$m/summary")"
  log "mailfilter symbols (messages): $(sed -n 3p "$m/summary")"
  # Rspamd's Bayes votes on all but a handful (too few tokens); the model should too.
  if [ "$voted" -lt $((n * 9 / 10)) ]; then
    mf_fail "the model voted on only $voted of $n messages" "$training"
    return
  fi
  if [ "$scored" -eq 0 ]; then
    mf_fail "no check but the model added a scoring symbol to any of $n messages" "$training"
    return
  fi
  add_result "$mf_tool" "$total" "$(elapsed "$t0" "$t1")" "$(cpu_delta "$c0" "$c1" 0 0)" "$training"
}

########################################################################################
# SpamAssassin: spamd with local tests only (-L) and its Bayes, 2 children, over a subset.
########################################################################################
run_spamassassin() {
  local p_spamd
  p_spamd=$(free_ports tcp)
  local a="$work/sa"
  mkdir -p "$a/etc" "$a/bayes"
  # A private site config replaces /etc/spamassassin entirely, including the *.pre files that
  # load the plugins (Check and Bayes among them): copy those, then add our local.cf.
  cp /etc/spamassassin/*.pre "$a/etc/"
  printf '%s\n' 'use_bayes 1' 'bayes_auto_learn 0' "bayes_path $a/bayes/bayes" 'bayes_file_mode 0777' \
    'bayes_auto_expire 0' 'lock_method flock' 'dns_available no' 'skip_rbl_checks 1' >"$a/etc/local.cf"
  chmod 777 "$a/bayes" # spamd's children run as nobody
  # sa-learn manages ~15 messages/s here, so it learns an even spread of $sa_train per class
  # (its Bayes votes from 200 each), and spamc checks an even spread of $sa_messages.
  spread "$sa_messages" "$work/all.list" >"$a/subset.list"
  spread "$sa_train" "$work/spam.list" >"$a/spam.list"
  spread "$sa_train" "$work/ham.list" >"$a/ham.list"
  local n
  n=$(wc -l <"$a/subset.list")
  local sa=(sa-learn -L --siteconfigpath "$a/etc")
  log "training SpamAssassin Bayes (sa-learn -L) on $(wc -l <"$a/spam.list") spam and $(wc -l <"$a/ham.list") ham"
  local l0 learn_secs
  l0=$(now)
  fg_job "${sa[@]}" --spam --no-sync -f "$a/spam.list" >"$a/learn.out" 2>&1 ||
    { tail "$a/learn.out" >&2; die "sa-learn --spam failed"; }
  fg_job "${sa[@]}" --ham --no-sync -f "$a/ham.list" >>"$a/learn.out" 2>&1 ||
    { tail "$a/learn.out" >&2; die "sa-learn --ham failed"; }
  fg_job "${sa[@]}" --sync >>"$a/learn.out" 2>&1 || { tail "$a/learn.out" >&2; die "sa-learn --sync failed"; }
  learn_secs=$(elapsed "$l0" "$(now)")
  chmod -R a+rw "$a/bayes"
  log "SpamAssassin Bayes: $("${sa[@]}" --dump magic 2>/dev/null | awk '$NF == "nspam" || $NF == "nham" { printf "%s=%s ", $NF, $3 }')"

  log "starting spamd on 127.0.0.1:$p_spamd (2 children, local tests only)"
  spamd -L -x -u nobody -i "127.0.0.1:$p_spamd" -A 127.0.0.1 -m 2 --min-children=2 --min-spare=1 --max-spare=2 \
    --siteconfigpath "$a/etc" -r "$a/spamd.pid" -s "$a/spamd.log" >"$a/spamd.out" 2>&1 &
  local spamd_pid=$!
  pids+=("$spamd_pid")
  wait_until 120 "$spamd_pid" spamd "$a/spamd.log" spamc -d 127.0.0.1 -p "$p_spamd" -K
  log "timing spamc (2 at a time) over $n of the $total messages"
  local t0 t1 c0 c1 s0 s1
  client_cpu
  c0=$REPLY
  s0=$(server_cpu "$spamd_pid")
  t0=$(now)
  # -y prints the rules hit (possibly none) on one line; -x fails instead of passing the message
  # through unchecked. One output line per message: file, tab, rules.
  fg_job xargs -d '\n' -a "$a/subset.list" -P 2 -n 1 sh -c 'r=$(spamc -x -d 127.0.0.1 -p "$0" -y <"$1") && printf "%s\t%s\n" "$1" "$r"' "$p_spamd" \
    >"$a/out" 2>"$a/err" || { tail "$a/err" >&2; die "spamc failed (stderr above)"; }
  t1=$(now)
  client_cpu
  c1=$REPLY
  s1=$(server_cpu "$spamd_pid")
  local answered bayes
  answered=$(wc -l <"$a/out")
  bayes=$(grep -c $'\t.*BAYES_' "$a/out" || true)
  [ "$answered" = "$n" ] || { tail "$a/out" "$a/err" >&2; die "spamd answered $answered of $n messages"; }
  log "spamassassin: Bayes voted on $bayes of $answered messages"
  add_result "SpamAssassin $(spamassassin -V 2>/dev/null | sed -n '1s/.*version \([0-9.]*\).*/\1/p') (spamd -L -m 2, spamc x2)" "$answered" "$(elapsed "$t0" "$t1")" \
    "$(cpu_delta "$c0" "$c1" "$s0" "$s1")" "$(trained "$(cat "$a/spam.list" "$a/ham.list" | wc -l)" "$learn_secs") (sa-learn)"
  stop "$spamd_pid"
}

log "$(nproc) cores; load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
run_rspamd
run_mailfilter
run_bogofilter
if [ "$with_sa" = 1 ]; then run_spamassassin; fi

# The table, in Markdown, ratios against the Rspamd row.
rate_of() { awk -v c="$1" -v s="$2" 'BEGIN { printf "%.6f", c / s }'; }
rspamd_rate=""
for row in "${results[@]}"; do
  IFS=$US read -r t c sec cpu tr <<<"$row"
  if [[ "$t" == Rspamd* ]]; then rspamd_rate=$(rate_of "$c" "$sec"); fi
done
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| tool | messages | seconds | messages/s | ratio to Rspamd | CPU seconds | messages per CPU second | trained on (not timed) |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for row in "${results[@]}"; do
  IFS=$US read -r t c sec cpu tr <<<"$row"
  if [ "$c" = skipped ] || [ "$c" = failed ]; then
    echo "| $t | $c: $sec | | | | | | $tr |"
  else
    awk -v t="$t" -v c="$c" -v s="$sec" -v r="$rspamd_rate" -v cpu="$cpu" -v tr="$tr" '
      function num(x) { return x < 100 ? sprintf("%.1f", x) : sprintf("%.0f", x) }
      BEGIN { rate = c / s
              printf "| %s | %d | %.2f | %s | %s | %.2f | %s | %s |\n", t, c, s, num(rate),
                     (r == "") ? "n/a" : sprintf("%.2fx", rate / r), cpu, ((cpu + 0) > 0) ? num(c / cpu) : "n/a", tr }'
  fi
done
echo
echo "CPU seconds: client and server processes together (rspamd workers and redis; spamd children)."
echo "Trained on: messages learned before the timed run, and the wall seconds learning took."
exit "$mailfilter_failed"
