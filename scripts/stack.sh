#!/usr/bin/env bash
# Local stack without Docker: Kafka (KRaft, from Maven Central), ClickHouse (Debian's clickhouse-server),
# PostgreSQL and Redis (reused when running), postfix's smtp-sink, and a postfix smtpd offering STARTTLS that
# discards what it accepts (the realistic relay for the sender's conformance suite and TLS bench; needs root).
# Idempotent: a second `up` only checks health.
# Usage: scripts/stack.sh up|down|status [kafka|clickhouse|postgres|redis|smtp|postfix ...] | clickhouse-users | kafka-libs
# Ports and the data folder come from CAIRN_* variables, so tests can run a private broker or server
# (e.g. a fault test that kills Kafka) beside the shared one.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK_DIR="${CAIRN_STACK_DIR:-$ROOT/.stack}"
KAFKA_PORT="${CAIRN_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${CAIRN_KAFKA_CONTROLLER_PORT:-9093}"
CH_HTTP_PORT="${CAIRN_CLICKHOUSE_HTTP_PORT:-8123}"
CH_TCP_PORT="${CAIRN_CLICKHOUSE_TCP_PORT:-9000}"
PG_PORT="${CAIRN_PG_PORT:-5432}"
REDIS_PORT="${CAIRN_REDIS_PORT:-6379}"
SMTP_PORT="${CAIRN_SMTP_SINK_PORT:-2525}"
POSTFIX_PORT="${CAIRN_POSTFIX_PORT:-2526}"
# One postfix relay per machine and port, whichever checkout started it: tests of any checkout read its log there.
POSTFIX_DIR="${CAIRN_POSTFIX_DIR:-/tmp/cairn-postfix-$POSTFIX_PORT}"
KAFKA_HEAP="${CAIRN_KAFKA_HEAP:-768m}"
KAFKA_VERSION="4.4.0" # the version in stack/kafka/pom.xml
# The broker's jars are the same for every checkout on the machine: one shared copy, keyed by the pom's hash, so a
# second checkout (or its benchmarks, which run Kafka's own ProducerPerformance) finds them.
KAFKA_POM_STAMP="$(sha256sum "$ROOT/stack/kafka/pom.xml" | cut -c1-16)"
KAFKA_LIBS="${CAIRN_KAFKA_LIBS:-${XDG_CACHE_HOME:-$HOME/.cache}/cairn/kafka-libs-$KAFKA_POM_STAMP}"
ALL_SERVICES=(kafka clickhouse postgres redis smtp postfix)

log() { printf '[stack] %s\n' "$*" >&2; }
fail() { printf '[stack] FAILED %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_until() { # wait_until <seconds> <command...>
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.3
  done
}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

