#!/usr/bin/env bash
# Accuracy of mailfilter's model next to bogofilter and SpamAssassin (local tests + Bayes), all
# trained and tested on the SAME messages: the folds and the time split come from
# `mailfilter eval --split-out`, and every filter's scores go through `mailfilter eval --scores`,
# so 1-ROCA% and the other figures are computed by one scorer.
#
# usage: benchmarks/peers/accuracy.sh [--no-cv] [--sa-cv] [--no-spamassassin]
#   default: time split (earliest 70% of each class by arrival (topmost Received, else Date) trains, latest 30% tests) for all
#            three filters, 10-fold cross-validation for mailfilter and bogofilter.
#   --sa-cv  also runs SpamAssassin on the 10 folds (about 18 messages/s: slow).
#   --no-cv  time split only.
# Needs: a built jar (./mvnw -q -B -DskipTests package), bogofilter, spamassassin (Debian
# packages bogofilter, spamassassin). CORPUS overrides the corpus directory, MAILFILTER_JAR the jar.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpora/spamassassin-public-corpus}
JAR=${MAILFILTER_JAR:-$ROOT/filter-cli/target/mailfilter.jar}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
CV=1 SA=1 SA_CV=0
for a in "$@"; do
  case $a in
    --no-cv) CV=0 ;;
    --sa-cv) SA_CV=1 ;;
    --no-spamassassin) SA=0 ;;
    *) echo "unknown option $a" >&2; exit 2 ;;
  esac
done
[ -f "$JAR" ] || { echo "build first: ./mvnw -q -B -DskipTests package" >&2; exit 1; }
command -v bogofilter >/dev/null || { echo "bogofilter is not installed (apt-get install bogofilter)" >&2; exit 1; }
if [ $SA = 1 ]; then
  command -v spamassassin >/dev/null || { echo "spamassassin is not installed" >&2; exit 1; }
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

mf() { "$JAVA" -jar "$JAR" "$@"; }
summary() { grep -E '^(spam recall|ham FP|1-ROCA|recall@)' | sed 's/^/  /'; }

# $1 split file, $2 fold, $3 role, $4 label: the paths of that part of the split
part() { awk -v f="$2" -v r="$3" -v l="$4" '$1==f && $2==r && $3==l {print $4}' "$1"; }

bogofilter_run() { # $1 mode
  local split=$WORK/$1.split scores=$WORK/$1.bogofilter.scores
  : > "$scores"
  for fold in $(cut -d' ' -f1 "$split" | sort -un); do
    local db=$WORK/bogo-$1-$fold
    mkdir -p "$db"
    part "$split" "$fold" train spam | bogofilter -C -d "$db" -s -b
    part "$split" "$fold" train ham | bogofilter -C -d "$db" -n -b
    # Exit status 0/1/2 is spam/ham/unsure; only 3 is an error.
    awk -v f="$fold" '$1==f && $2=="test" {print $4}' "$split" \
      | { bogofilter -C -d "$db" -T -b || [ $? -lt 3 ]; } \
      | awk -v sf="$split" -v f="$fold" '
          BEGIN { while ((getline l < sf) > 0) { split(l, a, " "); if (a[1]==f && a[2]=="test") label[a[4]]=a[3] } }
          { print label[$1], $3, $1 }' >> "$scores"
  done
  echo "bogofilter 1.2.5 (-C defaults, spam_cutoff 0.99):"
  mf eval --scores "$scores" --threshold 0.99 | summary
}

spamassassin_run() { # $1 mode
  local split=$WORK/$1.split scores=$WORK/$1.sa.scores
  : > "$scores"
  for fold in $(cut -d' ' -f1 "$split" | sort -un); do
    local cfg=$WORK/sa-$1-$fold
    mkdir -p "$cfg"
    cp /etc/spamassassin/*.pre "$cfg"/
    printf '%s\n' 'use_bayes 1' 'bayes_auto_learn 0' "bayes_path $cfg/bayes" \
      'skip_rbl_checks 1' 'use_auto_whitelist 0' 'report_safe 0' > "$cfg/local.cf"
    : > "$cfg/user_prefs"
    local sa=(--siteconfigpath="$cfg" -p "$cfg/user_prefs")
    part "$split" "$fold" train spam | xargs sa-learn -L "${sa[@]}" --spam --no-sync >/dev/null
    part "$split" "$fold" train ham | xargs sa-learn -L "${sa[@]}" --ham --no-sync >/dev/null
    sa-learn -L "${sa[@]}" --sync >/dev/null
    # One mbox of the test messages, each tagged with its line number: SpamAssassin's --mbox mode
    # does not keep the input order (and report_safe 0 keeps the tag in the top-level header).
    awk -v f="$fold" '$1==f && $2=="test" {print $3, $4}' "$split" > "$cfg/test.list"
    local n=0 label path
    while read -r label path; do
      n=$((n + 1))
      echo "From mailfilter@localhost Thu Jan  1 00:00:00 1970"
      echo "X-Mailfilter-Id: $n"
      sed -e '1{/^From /d}' -e 's/^\(>*From \)/>\1/' "$path"
      echo
    done < "$cfg/test.list" > "$cfg/test.mbox"
    spamassassin -L "${sa[@]}" --mbox < "$cfg/test.mbox" 2>/dev/null \
      | awk -v list="$cfg/test.list" '
          BEGIN { while ((getline l < list) > 0) { n++; split(l, a, " "); label[n]=a[1]; path[n]=a[2] } }
          /^From / && (NR==1 || prev=="") { inh=1; id=""; score="" }
          inh && /^X-Mailfilter-Id:/ { id=$2 }
          inh && /^X-Spam-Status:/ { if (match($0, /score=-?[0-9.]+/)) score=substr($0, RSTART+6, RLENGTH-6) }
          inh && $0=="" { inh=0; if (id!="" && score!="") print label[id], score, path[id] }
          { prev=$0 }' >> "$cfg.scores"
    local want got
    want=$(wc -l < "$cfg/test.list")
    got=$(wc -l < "$cfg.scores")
    # A message SpamAssassin's mbox reader splits or drops has no score; say so, never hide it.
    [ "$want" = "$got" ] || echo "  (fold $fold: SpamAssassin returned scores for $got of $want messages)"
    cat "$cfg.scores" >> "$scores"
  done
  echo "SpamAssassin 4.0 (-L local tests + Bayes, required 5.0):"
  mf eval --scores "$scores" --threshold 5.0 | summary
}

mode() { # $1 name, $2.. eval options
  local name=$1
  shift
  echo "== $name"
  echo "mailfilter (default settings):"
  mf eval --spam "$CORPUS/spam" --ham "$CORPUS/easy_ham" "$CORPUS/hard_ham" "$@" \
    --split-out "$WORK/$name.split" | tee "$WORK/$name.mailfilter" | summary
  grep '^speed' "$WORK/$name.mailfilter" | sed 's/^/  /'
  bogofilter_run "$name"
  if [ $SA = 1 ] && { [ "$name" = time-split ] || [ $SA_CV = 1 ]; }; then
    spamassassin_run "$name"
  fi
}

# --model-only: the peers stand beside the model alone, and eval's whole-filter comparison (minutes
# with Debian's rules) is not read here. The split is eval's: both classes ordered by arrival.
mode time-split --time-split 0.7 --model-only
if [ $CV = 1 ]; then
  mode 10-fold --folds 10 --seed 1
fi
