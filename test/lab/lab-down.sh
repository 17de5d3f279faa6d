#!/bin/bash
# Stop every lab process, remove the network namespaces and the lab dir.
# Keeps the kernel cache (/var/cache/vmdeck-lab) and the lab users.
#   --keep-dir   keep $VMDECK_LAB_DIR (keys, host keys, logs) for inspection
#   --purge      also delete the lab users and their homes
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
[ "$(id -u)" -eq 0 ] || die "lab-down must run as root"
KEEP=0; PURGE=0
for a in "$@"; do case $a in --keep-dir) KEEP=1 ;; --purge) PURGE=1 ;; *) die "unknown option $a" ;; esac; done

for h in $LAB_HOST_NAMES; do stop_sshd "$h"; done
bash "$HERE/lib/setup-lxc.sh" --down

# Everything still running as a lab user (session libvirtd, virtlogd, qemu, ...), by PID.
for h in $LAB_USER_HOSTS; do
  u=$(host_get "$h" user)
  id -u "$u" >/dev/null 2>&1 || continue
  pids=$(pgrep -u "$u" || true)
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -TERM $pids 2>/dev/null || true
done
for _ in $(seq 1 20); do
  left=0
  for h in $LAB_USER_HOSTS; do
    u=$(host_get "$h" user); id -u "$u" >/dev/null 2>&1 || continue
    for p in $(pgrep -u "$u" || true); do alive "$p" && left=1; done
  done
  [ $left = 0 ] && break
  sleep 0.1
done
for h in $LAB_USER_HOSTS; do
  u=$(host_get "$h" user)
  id -u "$u" >/dev/null 2>&1 || continue
  pids=$(pgrep -u "$u" || true)
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  uid=$(id -u "$u"); rm -rf "/run/user/$uid"
done

# Delay proxies started by fault/lab helpers record their PIDs here.
if [ -d "$LAB/proxies" ]; then
  for f in "$LAB"/proxies/*.pid; do [ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null; rm -f "$f"; done
fi

ip netns del "$NS_INNER" 2>/dev/null || true
ip netns del "$NS_JUMP" 2>/dev/null || true
ip link del "$VETH_ROOT" 2>/dev/null || true
ip route del unreachable 10.77.0.0/16 2>/dev/null || true
if command -v iptables >/dev/null 2>&1 && iptables -n -L VMDECK-LAB >/dev/null 2>&1; then
  iptables -D INPUT -j VMDECK-LAB 2>/dev/null || true
  iptables -F VMDECK-LAB; iptables -X VMDECK-LAB
fi

if [ $PURGE = 1 ]; then
  for h in $LAB_USER_HOSTS; do
    u=$(host_get "$h" user)
    id -u "$u" >/dev/null 2>&1 && userdel -r "$u" 2>/dev/null
  done
fi
if [ $KEEP = 0 ]; then
  case "$LAB" in /|/tmp|/root|/home|"") die "refusing to remove $LAB" ;; esac
  rm -rf "$LAB"
else
  rm -f "$LAB/lab.json"
fi
log "lab is down"
