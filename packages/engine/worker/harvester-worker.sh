#!/bin/sh
# harvester-worker.sh — runs the jobs the harvester fed into a worker's access point.
#
#   usage: harvester-worker.sh <accessPoint>
#
# POSIX sh; runs under busybox sh, dash and bash. External commands: date, sleep, mv, rm, wc,
# uname (all busybox applets). Nothing from the job is ever evaluated as shell code: the
# harvester's shared-file messenger writes each job as single-quoted variable assignments
# (harvester-job.env), with jobPars already split into words (HARVESTER_JOB_ARG_1..N).
#
# Reads (written by the harvester):
#   <ap>/harvester-jobs.list      one job directory per line, relative to <ap>: "." or a PandaID
#   <ap>/harvester-worker.env     worker identity and the payload-interaction file names
#   <jobdir>/harvester-job.env    HARVESTER_PANDA_ID, HARVESTER_TRANSFORMATION, HARVESTER_JOB_PARS,
#                                 HARVESTER_JOB_ARGC, HARVESTER_JOB_ARG_<i>, HARVESTER_OUTPUT_FILES,
#                                 HARVESTER_LOG_FILE, ...
#   <ap>/kill_worker.json         when it appears: stop the payload (TERM, then KILL after
#                                 HARVESTER_KILL_GRACE seconds, default 30), start no more jobs
# Each job, in list order: HARVESTER_TRANSFORMATION (an absolute path; a relative path with '/'
# from the job directory; a bare name from PATH, else from the job directory; a URL: its last
# component, likewise) runs as "$trf" "$HARVESTER_JOB_ARG_1" ... in the background, in the job
# directory, stdin /dev/null, with PandaID, HARVESTER_PANDA_ID, HARVESTER_TASK_ID,
# HARVESTER_JOB_DIR, HARVESTER_ACCESS_POINT, ... exported; the wrapper polls every second.
# Writes (each atomically: a temporary file, then mv):
#   <jobdir>/payload.stdout, payload.stderr
#   <jobdir>/worker_attributes.json   the job's attributes (jobStatus running, then finished/failed,
#                                     transExitCode, startTime, endTime (epoch s), cpuConsumptionTime,
#                                     cpuConsumptionUnit "s", node, pilotErrorCode/pilotErrorDiag)
#   <jobdir>/jobReport.json           {"exitCode": n, "exitMsg": "..."} unless the payload wrote one
#   <jobdir>/event_status.dump.json   {"<PandaID>": [{"path", "type", "fsize", "eventStatus"}]}: the
#                                     expected outputs that exist (of a successful payload only) and
#                                     the log file if it exists; written only when there is one
#   <ap>/worker_heartbeat.json        rewritten every HARVESTER_HEARTBEAT_INTERVAL seconds
#   <ap>/harvester-worker.exit        the exit code of this script
# Environment: HARVESTER_KILL_GRACE (seconds, default 30), HARVESTER_HEARTBEAT_INTERVAL (seconds,
# default from harvester-worker.env, else 60), HARVESTER_PAYLOAD_PGROUP=0 to keep the payload in
# the wrapper's process group even where job control would give it its own (by default it gets
# its own group when the shell supports it: bash; busybox sh and dash without a terminal do not,
# and then the payload and its descendants are found through /proc). A TERM, INT or HUP sent to
# the wrapper is handled like the kill file.
# Exit code: 0 when every payload succeeded, else the first non-zero payload code (128+signal for
# a killed payload: 143 TERM, 137 KILL), 127 transformation not found, 126 not executable,
# 2 for a broken access point.

hw_log() { printf 'harvester-worker: %s\n' "$*" >&2; }

