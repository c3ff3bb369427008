# Rspamd 3.x from a private config over the packaged one, with Redis-backed Bayes, no network;
# shared by speed.sh (scanning over HTTP) and milter.sh (its milter, the proxy worker).
# Needs lib/common.sh sourced first (log, die, free_ports, wait_until, pids, ...).
# shellcheck shell=bash
# shellcheck disable=SC2034 # rspamd_start sets variables for the sourcing script

# rspamd_hs_loaded LOG: both normal workers have loaded the compiled hyperscan database. Until
# the hs_helper has compiled the regexps, workers fall back to PCRE and are slower, so nothing
# is timed before.
rspamd_hs_loaded() {
  [ "$(grep -ac '(normal).*full hyperscan database .* has been loaded' "$1")" -ge 2 ]
}

# rspamd_start DIR [--milter]: writes a private config under DIR and starts Redis and Rspamd on
# free loopback ports (two normal workers, a controller; with --milter also the proxy worker in
# milter mode as packaged, forwarding to the normal workers), and waits until they answer and
# have loaded their hyperscan database. Sets rspamd_pid, redis_pid (both listed in `pids`, so
# cleanup stops them), rspamd_normal_port, rspamd_ctrl_port, rspamd_milter_port; Redis is at
# redis_port. Bayes on that Redis starts empty: speed.sh teaches it, milter.sh does not.
rspamd_start() {
  local r=$1 milter=0 p_redis p_normal p_ctrl p_proxy p_fuzzy p_dns
  [ "${2:-}" = --milter ] && milter=1
  read -r p_redis p_normal p_ctrl p_proxy p_fuzzy p_dns < <(free_ports tcp tcp tcp tcp udp udp)
  redis_port=$p_redis
  mkdir -p "$r/redis" "$r/local/local.d" "$r/local/override.d" "$r/db" "$r/run" "$r/log"

  log "starting redis on 127.0.0.1:$p_redis"
  redis-server --bind 127.0.0.1 --port "$p_redis" --save '' --appendonly no --daemonize no \
    --dir "$r/redis" --logfile "$r/redis/redis.log" &
  redis_pid=$!
  pids+=("$redis_pid")
  wait_until 20 "$redis_pid" redis "$r/redis/redis.log" redis-cli -h 127.0.0.1 -p "$p_redis" ping

  local L="$r/local/local.d" O="$r/local/override.d"
  # Workers on our own ports. override.d replaces the keys it names, so the stock
  # `bind_socket = "localhost:1133x"` is gone (local.d would merge both into a list).
  cat >"$O/worker-normal.inc" <<EOF
bind_socket = "127.0.0.1:$p_normal";
count = 2;
EOF
  cat >"$O/worker-controller.inc" <<EOF
bind_socket = "127.0.0.1:$p_ctrl";
count = 1;
secure_ip = "127.0.0.1";
EOF
  if [ "$milter" = 1 ]; then
    # The packaged milter setup (worker-proxy.inc: milter = yes, one process) with its upstream
    # moved from localhost:11333 to our normal workers, which do the scanning as in a stock
    # install.
    cat >"$O/worker-proxy.inc" <<EOF
bind_socket = "127.0.0.1:$p_proxy";
milter = yes;
timeout = 120s;
upstream "local" {
  default = yes;
  hosts = "127.0.0.1:$p_normal";
}
count = 1;
max_retries = 5;
discard_on_reject = false;
quarantine_on_reject = false;
spam_header = "X-Spam";
reject_message = "Spam message rejected";
EOF
  else
    cat >"$O/worker-proxy.inc" <<EOF
bind_socket = "127.0.0.1:$p_proxy";
count = -1;
EOF
  fi
  cat >"$O/worker-fuzzy.inc" <<EOF
bind_socket = "127.0.0.1:$p_fuzzy";
count = -1;
EOF
  # DNS at a closed local port: any lookup fails fast instead of reaching the internet.
  cat >"$O/options.inc" <<EOF
dns {
  nameserver = ["127.0.0.1:$p_dns"];
  timeout = 0.1s;
  sockets = 2;
  retransmits = 1;
}
EOF
  # Bayes on the Redis above. Only the classifier gets the Redis address: a global `redis {}`
  # would switch on every Redis-backed module (history, ratelimit, replies, neural, ...).
  cat >"$L/classifier-bayes.conf" <<EOF
backend = "redis";
servers = "127.0.0.1:$p_redis";
min_learns = 200;
EOF
  # Network modules off.
  local m
  for m in rbl surbl emails fuzzy_check dkim spf dmarc arc asn phishing url_redirector neural \
    ratelimit greylist reputation rspamd_update once_received mx_check dcc whitelist multimap \
    history_redis replies bimi p0f clickhouse elastic metadata_exporter external_services \
    antivirus aws_s3 spamtrap; do
    echo 'enabled = false;' >"$L/$m.conf"
  done
  # hfilter: keep the local header, URL and recipient checks, drop the parts that resolve the
  # HELO and MAIL FROM domains.
  cat >"$L/hfilter.conf" <<'EOF'
helo_enabled = false;
from_enabled = false;
EOF
  # Maps that default to maps.rspamd.com: the packaged local copies only.
  cat >"$O/mid.conf" <<'EOF'
source {
  url = ["${CONFDIR}/maps.d/mid.inc"];
}
EOF
  cat >"$O/mime_types.conf" <<'EOF'
file = ["${CONFDIR}/maps.d/mime_types.inc"];
extension_map = {
  html = "text/html";
  txt = ["message/disposition-notification", "text/plain", "text/rfc822-headers"];
  pdf = ["application/octet-stream", "application/pdf", "application/x-pdf"];
}
EOF
  local user_args=()
  if [ "$(id -u)" = 0 ]; then
    id _rspamd >/dev/null 2>&1 || die "user _rspamd missing (reinstall the rspamd package)"
    chown -R _rspamd:_rspamd "$r/db" "$r/run" "$r/log"
    user_args=(-u _rspamd -g _rspamd)
  fi
  local vars=(--var=LOCAL_CONFDIR="$r/local" --var=DBDIR="$r/db" --var=RUNDIR="$r/run" --var=LOGDIR="$r/log")

  rspamadm "${vars[@]}" configtest -c /etc/rspamd/rspamd.conf >"$r/configtest.out" 2>&1 ||
    { cat "$r/configtest.out" >&2; die "rspamd refuses the private config (above)"; }

  log "starting rspamd (normal :$p_normal x2, controller :$p_ctrl); the first start compiles its regexp cache"
  local t0
  t0=$(now)
  rspamd -f "${user_args[@]}" -c /etc/rspamd/rspamd.conf "${vars[@]}" >"$r/stdout.log" 2>&1 &
  rspamd_pid=$!
  pids+=("$rspamd_pid")
  wait_until 120 "$rspamd_pid" rspamd "$r/log/rspamd.log" curl -fsS "http://127.0.0.1:$p_normal/ping"
  wait_until 120 "$rspamd_pid" "rspamd controller" "$r/log/rspamd.log" \
    rspamc -h "127.0.0.1:$p_ctrl" -t 5 stat
  log "rspamd answers after $(elapsed "$t0" "$(now)") s; waiting for its hyperscan database"
  wait_until 300 "$rspamd_pid" "rspamd hyperscan compilation" "$r/log/rspamd.log" rspamd_hs_loaded "$r/log/rspamd.log"
  log "rspamd ready after $(elapsed "$t0" "$(now)") s"
  if [ "$milter" = 1 ]; then
    # shellcheck disable=SC2016 # $1 is for the inner bash
    wait_until 60 "$rspamd_pid" "rspamd milter (proxy worker)" "$r/log/rspamd.log" \
      bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$p_proxy"
  fi
  rspamd_normal_port=$p_normal rspamd_ctrl_port=$p_ctrl rspamd_milter_port=$p_proxy
}
