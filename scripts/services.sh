#!/usr/bin/env bash
# Installs (from Debian packages) and starts the real services the tests use, on this machine.
#   bash scripts/services.sh up mariadb [...]     install if needed, start, wait until ready
#   bash scripts/services.sh down mariadb [...]   stop
#   bash scripts/services.sh status               what is running
#   bash scripts/services.sh stop-slurmctld       stop only Slurm's controller (jobs keep running)
#   bash scripts/services.sh start-slurmctld      start it again, wait until it answers and the node is up
#   bash scripts/services.sh restart-slurmctld    both (tests: "slurmctld goes away during monitoring")
#   bash scripts/services.sh stop-dockerd         stop only dockerd (containers keep running: live-restore)
#   bash scripts/services.sh start-dockerd        start it again, wait until it answers
#   bash scripts/services.sh restart-dockerd      both (tests: "the engine restarts during monitoring")
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

# ---- openssl (no daemon: HTTPS tests make a throwaway CA and certificates with the CLI) -------
openssl_up() {
  apt_install openssl
  openssl version >/dev/null || die "openssl does not run"
  log "openssl ready: $(openssl version)"
}
openssl_down() { :; }
openssl_status() { if command -v openssl >/dev/null 2>&1; then echo "openssl: installed"; else echo "openssl: missing"; fi; }

# ---- Slurm (one-node cluster: munged, slurmctld, slurmd, all on this machine) ---------------
# Slurm 22.05 from Debian. Everything runs as root (SlurmUser=root); munged runs as user munge.
# No slurmdbd: `sacct` answers "Slurm accounting storage is disabled"; finished jobs stay visible in
# `squeue -t all` / `scontrol show job` for MinJobAge seconds.
SLURM_CONF=/etc/slurm/slurm.conf
SLURM_MARK='# harvester-ts scripts/services.sh: one-node Slurm for tests (delete this line to keep your own edits)'
SLURMCTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
MUNGED_PID=/run/munge/munged.pid
export PATH="$PATH:/usr/sbin:/sbin"

pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
stop_pidfile() { # stop_pidfile <pidfile> <name>: SIGTERM, wait up to 30 s, then SIGKILL
  local pidfile=$1 name=$2 pid i
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 120; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then log "$name ($pid) ignored SIGTERM; killing it"; kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
  log "$name stopped"
}

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
slurmctld_ok() { scontrol ping 2>/dev/null | grep -q 'is UP'; }
# Every node answers and can take jobs: idle, mixed or allocated (no '*' = not responding, no drain).
slurm_nodes_ok() {
  local states
  states=$(sinfo -h -N -o '%T' 2>/dev/null) || return 1
  [ -n "$states" ] && ! grep -qvE '^(idle|mixed|allocated|completing|planned)$' <<<"$states"
}

slurm_conf_text() {
  local host cpus mem_mb ctld_host node_addr=''
  host=$(hostname -s)
  cpus=$(nproc)
  # slurmd drains a node whose RealMemory exceeds what it finds: stay 5% below MemTotal.
  mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.95 }' /proc/meminfo)
  ctld_host=$host
  if ! getent hosts "$host" >/dev/null 2>&1; then ctld_host="$host(127.0.0.1)"; node_addr=' NodeAddr=127.0.0.1'; fi
  cat <<CONF
$SLURM_MARK
# Written by 'bash scripts/services.sh up slurm'; rewritten there when the machine changes.
ClusterName=harvester
SlurmctldHost=$ctld_host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
# Cores only: --mem is checked against the node's RealMemory at submission, not reserved per job.
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# Tests want quick turnarounds: schedule often, kill soon after SIGTERM, return a node that comes
# back to service by itself, keep finished jobs visible for 5 minutes.
SchedulerParameters=sched_interval=5,bf_interval=5
MessageTimeout=5
KillWait=5
MinJobAge=300
ReturnToService=2
SlurmctldTimeout=60
SlurmdTimeout=60
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$SLURMCTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$host$node_addr CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
# For time-limit tests: jobs asking for more than 2 minutes pend here (Reason=PartitionTimeLimit).
PartitionName=short Nodes=$host Default=NO MaxTime=2 State=UP OverSubscribe=FORCE:4
CONF
}