if [ $# -ne 1 ] || [ -z "$1" ]; then
  hw_log 'usage: harvester-worker.sh <accessPoint>'
  exit 2
fi
if ! cd -P "$1" 2>/dev/null; then
  hw_log "cannot enter the access point $1"
  exit 2
fi
# A signal to the wrapper stops the payload like the kill file does (checked every second).
HW_SIGNALLED=
trap 'HW_SIGNALLED=TERM' TERM
trap 'HW_SIGNALLED=INT' INT
trap 'HW_SIGNALLED=HUP' HUP

# The physical path, kept intact even if it ends with a newline.
HW_AP=$(pwd -P && echo x) || exit 2
HW_AP=${HW_AP%?}
HW_AP=${HW_AP%?}

HW_NL='
'
HW_IFS=" 	$HW_NL"
IFS=$HW_IFS
HW_CTL=$(printf '\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017\020\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037\177')

# ---- settings ---------------------------------------------------------------------------------
HARVESTER_KILL_FILE=kill_worker.json
HARVESTER_HEARTBEAT_FILE=worker_heartbeat.json
HARVESTER_ATTRIBUTES_FILE=worker_attributes.json
HARVESTER_JOB_REPORT_FILE=jobReport.json
HARVESTER_EVENT_STATUS_FILE=event_status.dump.json
HARVESTER_WORKER_HEARTBEAT_INTERVAL=
HW_GRACE_ENV=${HARVESTER_KILL_GRACE-}
HW_HB_ENV=${HARVESTER_HEARTBEAT_INTERVAL-}
if [ -f "$HW_AP/harvester-worker.env" ]; then
  # Checked in a subshell first: a broken file must not end this shell.
  if (. "$HW_AP/harvester-worker.env") >/dev/null 2>&1; then
    . "$HW_AP/harvester-worker.env"
  else
    hw_log "ignoring the unreadable $HW_AP/harvester-worker.env"
  fi
fi

hw_plain_name() { # $1 = a file name from the settings; fails unless it is one path component
  case $1 in '' | . | .. | */*) return 1 ;; esac
  case $1 in *["$HW_CTL"]*) return 1 ;; esac
  return 0
}
for hw_var in HARVESTER_KILL_FILE HARVESTER_HEARTBEAT_FILE HARVESTER_ATTRIBUTES_FILE \
  HARVESTER_JOB_REPORT_FILE HARVESTER_EVENT_STATUS_FILE; do
  eval "hw_val=\${$hw_var}"
  if ! hw_plain_name "$hw_val"; then
    hw_log "bad file name in $hw_var; exiting"
    exit 2
  fi
done

hw_uint() { # $1 = value, $2 = default: prints $1 without leading zeros when it is an unsigned integer
  case $1 in '' | *[!0-9]*) printf '%s' "$2" ;; *)
    hw_d=${1#"${1%%[!0]*}"}
    printf '%s' "${hw_d:-0}"
    ;;
  esac
}
HW_GRACE=$(hw_uint "$HW_GRACE_ENV" 30)
HW_HB_INTERVAL=$(hw_uint "$HW_HB_ENV" "$(hw_uint "$HARVESTER_WORKER_HEARTBEAT_INTERVAL" 60)")
[ "$HW_HB_INTERVAL" -gt 0 ] || HW_HB_INTERVAL=1
HW_NODE=$(uname -n 2>/dev/null) || HW_NODE=
HW_TIMES_FILE="$HW_AP/.harvester-worker.times.$$"

# Job control puts the payload into its own process group (bash, or a shell with a terminal);
# without it the payload and its descendants are found through /proc.
HW_PGRP=0
if [ "${HARVESTER_PAYLOAD_PGROUP:-1}" != 0 ]; then
  { set -m; } 2>/dev/null
  case $- in *m*) HW_PGRP=1 ;; esac
fi

# ---- JSON ---------------------------------------------------------------------------------------
hw_json_str() { # $1 = text; sets HW_J to it as a JSON string literal
  hw_s=$1
  case $hw_s in
    *\\* | *\"* | *["$HW_CTL"]*) ;;
    *)
      HW_J="\"$hw_s\""
      return 0
      ;;
  esac
  hw_o=
  while [ -n "$hw_s" ]; do
    hw_r=${hw_s#?}
    hw_c=${hw_s%"$hw_r"}
    hw_s=$hw_r
    case $hw_c in
      \\) hw_o="$hw_o\\\\" ;;
      \") hw_o="$hw_o\\\"" ;;
      ["$HW_CTL"])
        hw_pre=${HW_CTL%%"$hw_c"*}
        hw_n=$((${#hw_pre} + 1))
        [ "$hw_n" -eq 32 ] && hw_n=127
        case $hw_n in
          8) hw_o="$hw_o\\b" ;;
          9) hw_o="$hw_o\\t" ;;
          10) hw_o="$hw_o\\n" ;;
          12) hw_o="$hw_o\\f" ;;
          13) hw_o="$hw_o\\r" ;;
          *) hw_o="$hw_o$(printf '\\u%04x' "$hw_n")" ;;
        esac
        ;;
      *) hw_o="$hw_o$hw_c" ;;
    esac
  done
  HW_J="\"$hw_o\""
}

hw_write() { # $1 = path, $2 = content: written atomically
  hw_tmp="$1.tmp.$$"
  if printf '%s\n' "$2" >"$hw_tmp" 2>/dev/null && mv -f "$hw_tmp" "$1" 2>/dev/null; then
    return 0
  fi
  rm -f "$hw_tmp" 2>/dev/null
  hw_log "cannot write $1"
  return 1
}

HW_LAST_HB=0
hw_heartbeat() { # $1 = now (epoch s); $2 = "force" to write regardless of the interval
  if [ "$2" = force ] || [ $(($1 - HW_LAST_HB)) -ge "$HW_HB_INTERVAL" ]; then
    hw_write "$HW_AP/$HARVESTER_HEARTBEAT_FILE" "{\"timestamp\": $1, \"pid\": $$}" && HW_LAST_HB=$1
  fi
}

hw_now() { HW_NOW=$(date +%s) || HW_NOW=0; }

# ---- CPU time (the times builtin: user and system time of the reaped children) ------------------
hw_to_ms() { # $1 = "<m>m<s>.<frac>s"; sets HW_MS
  hw_t=${1%s}
  hw_m=${hw_t%%m*}
  hw_sec=${hw_t#*m}
  hw_i=${hw_sec%%.*}
  hw_f=
  case $hw_sec in *.*) hw_f=${hw_sec#*.} ;; esac
  hw_f="${hw_f}000"
  hw_f=${hw_f%"${hw_f#???}"}
  HW_MS=$(($(hw_uint "$hw_m" 0) * 60000 + $(hw_uint "$hw_i" 0) * 1000 + $(hw_uint "$hw_f" 0)))
}

hw_children_cpu() { # sets HW_CPU_MS
  HW_CPU_MS=0
  times >"$HW_TIMES_FILE" 2>/dev/null || return 0
  hw_l2=
  { read -r hw_l1 && read -r hw_l2; } <"$HW_TIMES_FILE" 2>/dev/null
  rm -f "$HW_TIMES_FILE"
  set -f
  set -- $hw_l2
  set +f
  case $# in
    2) hw_u=$1 hw_y=$2 ;;
    4) hw_u=$1$2 hw_y=$3$4 ;;
    *) return 0 ;;
  esac
  hw_to_ms "$hw_u"
  hw_user=$HW_MS
  hw_to_ms "$hw_y"
  HW_CPU_MS=$((hw_user + HW_MS))
}

# ---- stopping a payload -------------------------------------------------------------------------
hw_descendants() { # $1 = pid; prints the pids of its descendants (from /proc)
  hw_queue=$1
  hw_pairs=
  for hw_st in /proc/[0-9]*/stat; do
    { read -r hw_line <"$hw_st"; } 2>/dev/null || continue
    hw_p=${hw_st#/proc/}
    hw_p=${hw_p%/stat}
    hw_rest=${hw_line##*) }
    set -f
    set -- $hw_rest
    set +f
    hw_pairs="$hw_pairs $hw_p:$2"
  done
  while [ -n "$hw_queue" ]; do
    set -f
    set -- $hw_queue
    set +f
    hw_parent=$1
    shift
    hw_queue=$*
    for hw_pair in $hw_pairs; do
      if [ "${hw_pair#*:}" = "$hw_parent" ]; then
        printf '%s\n' "${hw_pair%%:*}"
        hw_queue="$hw_queue ${hw_pair%%:*}"
      fi
    done
  done
}

HW_KILL_LIST=
hw_signal() { # $1 = signal; sends it to the payload's process group, or to it and its descendants
  if [ "$HW_PGRP" = 1 ]; then
    kill -s "$1" -- "-$HW_PID" 2>/dev/null || kill -s "$1" "$HW_PID" 2>/dev/null
    return 0
  fi
  for hw_k in $(hw_descendants "$HW_PID"); do
    case " $HW_KILL_LIST " in *" $hw_k "*) ;; *) HW_KILL_LIST="$HW_KILL_LIST $hw_k" ;; esac
  done
  kill -s "$1" "$HW_PID" $HW_KILL_LIST 2>/dev/null
  return 0
}

hw_kill_wanted() {
  [ -n "$HW_SIGNALLED" ] && return 0
  [ -e "$HW_AP/$HARVESTER_KILL_FILE" ] || [ -h "$HW_AP/$HARVESTER_KILL_FILE" ]
}

hw_kill_reason() {
  if [ -n "$HW_SIGNALLED" ]; then
    HW_REASON="the worker received SIG$HW_SIGNALLED"
  else
    HW_REASON="kill file $HARVESTER_KILL_FILE appeared"
  fi
}

# ---- one job ------------------------------------------------------------------------------------
hw_unset_job() {
  hw_i=1
  case ${HARVESTER_JOB_ARGC-} in '' | *[!0-9]*) HARVESTER_JOB_ARGC=0 ;; esac
  while [ "$hw_i" -le "$HARVESTER_JOB_ARGC" ]; do
    unset "HARVESTER_JOB_ARG_$hw_i"
    hw_i=$((hw_i + 1))
  done
  unset HARVESTER_PANDA_ID HARVESTER_TASK_ID HARVESTER_ATTEMPT_NR HARVESTER_CORE_COUNT \
    HARVESTER_TRANSFORMATION HARVESTER_JOB_PARS HARVESTER_JOB_ARGC HARVESTER_INPUT_FILES \
    HARVESTER_OUTPUT_FILES HARVESTER_LOG_FILE
}

