#!/usr/bin/env bash
# The learning model alone on three held-out splits of the shared corpus, each trained on older
# mail and tested on newer mail (docs/performance.md, "Accuracy: a model that generalises"):
#   time      `mailfilter eval --time-split 0.7`: the earliest 70% of each class by arrival trains.
#   new-kind  the same cut, but hard_ham never trains: the earliest 70% of spam and easy_ham train,
#             the latest 30% of both and all 250 hard_ham (newsletters and commercial mail of a kind
#             the model never saw) test; the nearest we have to "a different stream".
#   half      the earliest 50% of each class trains, the latest 50% tests: a longer gap in time.
# Every split is deterministic (ordered by arrival: the topmost Received timestamp, else the Date header; then file name).
# usage: benchmarks/peers/model-splits.sh [eval options, e.g. --passes 3]
# Needs a built jar (./mvnw -q -B -DskipTests package). CORPUS overrides the corpus directory.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpora/spamassassin-public-corpus}
MF=${MF:-$ROOT/bin/mailfilter}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
summary() { grep -E '^(messages|spam recall|ham FP|1-ROCA|recall@)' | sed 's/^/  /'; }

# $1 split file, $2 role, $3 label, $4 directory: links to that part of the split
link() {
  mkdir -p "$4"
  awk -v r="$2" -v l="$3" -v d="$4" -v pwd="$PWD" '$2==r && $3==l {
      src = ($4 ~ /^\//) ? $4 : pwd "/" $4; n = split($4, a, "/")
      print src; print d "/" a[n-1] "-" a[n] }' "$1" | xargs -d '\n' -n2 ln -s
}

echo "time (earliest 70% of spam, easy_ham and hard_ham train):"
"$MF" eval --spam "$CORPUS/spam" --ham "$CORPUS/easy_ham" "$CORPUS/hard_ham" --time-split 0.7 "$@" | summary

"$MF" eval --spam "$CORPUS/spam" --ham "$CORPUS/easy_ham" --time-split 0.7 --split-out "$WORK/easy.split" >/dev/null
for r in train test; do for l in spam ham; do link "$WORK/easy.split" $r $l "$WORK/new-kind/$r-$l"; done; done
echo "new-kind (hard_ham only in the test set):"
"$MF" eval --train-spam "$WORK/new-kind/train-spam" --train-ham "$WORK/new-kind/train-ham" \
  --test-spam "$WORK/new-kind/test-spam" --test-ham "$WORK/new-kind/test-ham" "$CORPUS/hard_ham" "$@" | summary

echo "half (earliest 50% of each class train):"
"$MF" eval --spam "$CORPUS/spam" --ham "$CORPUS/easy_ham" "$CORPUS/hard_ham" --time-split 0.5 "$@" | summary