munged_up() {
  if munge_ok; then log "munged already running"; return 0; fi
  install -d -o munge -g munge -m 0700 /etc/munge
  if [ ! -s /etc/munge/munge.key ]; then
    log "creating /etc/munge/munge.key"
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge
  install -d -o munge -g munge -m 0711 /var/lib/munge
  log "starting munged (as user munge)"
  runuser -u munge -- munged >"$state/munged.out" 2>&1 || { cat "$state/munged.out" >&2; die "munged did not start"; }
  touch "$state/munged.ours"
  wait_for 20 munged munge_ok
}

slurmctld_start() {
  if pid_alive "$SLURMCTLD_PID" && slurmctld_ok; then log "slurmctld already running"; return 0; fi
  mkdir -p /var/spool/slurmctld /var/log/slurm
  log "starting slurmctld (log /var/log/slurm/slurmctld.log)"
  # Without -c it recovers its saved state: jobs submitted before a stop are still known.
  slurmctld >"$state/slurmctld.out" 2>&1 || { cat "$state/slurmctld.out" >&2; die "slurmctld did not start"; }
  wait_for 60 slurmctld slurmctld_ok
}

slurmd_start() {
  if pid_alive "$SLURMD_PID"; then log "slurmd already running"; return 0; fi
  mkdir -p /var/spool/slurmd /var/log/slurm
  log "starting slurmd (log /var/log/slurm/slurmd.log)"
  slurmd >"$state/slurmd.out" 2>&1 || { cat "$state/slurmd.out" >&2; die "slurmd did not start"; }
}

# Waits until the node takes jobs; a node that comes up down or drained (e.g. after an unclean stop)
# is resumed once.
slurm_wait_nodes() {
  local i nodes
  for ((i = 0; i < 120; i++)); do
    slurm_nodes_ok && return 0
    if [ $i -eq 20 ] || [ $i -eq 60 ]; then
      nodes=$(sinfo -h -N -o '%N %T' 2>/dev/null | awk '$2 ~ /^(down|drain|drained|draining|fail)/ { print $1 }' | paste -sd, -)
      if [ -n "$nodes" ]; then
        log "node $nodes is $(sinfo -h -N -o '%T %E' | head -n 1); resuming it"
        scontrol update nodename="$nodes" state=resume || true
      fi
    fi
    sleep 0.5
  done
  sinfo -N -l >&2 || true
  die "the Slurm node did not become idle within 60s"
}

slurm_up() {
  apt_install munge slurm-wlm
  munged_up
  mkdir -p /etc/slurm
  local want changed=0
  want=$(slurm_conf_text)
  if [ -e "$SLURM_CONF" ] && [ "$(head -n 1 "$SLURM_CONF")" != "$SLURM_MARK" ]; then
    log "$SLURM_CONF was not written by this script: using it as it is"
  elif [ "$(cat "$SLURM_CONF" 2>/dev/null)" != "$want" ]; then
    log "writing $SLURM_CONF"
    printf '%s\n' "$want" >"$SLURM_CONF.tmp" && mv "$SLURM_CONF.tmp" "$SLURM_CONF"
    changed=1
  fi
  if [ $changed -eq 1 ] && { pid_alive "$SLURMCTLD_PID" || pid_alive "$SLURMD_PID"; }; then
    log "slurm.conf changed: restarting the daemons"
    stop_pidfile "$SLURMD_PID" slurmd
    stop_pidfile "$SLURMCTLD_PID" slurmctld
  fi
  slurmctld_start
  slurmd_start
  slurm_wait_nodes
  # Smoke test: a batch job and a job step run to completion.
  timeout 60 sbatch --wait --quiet --chdir=/tmp --output=/dev/null --job-name=services-smoke --wrap true \
    || die "slurm: the smoke job 'sbatch --wait --wrap true' failed"
  timeout 60 srun -N1 --job-name=services-smoke true || die "slurm: 'srun -N1 true' failed"
  log "slurm ready: $(sinfo -h -o '%R %D node(s) %c CPUs %m MB %T' | paste -sd';' -) ($(sinfo -V))"
}

slurm_down() {
  stop_pidfile "$SLURMD_PID" slurmd
  stop_pidfile "$SLURMCTLD_PID" slurmctld
  if [ -e "$state/munged.ours" ]; then
    stop_pidfile "$MUNGED_PID" munged
    rm -f "$state/munged.ours"
  fi
}