apt_install() { # apt_install <package...>: install Debian packages, refreshing the index once if needed
  # Pieces start in parallel and dpkg takes one installer at a time: queue on a lock instead of failing.
  mkdir -p "$STACK_DIR"
  (
    flock 9
    export DEBIAN_FRONTEND=noninteractive
    local apt=(apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@")
    as_root "${apt[@]}" >/dev/null 2>&1 && exit 0
    log "refreshing the Debian package index"
    as_root apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null 2>&1 || true
    as_root "${apt[@]}" >/dev/null 2>&1
  ) 9>"$STACK_DIR/.apt.lock"
}

start_detached() { # start_detached <pidfile> <logfile> <command...>
  local pidfile="$1" logfile="$2"; shift 2
  setsid nohup "$@" >>"$logfile" 2>&1 < /dev/null &
  echo $! >"$pidfile"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# ---------------------------------------------------------------- Kafka
kafka_healthy() { port_open "$KAFKA_PORT"; }

# Who started the broker on this port writes its version here (machine-wide: another checkout reads it too).
kafka_state_file() { echo "${XDG_RUNTIME_DIR:-/tmp}/cairn-kafka-$KAFKA_PORT.version"; }
kafka_running_version() { cat "$(kafka_state_file)" 2>/dev/null || echo unknown; }

kafka_fetch_libs() { # the broker's jars from Maven Central, once per machine and pom
  local pom="$ROOT/stack/kafka/pom.xml" libs="$KAFKA_LIBS"
  [ "$(cat "$libs/.stamp" 2>/dev/null)" = "$KAFKA_POM_STAMP" ] && return 0
  command -v mvn >/dev/null || fail "kafka: mvn not found; install Maven (Debian: maven) to fetch the broker from Maven Central"
  log "kafka: fetching Kafka $KAFKA_VERSION from Maven Central (once per machine) into $libs"
  mkdir -p "$(dirname "$libs")"
  local tmp="$libs.tmp.$$"; rm -rf "$tmp"
  mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$tmp" >"$tmp.mvn.log" 2>&1 \
    || fail "kafka: Maven could not fetch the broker; see $tmp.mvn.log"
  echo "$KAFKA_POM_STAMP" >"$tmp/.stamp"
  rm -rf "$libs" && mv "$tmp" "$libs" && rm -f "$tmp.mvn.log"
}

kafka_up() {
  local dir="$STACK_DIR/kafka"
  if kafka_healthy; then
    local running; running="$(kafka_running_version)"
    if [ "$running" = "$KAFKA_VERSION" ] || ! pid_alive "$dir/kafka.pid"; then
      log "kafka $running already up on 127.0.0.1:$KAFKA_PORT"; return 0
    fi
    # This checkout started an older broker: replace it. Its data (local development only) is reformatted, since
    # a KRaft log is not downgradable and tests make their own topics anyway.
    log "kafka: replacing the running broker ($running) with Kafka $KAFKA_VERSION; local data is reset"
    stop_pidfile kafka "$dir/kafka.pid"
    rm -rf "$dir/data"
  fi
  command -v java >/dev/null || fail "kafka: java not found; install a JDK 17 (Debian: openjdk-17-jre-headless)"
  mkdir -p "$dir/log"
  kafka_fetch_libs
  sed -e "s#@KAFKA_PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" -e "s#@DATA_DIR@#$dir/data#g" \
    "$ROOT/stack/kafka/server.properties.tmpl" >"$dir/server.properties"
  local cp="$KAFKA_LIBS/*" log4j="-Dlog4j2.configurationFile=$ROOT/stack/kafka/log4j2.properties"
  if [ "$(cat "$dir/data/.cairn-kafka-version" 2>/dev/null)" != "$KAFKA_VERSION" ]; then
    rm -rf "$dir/data"; mkdir -p "$dir/data"
    local cluster_id; cluster_id="$(java -cp "$cp" "$log4j" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    java -cp "$cp" "$log4j" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" >"$dir/log/format.log" 2>&1 \
      || fail "kafka: storage format failed; see $dir/log/format.log"
    echo "$KAFKA_VERSION" >"$dir/data/.cairn-kafka-version"
  fi
  log "kafka: starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT"
  start_detached "$dir/kafka.pid" "$dir/log/server.log" java "-Xms256m" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC \
    "$log4j" -cp "$cp" kafka.Kafka "$dir/server.properties"
  wait_until 90 kafka_healthy || fail "kafka: not listening on 127.0.0.1:$KAFKA_PORT after 90 s; see $dir/log/server.log"
  echo "$KAFKA_VERSION" >"$(kafka_state_file)"
}

# ---------------------------------------------------------------- ClickHouse
clickhouse_healthy() { [ "$(curl -s --max-time 2 "http://127.0.0.1:$CH_HTTP_PORT/ping" 2>/dev/null)" = "Ok." ]; }

# Cairn's per-process users (stack/clickhouse/users.d/cairn-users.xml) with this stack's passwords and databases.
# The passwords are generated once and kept beside the server's config (cairn-users.env, mode 600), so every
# checkout sharing the server reads the same ones. Random rather than fixed: ClickHouse listens on loopback only
# here, but a fixed password in the repository would be one more public secret (docs/security.md).
CH_ROLES=(migrate aggregator time_zone_sync retention erasure api grafana)
# The demo's database is kept from run to run (scripts/demo/demo-namespace.ts); tests make users of their own.
CH_LOCAL_DATABASES=(cairn cairn_demo)

clickhouse_server_dir() { # the config folder of the server answering on CH_HTTP_PORT, whoever started it
  local pid cfg
  pid="$(ss -Hltnp "sport = :$CH_HTTP_PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)"
  if [ -n "$pid" ]; then
    cfg="$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | sed -n 's/^--config-file=//p; s/^--config=//p' | head -1)"
    if [ -n "$cfg" ]; then
      case "$cfg" in /*) ;; *) cfg="$(readlink -f "/proc/$pid/cwd")/$cfg" ;; esac
      dirname "$cfg"; return 0
    fi
  fi
  pid_alive "$STACK_DIR/clickhouse/clickhouse.pid" && { echo "$STACK_DIR/clickhouse"; return 0; }
  return 1
}

clickhouse_users_render() { # clickhouse_users_render <server dir>: the users.d files, rewritten only when they change
  # Test workers call this at once: one at a time, or two would each add the passwords.
  mkdir -p "$1" && ( flock 9 && clickhouse_users_write "$1" ) 9>"$1/.cairn-users.lock"
}

clickhouse_users_write() {
  local dir="$1" env="$1/cairn-users.env" role names=()
  mkdir -p "$dir/users.d"
  for role in "${CH_ROLES[@]}"; do names+=("CAIRN_CLICKHOUSE_${role^^}_PASSWORD"); done
  bash "$ROOT/scripts/secrets-env.sh" "$env" "${names[@]}" >/dev/null || return 1
  local overlay="$dir/.cairn-local.xml.new" password hash db
  {
    echo '<?xml version="1.0"?>'
    echo '<!-- Written by scripts/stack.sh: passwords (cairn-users.env) and databases of the local stack. -->'
    echo '<yandex><users>'
    for role in "${CH_ROLES[@]}"; do
      password="$(sed -n "s/^CAIRN_CLICKHOUSE_${role^^}_PASSWORD=//p" "$env")"
      hash="$(printf '%s' "$password" | sha256sum | cut -d' ' -f1)"
      printf '  <cairn_%s><password_sha256_hex>%s</password_sha256_hex><allow_databases replace="replace">' "$role" "$hash"
      for db in "${CH_LOCAL_DATABASES[@]}"; do printf '<database>%s</database>' "$db"; done
      printf '</allow_databases></cairn_%s>\n' "$role"
    done
    echo '</users></yandex>'
  } >"$overlay"
  # The definitions first: alone they are refused (no passwords) and the server keeps what it had.
  install_if_changed "$ROOT/stack/clickhouse/users.d/cairn-users.xml" "$dir/users.d/cairn-users.xml"
  install_if_changed "$overlay" "$dir/users.d/zz-cairn-local.xml" && rm -f "$overlay"
}

install_if_changed() { # install_if_changed <source> <target>: a changed file makes ClickHouse reload its users
  cmp -s "$1" "$2" && return 0
  cp "$1" "$2.tmp" && mv "$2.tmp" "$2"
}

clickhouse_users_live() { # the API's user logs in: the server has read the users files
  local password; password="$(sed -n 's/^CAIRN_CLICKHOUSE_API_PASSWORD=//p' "$1/cairn-users.env")"
  # the password on stdin, not on a command line other local users can read
  [ "$(printf 'user = "cairn_api:%s"\n' "$password" | curl -s --max-time 2 -K - "http://127.0.0.1:$CH_HTTP_PORT/" --data-binary 'SELECT 1' 2>/dev/null)" = "1" ]
}

clickhouse_users_up() { # installs Cairn's users into the running server (it rereads users.d within seconds)
  local dir; dir="$(clickhouse_server_dir)" || { log "clickhouse: cannot find the config folder of the server on 127.0.0.1:$CH_HTTP_PORT to install Cairn's users"; return 1; }
  [ -w "$dir" ] || { log "clickhouse: cannot write Cairn's users into $dir"; return 1; }
  clickhouse_users_render "$dir" || return 1
  wait_until 20 clickhouse_users_live "$dir" \
    || { log "clickhouse: the server did not take Cairn's users within 20 s; see the ConfigReloader lines in $dir/log/error.log"; return 1; }
}

clickhouse_up() {
  if clickhouse_healthy; then log "clickhouse already up on 127.0.0.1:$CH_HTTP_PORT"; clickhouse_users_up; return; fi
  if ! command -v clickhouse-server >/dev/null; then
    log "clickhouse: installing Debian's clickhouse-server (once)"
    apt_install clickhouse-server clickhouse-client || fail "clickhouse: apt-get install clickhouse-server failed (root and Debian's package index needed)"
  fi
  local dir="$STACK_DIR/clickhouse"
  mkdir -p "$dir/data" "$dir/tmp" "$dir/log"
  sed -e "s#@DIR@#$dir#g" -e "s#@HTTP_PORT@#$CH_HTTP_PORT#g" -e "s#@TCP_PORT@#$CH_TCP_PORT#g" \
    "$ROOT/stack/clickhouse/config.xml.tmpl" >"$dir/config.xml"
  cp "$ROOT/stack/clickhouse/users.xml" "$dir/users.xml"
  clickhouse_users_render "$dir" || fail "clickhouse: could not write Cairn's users into $dir/users.d"
  log "clickhouse: starting on 127.0.0.1:$CH_HTTP_PORT"
  (cd "$dir" && start_detached "$dir/clickhouse.pid" "$dir/log/stdout.log" clickhouse-server --config-file="$dir/config.xml")
  wait_until 60 clickhouse_healthy || fail "clickhouse: no answer on http://127.0.0.1:$CH_HTTP_PORT/ping after 60 s; see $dir/log/"
  wait_until 20 clickhouse_users_live "$dir" || fail "clickhouse: Cairn's users cannot log in; see $dir/log/error.log"
}

cmd_clickhouse_users() { # prints the users.d folder and each user's password as KEY=VALUE lines (demo, tests)
  clickhouse_healthy || fail "clickhouse: not up on 127.0.0.1:$CH_HTTP_PORT; run scripts/stack.sh up clickhouse"
  clickhouse_users_up || exit 1
  local dir; dir="$(clickhouse_server_dir)"
  echo "CAIRN_CLICKHOUSE_USERS_D=$dir/users.d"
  cat "$dir/cairn-users.env"
}

# ---------------------------------------------------------------- PostgreSQL
postgres_healthy() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }

postgres_up() {
  if postgres_healthy; then log "postgresql already up on 127.0.0.1:$PG_PORT"; return 0; fi
  if ! command -v pg_ctlcluster >/dev/null; then
    log "postgresql: installing Debian's postgresql (once)"
    apt_install postgresql || fail "postgresql: apt-get install postgresql failed"
  fi
  local version; version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)"
  [ -n "$version" ] || fail "postgresql: no cluster under /etc/postgresql"
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -q '^# cairn: trust on loopback' "$hba" 2>/dev/null; then
    # Local development only: loopback connections without a password, as on the project's machines.
    as_root sed -i '1i # cairn: trust on loopback\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba" || true
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
  wait_until 30 postgres_healthy || fail "postgresql: not ready on 127.0.0.1:$PG_PORT; start it with pg_ctlcluster $version main start"
}

# ---------------------------------------------------------------- Redis
redis_healthy() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

redis_up() {
  if redis_healthy; then log "redis already up on 127.0.0.1:$REDIS_PORT"; return 0; fi
  if ! command -v redis-server >/dev/null; then
    log "redis: installing Debian's redis-server (once)"
    apt_install redis-server || fail "redis: apt-get install redis-server failed"
  fi
  mkdir -p "$STACK_DIR/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$STACK_DIR/redis" --logfile "$STACK_DIR/redis/redis.log" >/dev/null 2>&1 || true
  wait_until 15 redis_healthy || fail "redis: no PONG on 127.0.0.1:$REDIS_PORT; see $STACK_DIR/redis/redis.log"
}

# ---------------------------------------------------------------- SMTP sink
smtp_healthy() { port_open "$SMTP_PORT"; }

smtp_up() {
  if smtp_healthy; then log "smtp-sink already up on 127.0.0.1:$SMTP_PORT"; return 0; fi
  if ! command -v smtp-sink >/dev/null; then
    log "smtp: installing postfix for smtp-sink/smtp-source (once)"
    apt_install postfix || fail "smtp: apt-get install postfix failed"
  fi
  local dir="$STACK_DIR/smtp"; mkdir -p "$dir"
  local user_flag=(); [ "$(id -u)" -eq 0 ] && user_flag=(-u nobody)
  start_detached "$dir/smtp-sink.pid" "$dir/smtp-sink.log" smtp-sink "${user_flag[@]}" -c "127.0.0.1:$SMTP_PORT" 1024
  wait_until 15 smtp_healthy || fail "smtp: smtp-sink not listening on 127.0.0.1:$SMTP_PORT; see $dir/smtp-sink.log"
}

# ---------------------------------------------------------------- postfix smtpd (STARTTLS, discard transport)
postfix_healthy() { port_open "$POSTFIX_PORT"; }

postfix_config() { # postfix_config <dir> <queue>: main.cf and master.cf of a private instance; nothing leaves the machine
  local dir="$1" queue="$2"
  cat >"$dir/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $queue
data_directory = $dir/data
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix-sink.localhost
mydestination =
alias_maps =
alias_database =
relay_domains = static:ALL
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = check_recipient_access inline:{{refused@postfix-sink.test = 550 5.1.1 no such user}, {busy@postfix-sink.test = 452 4.2.2 mailbox full}}, permit_mynetworks, reject
smtpd_tls_loglevel = 1
default_transport = discard:postfix-sink
relay_transport = discard:postfix-sink
local_transport = discard:postfix-sink
smtpd_tls_cert_file = $dir/etc/tls.crt
smtpd_tls_key_file = $dir/etc/tls.key
smtpd_tls_security_level = may
smtputf8_enable = yes
smtpd_peername_lookup = no
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
default_process_limit = 200
message_size_limit = 52428800
biff = no
EOF
  cat >"$dir/etc/master.cf" <<EOF
127.0.0.1:$POSTFIX_PORT inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
discard   unix  - - n - - discard
tlsmgr    unix  - - n 1000? 1 tlsmgr
postlog   unix-dgram n - n - 1 postlogd
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
EOF
}

postfix_up() {
  if postfix_healthy; then log "postfix smtpd already up on 127.0.0.1:$POSTFIX_PORT"; return 0; fi
  if ! command -v postfix >/dev/null; then
    log "postfix: installing postfix (once)"
    apt_install postfix || fail "postfix: apt-get install postfix failed"
  fi
  local dir="$POSTFIX_DIR"
  # The queue in memory where there is /dev/shm: a sink measures its clients, not this disk's fsync.
  local queue="$dir/queue"; [ -d /dev/shm ] && queue="/dev/shm/cairn-postfix-$POSTFIX_PORT"
  mkdir -p "$dir/etc" "$queue" "$dir/data"
  # The test-only certificate (test/fixtures/tls/README.md): the conformance suite trusts it as its CA.
  cp "$ROOT/test/fixtures/tls/localhost.crt" "$dir/etc/tls.crt"
  cp "$ROOT/test/fixtures/tls/localhost.key" "$dir/etc/tls.key"
  chmod 600 "$dir/etc/tls.key"
  postfix_config "$dir" "$queue"
  as_root chown postfix "$dir/data" || fail "postfix: its master runs as root (run as root or with sudo -n)"
  as_root postfix -c "$dir/etc" start >>"$dir/start.log" 2>&1 || true
  wait_until 20 postfix_healthy || fail "postfix: smtpd not listening on 127.0.0.1:$POSTFIX_PORT; see $dir/maillog"
}

# ---------------------------------------------------------------- commands
stop_pidfile() { # stop_pidfile <name> <pidfile>
  if pid_alive "$2"; then
    local pid; pid="$(cat "$2")"
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    log "$1 stopped"
  fi
  rm -f "$2"
}

status_line() { # status_line <name> <address> <health-fn>
  if "$3"; then printf '%-13s %-28s %s\n' "$1" "$2" healthy; else printf '%-13s %-28s %s\n' "$1" "$2" DOWN; return 1; fi
}

cmd_status() {
  local rc=0 node_bin="$ROOT/node_modules/.bin/node"
  [ -x "$node_bin" ] || node_bin="node"
  printf '%-13s %-28s %s\n' node "$("$node_bin" --version 2>/dev/null || echo none)" "services run on this Node.js ($node_bin)"
  printf '%-13s %-28s %s\n' kafka-broker "$(kafka_running_version)" "Apache Kafka version (this checkout wants $KAFKA_VERSION)"
  status_line kafka "127.0.0.1:$KAFKA_PORT" kafka_healthy || rc=1
  status_line clickhouse "http://127.0.0.1:$CH_HTTP_PORT" clickhouse_healthy || rc=1
  status_line postgresql "127.0.0.1:$PG_PORT" postgres_healthy || rc=1
  status_line redis "127.0.0.1:$REDIS_PORT" redis_healthy || rc=1
  status_line smtp-sink "127.0.0.1:$SMTP_PORT" smtp_healthy || rc=1
  status_line postfix "127.0.0.1:$POSTFIX_PORT" postfix_healthy || rc=1
  return $rc
}

cmd_up() {
  mkdir -p "$STACK_DIR"
  local started=$SECONDS
  # Independent pieces start in parallel; each reports its own failure.
  local pids=() names=("$@") rc=0
  for name in "${names[@]}"; do "${name}_up" & pids+=($!); done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || { log "${names[$i]} did not come up"; rc=1; }; done
  [ $rc -eq 0 ] || exit 1
  log "stack up in $((SECONDS - started)) s"
}

cmd_down() {
  for name in "$@"; do
    case "$name" in
      smtp) stop_pidfile smtp-sink "$STACK_DIR/smtp/smtp-sink.pid" ;;
      postfix) postfix_healthy && as_root postfix -c "$POSTFIX_DIR/etc" stop >/dev/null 2>&1 && log "postfix stopped" ;;
      clickhouse) stop_pidfile clickhouse "$STACK_DIR/clickhouse/clickhouse.pid" ;;
      kafka) pid_alive "$STACK_DIR/kafka/kafka.pid" && rm -f "$(kafka_state_file)"; stop_pidfile kafka "$STACK_DIR/kafka/kafka.pid" ;;
      postgres | redis) log "$name is shared with the machine and left running" ;;
    esac
  done
}

command="${1:-status}"; shift || true
[ $# -gt 0 ] || set -- "${ALL_SERVICES[@]}"
case "$command" in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  status) cmd_status ;;
  kafka-libs) kafka_fetch_libs && echo "$KAFKA_LIBS" ;;
  clickhouse-users) cmd_clickhouse_users ;;
  *) echo "usage: $0 up|down|status|kafka-libs|clickhouse-users" >&2; exit 2 ;;
esac