hw_find_transformation() { # sets HW_TRF, or HW_FAIL_RC/HW_FAIL_CODE/HW_FAIL_DIAG
  HW_TRF=
  hw_name=${HARVESTER_TRANSFORMATION-}
  case $hw_name in
    '')
      HW_FAIL_RC=127 HW_FAIL_CODE=1346 HW_FAIL_DIAG='the job has no transformation'
      return 1
      ;;
    *://*) hw_name=${hw_name##*/} ;; # a URL: the file it names, provided in the job directory or PATH
  esac
  case $hw_name in
    '')
      HW_FAIL_RC=127 HW_FAIL_CODE=1346 HW_FAIL_DIAG="transformation $HARVESTER_TRANSFORMATION names no file"
      return 1
      ;;
    /*) hw_cand=$hw_name ;;
    */*) hw_cand=$HW_JD/$hw_name ;;
    *)
      hw_cand=
      IFS=:
      set -f
      for hw_dir in $PATH; do
        case $hw_dir in /*) ;; *) continue ;; esac
        if [ -f "$hw_dir/$hw_name" ] && [ -x "$hw_dir/$hw_name" ]; then
          hw_cand=$hw_dir/$hw_name
          break
        fi
      done
      set +f
      IFS=$HW_IFS
      [ -n "$hw_cand" ] || hw_cand=$HW_JD/$hw_name
      ;;
  esac
  if [ ! -f "$hw_cand" ]; then
    HW_FAIL_RC=127 HW_FAIL_CODE=1346 HW_FAIL_DIAG="transformation not found: $HARVESTER_TRANSFORMATION"
    return 1
  fi
  if [ ! -x "$hw_cand" ]; then
    HW_FAIL_RC=126 HW_FAIL_CODE=1305 HW_FAIL_DIAG="transformation is not executable: $hw_cand"
    return 1
  fi
  HW_TRF=$hw_cand
  return 0
}

hw_record() { # $1 = jobStatus, $2 = exit code, $3 = pilot error code ('' for none), $4 = diagnostic
  hw_json_str "$HW_PANDA_ID"
  hw_key=$HW_J
  # Outputs (only of a successful payload) and the log file, when they exist.
  hw_list=
  hw_add() { # $1 = file name, $2 = type
    hw_p="$HW_JD/$1"
    [ -f "$hw_p" ] || return 0
    hw_size=$(wc -c <"$hw_p" 2>/dev/null) || return 0
    set -f
    set -- "$1" "$2" $hw_size
    set +f
    hw_json_str "$hw_p"
    hw_list="$hw_list${hw_list:+, }{\"path\": $HW_J, \"type\": \"$2\", \"fsize\": $(hw_uint "${3-}" 0), \"eventStatus\": \"finished\"}"
  }
  if [ "$1" = finished ]; then
    set -f
    for hw_out in ${HARVESTER_OUTPUT_FILES-}; do
      case $hw_out in '' | . | .. | */*) continue ;; esac
      hw_add "$hw_out" output
    done
    set +f
  fi
  case ${HARVESTER_LOG_FILE-} in '' | . | .. | */*) ;; *) hw_add "$HARVESTER_LOG_FILE" log ;; esac
  if [ -n "$hw_list" ]; then
    hw_write "$HW_JD/$HARVESTER_EVENT_STATUS_FILE" "{$hw_key: [$hw_list]}"
  fi
  # A job report of the payload's own is kept.
  if [ ! -e "$HW_JD/$HARVESTER_JOB_REPORT_FILE" ]; then
    if [ "$2" = 0 ]; then hw_json_str OK; else hw_json_str "$4"; fi
    hw_write "$HW_JD/$HARVESTER_JOB_REPORT_FILE" "{\"exitCode\": $2, \"exitMsg\": $HW_J}"
  fi
  # The attributes last: once the harvester sees the final jobStatus, everything else is there.
  hw_json_str "$HW_NODE"
  hw_attrs="{\"jobStatus\": \"$1\", \"transExitCode\": $2, \"startTime\": $HW_START, \"endTime\": $HW_END"
  hw_attrs="$hw_attrs, \"cpuConsumptionTime\": $HW_CPU, \"cpuConsumptionUnit\": \"s\", \"node\": $HW_J"
  if [ -n "$3" ]; then
    hw_json_str "$4"
    hw_attrs="$hw_attrs, \"pilotErrorCode\": $3, \"pilotErrorDiag\": $HW_J"
  fi
  hw_write "$HW_JD/$HARVESTER_ATTRIBUTES_FILE" "$hw_attrs}"
}

hw_run_job() { # $1 = job directory entry ("." or a PandaID); sets HW_JOB_RC
  case $1 in
    .) HW_JD=$HW_AP ;;
    *) HW_JD=$HW_AP/$1 ;;
  esac
  hw_unset_job
  hw_now
  HW_START=$HW_NOW HW_END=$HW_NOW HW_CPU=0
  HW_PANDA_ID=$1
  hw_env="$HW_JD/harvester-job.env"
  if [ ! -f "$hw_env" ] || ! (. "$hw_env") >/dev/null 2>&1; then
    hw_log "job $1: missing or unreadable $hw_env"
    case $1 in .) HW_PANDA_ID=0 ;; esac
    HW_JOB_RC=2
    [ -d "$HW_JD" ] && hw_record failed 2 1110 "harvester-job.env is missing or unreadable"
    return 0
  fi
  . "$hw_env"
  case ${HARVESTER_PANDA_ID-} in
    '' | *[!0-9]*)
      hw_log "job $1: no valid HARVESTER_PANDA_ID in $hw_env"
      HW_JOB_RC=2
      return 0
      ;;
  esac
  HW_PANDA_ID=$HARVESTER_PANDA_ID
  case ${HARVESTER_JOB_ARGC-} in '' | *[!0-9]*) HARVESTER_JOB_ARGC=0 ;; esac

  if hw_kill_wanted; then
    hw_kill_reason
    HW_JOB_RC=143
    hw_record failed 143 1201 "not started: $HW_REASON before the payload started"
    return 0
  fi
  if ! hw_find_transformation; then
    hw_log "job $HW_PANDA_ID: $HW_FAIL_DIAG"
    HW_JOB_RC=$HW_FAIL_RC
    hw_record failed "$HW_FAIL_RC" "$HW_FAIL_CODE" "$HW_FAIL_DIAG"
    return 0
  fi

  hw_write "$HW_JD/$HARVESTER_ATTRIBUTES_FILE" "{\"jobStatus\": \"running\", \"startTime\": $HW_START}"

  set --
  hw_i=1
  while [ "$hw_i" -le "$HARVESTER_JOB_ARGC" ]; do
    eval "hw_a=\${HARVESTER_JOB_ARG_$hw_i-}"
    set -- "$@" "$hw_a"
    hw_i=$((hw_i + 1))
  done

  hw_children_cpu
  hw_cpu0=$HW_CPU_MS
  hw_log "job $HW_PANDA_ID: running $HW_TRF ($# arguments) in $HW_JD"
  (
    cd "$HW_JD" || exit 126
    PandaID=$HARVESTER_PANDA_ID
    HARVESTER_JOB_DIR=$HW_JD
    HARVESTER_ACCESS_POINT=$HW_AP
    export PandaID HARVESTER_JOB_DIR HARVESTER_ACCESS_POINT HARVESTER_PANDA_ID HARVESTER_TASK_ID \
      HARVESTER_ATTEMPT_NR HARVESTER_CORE_COUNT HARVESTER_WORKER_ID HARVESTER_ID
    exec "$HW_TRF" "$@"
  ) </dev/null >"$HW_JD/payload.stdout" 2>"$HW_JD/payload.stderr" &
  HW_PID=$!
  HW_KILL_LIST=
  hw_killed=0
  hw_term_at=0
  while kill -0 "$HW_PID" 2>/dev/null; do
    hw_now
    if [ "$hw_killed" = 0 ] && hw_kill_wanted; then
      hw_kill_reason
      hw_log "job $HW_PANDA_ID: $HW_REASON; sending TERM to the payload"
      hw_killed=1
      hw_term_at=$HW_NOW
      hw_signal TERM
    elif [ "$hw_killed" = 1 ] && [ $((HW_NOW - hw_term_at)) -ge "$HW_GRACE" ]; then
      hw_log "job $HW_PANDA_ID: still running ${HW_GRACE}s after TERM; sending KILL"
      hw_killed=2
      hw_signal KILL
    fi
    hw_heartbeat "$HW_NOW"
    sleep 1
  done
  wait "$HW_PID"
  hw_rc=$?
  # Leftovers of a stopped payload (its group, or the descendants seen while stopping it).
  [ "$hw_killed" = 0 ] || hw_signal KILL
  hw_now
  HW_END=$HW_NOW
  hw_children_cpu
  HW_CPU=$(((HW_CPU_MS - hw_cpu0 + 500) / 1000))
  [ "$HW_CPU" -ge 0 ] || HW_CPU=0
  HW_JOB_RC=$hw_rc
  if [ "$hw_killed" = 0 ] && [ -n "$HW_SIGNALLED" ] && [ "$hw_rc" -gt 128 ]; then
    # The signal reached the payload directly (e.g. sent to the whole process group).
    hw_kill_reason
    hw_killed=1
  fi

  if [ "$hw_killed" != 0 ] && [ "$hw_rc" != 0 ]; then
    if [ "$hw_killed" = 2 ]; then
      hw_record failed "$hw_rc" 1200 "payload killed: $HW_REASON; SIGTERM, then SIGKILL after ${HW_GRACE}s (exit code $hw_rc)"
    else
      hw_record failed "$hw_rc" 1201 "payload killed: $HW_REASON; stopped by SIGTERM (exit code $hw_rc)"
    fi
  elif [ "$hw_rc" = 0 ]; then
    hw_record finished 0 '' ''
  else
    hw_record failed "$hw_rc" '' "payload exited with code $hw_rc"
  fi
  hw_log "job $HW_PANDA_ID: exit code $hw_rc"
  return 0
}

# ---- main ---------------------------------------------------------------------------------------
hw_finish() { # $1 = exit code
  hw_write "$HW_AP/harvester-worker.exit" "$1"
  exit "$1"
}

hw_now
hw_heartbeat "$HW_NOW" force
HW_LIST="$HW_AP/harvester-jobs.list"
if [ ! -f "$HW_LIST" ]; then
  hw_log "no job list $HW_LIST"
  hw_finish 2
fi
HW_ENTRIES=
HW_RC=0
while IFS= read -r hw_entry || [ -n "$hw_entry" ]; do
  case $hw_entry in
    '') ;;
    . | [0-9]*)
      case $hw_entry in
        *[!0-9.]* | ?*.* | .?*)
          hw_log 'ignoring a bad job list entry'
          [ "$HW_RC" != 0 ] || HW_RC=2
          ;;
        *) HW_ENTRIES="$HW_ENTRIES $hw_entry" ;;
      esac
      ;;
    *)
      hw_log 'ignoring a bad job list entry'
      [ "$HW_RC" != 0 ] || HW_RC=2
      ;;
  esac
done <"$HW_LIST"

set -f
for hw_entry in $HW_ENTRIES; do
  set +f
  hw_run_job "$hw_entry"
  if [ "$HW_RC" = 0 ] && [ "$HW_JOB_RC" != 0 ]; then HW_RC=$HW_JOB_RC; fi
  hw_now
  hw_heartbeat "$HW_NOW" force
done
set +f
hw_finish "$HW_RC"