slurm_status() {
  local ctld=down slurmd=down node=''
  command -v slurmctld >/dev/null 2>&1 || { echo "slurm: not installed"; return 0; }
  slurmctld_ok && ctld=up
  pid_alive "$SLURMD_PID" && slurmd=up
  [ $ctld = up ] && node=", node $(sinfo -h -N -o '%N %T' 2>/dev/null | sort -u | paste -sd, -)"
  if [ $ctld = up ] && [ $slurmd = up ]; then
    echo "slurm: up$node"
  elif [ $ctld = down ] && [ $slurmd = down ]; then
    echo "slurm: down"
  else
    echo "slurm: slurmctld $ctld, slurmd $slurmd$node"
  fi
}

# Tests that need the controller gone for a while (jobs keep running under slurmd meanwhile).
stop_slurmctld() { stop_pidfile "$SLURMCTLD_PID" slurmctld; }
start_slurmctld() {
  slurmctld_start
  slurm_wait_nodes
  log "slurmctld up"
}

# ---- Docker Engine (dockerd from Debian's docker.io; the test image is imported, no registry) ----
# dockerd starts and supervises its own containerd (under /run/docker/containerd); its settings live
# in $state/dockerd.json (not /etc/docker/daemon.json, which stays the machine's own). live-restore
# keeps containers running while dockerd is stopped or restarted (stop-dockerd / restart-dockerd).
DOCKER_IMAGE=harvester-test/busybox:latest
DOCKER_RECIPE_LABEL=org.harvester-ts.recipe
DOCKERD_PID=/run/docker.pid

docker_ok() { timeout 10 docker info >/dev/null 2>&1; }

dockerd_config_text() {
  cat <<'JSON'
{
  "live-restore": true,
  "storage-driver": "overlay2",
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "log-driver": "json-file",
  "log-opts": { "max-size": "10m", "max-file": "2" }
}
JSON
}

dockerd_start() {
  if docker_ok; then
    pid_alive "$DOCKERD_PID" || log "dockerd answers but was not started by this script (no $DOCKERD_PID): using it as it is"
    log "dockerd already running"
    return 0
  fi
  local want
  want=$(dockerd_config_text)
  [ "$(cat "$state/dockerd.json" 2>/dev/null)" = "$want" ] || printf '%s\n' "$want" >"$state/dockerd.json"
  log "starting dockerd (log $state/dockerd.log)"
  # Own session: a test runner killing its process group does not take the engine with it.
  setsid nohup dockerd --config-file "$state/dockerd.json" --pidfile "$DOCKERD_PID" \
    >>"$state/dockerd.log" 2>&1 </dev/null &
  local i
  for ((i = 0; i < 240; i++)); do
    docker_ok && return 0
    if ! kill -0 $! 2>/dev/null; then tail -20 "$state/dockerd.log" >&2; die "dockerd exited while starting"; fi
    sleep 0.25
  done
  tail -20 "$state/dockerd.log" >&2
  die "dockerd did not answer 'docker info' within 60s"
}

