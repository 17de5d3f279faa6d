# shellcheck shell=bash
# Shared definitions for lab-up.sh, lab-down.sh and fault.sh. Sourced, not run.

LAB=${VMDECK_LAB_DIR:-/tmp/vmdeck-lab}
LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export LAB LAB_SRC

# name address port user netns kind
LAB_HOSTS="
kvm1  127.0.0.1 2201 vmdeck-kvm1  -            libvirt
kvm2  127.0.0.1 2202 vmdeck-kvm2  -            libvirt
fleet 127.0.0.1 2203 vmdeck-fleet -            libvirt
xen1  127.0.0.1 2204 vmdeck-xen   -            xen
jump  10.77.1.2 22   vmdeck-jump  vmdeck-jump  bastion
inner 10.77.2.2 22   vmdeck-inner vmdeck-inner libvirt
ct1   127.0.0.1 2205 root         -            lxc
"
LAB_HOST_NAMES="kvm1 kvm2 fleet xen1 jump inner ct1"
# Hosts with a lab user of their own (created, keyed and cleaned up by lab-up/lab-down). ct1 logs in as root
# (privileged LXC containers need it); its key is served by its own sshd only (lib/setup-lxc.sh).
LAB_USER_HOSTS="kvm1 kvm2 fleet xen1 jump inner"

# Network namespace topology (only these lab addresses are ever used).
NS_JUMP=vmdeck-jump
NS_INNER=vmdeck-inner
VETH_ROOT=vmdeck-j0      # root ns side, 10.77.1.1/24
VETH_JUMP=vmdeck-j1      # jump ns side, 10.77.1.2/24
VETH_JUMP_IN=vmdeck-i0   # jump ns side, 10.77.2.1/24
VETH_INNER=vmdeck-i1     # inner ns side, 10.77.2.2/24

PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }

# host_get NAME FIELD  (FIELD: address port user netns kind)
host_get() {
  local want=$1 field=$2 n a p u ns k
  while read -r n a p u ns k; do
    [ "$n" = "$want" ] || continue
    case $field in
      address) echo "$a" ;; port) echo "$p" ;; user) echo "$u" ;;
      netns) echo "$ns" ;; kind) echo "$k" ;;
    esac
    return 0
  done <<<"$LAB_HOSTS"
  return 1
}

is_lab_host() { host_get "$1" kind >/dev/null 2>&1; }

host_dir() { echo "$LAB/hosts/$1"; }

# Run a command in the host's network namespace (or directly for loopback hosts).
in_host_ns() {
  local h=$1; shift
  local ns; ns=$(host_get "$h" netns)
  if [ "$ns" = "-" ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

# PID of the host's sshd listener, if it is running (checked against its config path).
sshd_pid() {
  local h=$1 pf pid
  pf="$(host_dir "$h")/sshd.pid"
  [ -s "$pf" ] || return 1
  pid=$(cat "$pf" 2>/dev/null) || return 1
  [ -n "$pid" ] && alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$(host_dir "$h")/sshd_config" || return 1
  echo "$pid"
}

# Is the process alive (exists and is not a zombie waiting to be reaped)?
alive() {
  local st
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# All descendants of a PID (children first-level and below), one per line.
descendants() {
  local root=$1
  ps -eo pid=,ppid= | awk -v r="$root" '
    { kids[$2] = kids[$2] " " $1 }
    END {
      n = split(kids[r], q, " "); i = 1
      while (i <= n) { p = q[i++]; print p; m = split(kids[p], c, " "); for (j = 1; j <= m; j++) q[++n] = c[j] }
    }'
}

# Can we open a TCP connection to the host's sshd (from where a client would)?
sshd_port_open() {
  local h=$1 a p
  a=$(host_get "$h" address); p=$(host_get "$h" port)
  if [ "$h" = inner ]; then
    ip netns exec "$NS_JUMP" timeout 2 bash -c "exec 3<>/dev/tcp/$a/$p" 2>/dev/null
  else
    timeout 2 bash -c "exec 3<>/dev/tcp/$a/$p" 2>/dev/null
  fi
}

start_sshd() {
  local h=$1 d
  d=$(host_dir "$h")
  if pid=$(sshd_pid "$h") && sshd_port_open "$h"; then return 0; fi
  if [ -n "${pid:-}" ]; then stop_sshd "$h"; fi
  mkdir -p /run/sshd && chmod 0755 /run/sshd
  rm -f "$d/sshd.pid"
  # sshd daemonises itself; setsid detaches it from our session and terminal.
  in_host_ns "$h" setsid /usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log" </dev/null >/dev/null 2>&1 \
    || die "sshd for $h failed to start (see $d/sshd.log)"
  local i
  for i in $(seq 1 50); do
    sshd_port_open "$h" && return 0
    sleep 0.1
  done
  die "sshd for $h is not accepting connections (see $d/sshd.log)"
}

# Stop the listener and every per-connection child, so existing sessions drop.
stop_sshd() {
  local h=$1 pid kids
  pid=$(sshd_pid "$h") || { rm -f "$(host_dir "$h")/sshd.pid"; return 0; }
  kids=$(descendants "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  # shellcheck disable=SC2086
  [ -z "$kids" ] || kill -KILL $kids 2>/dev/null || true
  local i
  for i in $(seq 1 30); do alive "$pid" || break; sleep 0.1; done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$(host_dir "$h")/sshd.pid"
}

# PIDs of the session libvirtd (and its helper virtlogd is left alone) of a host's user.
libvirtd_pids() {
  local u; u=$(host_get "$1" user)
  [ "$u" != root ] || return 0
  id -u "$u" >/dev/null 2>&1 || return 0
  pgrep -u "$u" -x libvirtd || true
}
