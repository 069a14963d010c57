#!/usr/bin/env bash
# Installs (from Debian packages) and starts the real services the tests use, on this machine.
#   bash scripts/services.sh up mariadb [...]     install if needed, start, wait until ready
#   bash scripts/services.sh down mariadb [...]   stop
#   bash scripts/services.sh status               what is running
# Idempotent: a service that is already up is left as it is. Needs root (apt-get, daemons).
set -euo pipefail

state=${HARVESTER_SERVICES_DIR:-/var/tmp/harvester-services}
mkdir -p "$state"

log() { printf '[services] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root"
  if [ $apt_updated -eq 0 ]; then
    log "apt-get update"
    apt-get update -qq >"$state/apt-update.log" 2>&1 || { cat "$state/apt-update.log" >&2; die "apt-get update failed"; }
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >"$state/apt-install.log" 2>&1 || { tail -30 "$state/apt-install.log" >&2; die "apt-get install ${missing[*]} failed"; }
}

wait_for() { # wait_for <seconds> <description> <command...>
  local secs=$1 what=$2; shift 2
  local i
  for ((i = 0; i < secs * 4; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  die "$what did not become ready within ${secs}s"
}

# ---- MariaDB --------------------------------------------------------------------------------
MYSQL_USER=harvester
MYSQL_PASSWORD=harvester

mariadb_up() {
  apt_install mariadb-server mariadb-client
  if mariadb-admin --protocol=socket -uroot ping >/dev/null 2>&1; then
    log "mariadb already running"
  else
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
    if [ ! -d /var/lib/mysql/mysql ]; then
      log "initialising the data directory"
      mariadb-install-db --user=mysql --datadir=/var/lib/mysql >"$state/mariadb-install.log" 2>&1
    fi
    log "starting mariadbd"
    nohup mariadbd --user=mysql --bind-address=127.0.0.1 --port=3306 \
      --max-connections=500 --innodb-buffer-pool-size=512M --innodb-flush-log-at-trx-commit=2 \
      >"$state/mariadb.log" 2>&1 &
    echo $! >"$state/mariadb.pid"
    wait_for 60 mariadb mariadb-admin --protocol=socket -uroot ping
  fi
  # The tests' account: creates and drops its own throwaway databases.
  mariadb --protocol=socket -uroot <<SQL
CREATE USER IF NOT EXISTS '$MYSQL_USER'@'localhost' IDENTIFIED BY '$MYSQL_PASSWORD';
CREATE USER IF NOT EXISTS '$MYSQL_USER'@'127.0.0.1' IDENTIFIED BY '$MYSQL_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$MYSQL_USER'@'localhost';
GRANT ALL PRIVILEGES ON *.* TO '$MYSQL_USER'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
  mariadb -h127.0.0.1 -P3306 -u"$MYSQL_USER" -p"$MYSQL_PASSWORD" -e 'SELECT VERSION()' >/dev/null \
    || die "mariadb: cannot log in as $MYSQL_USER over TCP"
  log "mariadb ready: mysql://$MYSQL_USER:***@127.0.0.1:3306 ($(mariadb -N -uroot -e 'SELECT VERSION()'))"
}

mariadb_down() {
  if mariadb-admin --protocol=socket -uroot ping >/dev/null 2>&1; then
    mariadb-admin --protocol=socket -uroot shutdown
    log "mariadb stopped"
  fi
}

mariadb_status() {
  if mariadb-admin --protocol=socket -uroot ping >/dev/null 2>&1; then echo "mariadb: up"; else echo "mariadb: down"; fi
}

# ---- busybox (no daemon: the worker wrapper's tests run it under busybox sh) -----------------
busybox_up() {
  apt_install busybox-static
  busybox sh -c 'exit 0' || die "busybox sh does not run"
  log "busybox ready: $(busybox | head -n 1)"
}
busybox_down() { :; }
busybox_status() { if command -v busybox >/dev/null 2>&1; then echo "busybox: installed"; else echo "busybox: missing"; fi; }

# ---- dispatch -------------------------------------------------------------------------------
known="mariadb busybox"
cmd=${1:-}
shift || true
case "$cmd" in
  up | down)
    [ $# -gt 0 ] || die "usage: $0 $cmd <service...>  (services: $known)"
    for s in "$@"; do
      case " $known " in *" $s "*) "${s}_${cmd}" ;; *) die "unknown service '$s' (known: $known)" ;; esac
    done
    ;;
  status) for s in $known; do "${s}_status"; done ;;
  *) die "usage: $0 up|down|status [service...]  (services: $known)" ;;
esac