# Writes the test image's root filesystem as a reproducible tarball to $1: busybox (Debian's
# busybox-static) with every applet linked in /bin, /usr/bin and /sbin pointing at /bin, /tmp, and
# /etc/passwd with root and nobody.
docker_rootfs_tar() {
  local out=$1 root a
  root=$(mktemp -d "$state/rootfs.XXXXXX")
  mkdir -p "$root"/{bin,etc,tmp,var/tmp,root,home,proc,sys,dev,usr}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  chmod 0700 "$root/root"
  ln -s ../bin "$root/usr/bin"
  ln -s ../bin "$root/usr/sbin"
  ln -s bin "$root/sbin"
  install -m 0755 "$(command -v busybox)" "$root/bin/busybox"
  for a in $(busybox --list); do
    [ "$a" = busybox ] || [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
  done
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$out" .
  rm -rf "$root"
}

docker_image() {
  local tarball hash have old_id
  tarball="$state/busybox-rootfs.tar"
  docker_rootfs_tar "$tarball.tmp" && mv "$tarball.tmp" "$tarball"
  hash=$(sha256sum "$tarball" | cut -c1-16)
  have=$(docker image inspect -f "{{ index .Config.Labels \"$DOCKER_RECIPE_LABEL\" }}" "$DOCKER_IMAGE" 2>/dev/null || true)
  if [ "$have" = "$hash" ]; then
    log "image $DOCKER_IMAGE up to date ($DOCKER_RECIPE_LABEL=$hash)"
    return 0
  fi
  old_id=$(docker image inspect -f '{{ .Id }}' "$DOCKER_IMAGE" 2>/dev/null || true)
  log "importing $DOCKER_IMAGE from $tarball ($DOCKER_RECIPE_LABEL=$hash)"
  docker import \
    --change "LABEL $DOCKER_RECIPE_LABEL=$hash" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["sh"]' \
    "$tarball" "$DOCKER_IMAGE" >/dev/null || die "docker import failed"
  # The previous build, now untagged (kept while a container still uses it).
  [ -z "$old_id" ] || docker rmi "$old_id" >/dev/null 2>&1 || true
}

docker_up() {
  apt_install docker.io busybox-static
  dockerd_start
  # A dockerd started otherwise (e.g. by the package's init script) lacks live-restore.
  if [ "$(docker info -f '{{.LiveRestoreEnabled}}' 2>/dev/null)" != true ]; then
    if pid_alive "$DOCKERD_PID"; then
      log "dockerd runs without live-restore: restarting it with $state/dockerd.json"
      stop_dockerd
      dockerd_start
    else
      log "warning: dockerd runs without live-restore; restart-dockerd will not keep containers"
    fi
  fi
  docker_image
  # Smoke tests: a container runs, and a bind-mounted directory is shared both ways.
  local out dir
  out=$(timeout 60 docker run --rm "$DOCKER_IMAGE" sh -c 'echo ok') || die "docker: 'docker run $DOCKER_IMAGE' failed"
  [ "$out" = ok ] || die "docker: the smoke container printed '$out', not 'ok'"
  dir=$(mktemp -d)
  echo in >"$dir/in"
  timeout 60 docker run --rm -v "$dir:/data" "$DOCKER_IMAGE" sh -c 'cat /data/in >/data/out' \
    && [ "$(cat "$dir/out" 2>/dev/null)" = in ] || { rm -rf "$dir"; die "docker: a bind mount of $dir did not work"; }
  rm -rf "$dir"
  log "docker ready: $(docker version -f 'server {{.Server.Version}} (API {{.Server.APIVersion}}), client {{.Client.Version}}'), image $DOCKER_IMAGE"
}

stop_dockerd() {
  if ! pid_alive "$DOCKERD_PID"; then
    if docker_ok; then log "dockerd answers but was not started by this script (no $DOCKERD_PID): leaving it"; fi
    return 0
  fi
  # With live-restore, containers keep running; dockerd stops its own containerd.
  stop_pidfile "$DOCKERD_PID" dockerd
}
start_dockerd() {
  dockerd_start
  log "dockerd up"
}

docker_down() {
  local running
  if pid_alive "$DOCKERD_PID" && docker_ok; then
    running=$(docker ps -q)
    if [ -n "$running" ]; then
      log "stopping $(wc -l <<<"$running") running container(s)"
      # shellcheck disable=SC2086
      docker stop -t 2 $running >/dev/null || true
    fi
  fi
  stop_dockerd
}

docker_status() {
  command -v dockerd >/dev/null 2>&1 || { echo "docker: not installed"; return 0; }
  if ! docker_ok; then echo "docker: down"; return 0; fi
  local image=missing
  docker image inspect "$DOCKER_IMAGE" >/dev/null 2>&1 && image=present
  echo "docker: up, $(docker info -f 'server {{.ServerVersion}}, {{.ContainersRunning}} running container(s), live-restore {{.LiveRestoreEnabled}}'), image $DOCKER_IMAGE $image"
}

# ---- dispatch -------------------------------------------------------------------------------
known="mariadb busybox openssl slurm docker"
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
  stop-slurmctld) stop_slurmctld ;;
  start-slurmctld) start_slurmctld ;;
  restart-slurmctld) stop_slurmctld && start_slurmctld ;;
  stop-dockerd) stop_dockerd ;;
  start-dockerd) start_dockerd ;;
  restart-dockerd) stop_dockerd && start_dockerd ;;
  *) die "usage: $0 up|down|status [service...] | stop-slurmctld|start-slurmctld|restart-slurmctld | stop-dockerd|start-dockerd|restart-dockerd  (services: $known)" ;;
esac
