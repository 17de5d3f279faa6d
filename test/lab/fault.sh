#!/bin/bash
# Fault controls for lab hosts.
#   bash test/lab/fault.sh HOST ACTION
# ACTION: stop-sshd | start-sshd | kill-libvirtd | cut-net | restore-net | status
#   stop-sshd      kill the host's sshd listener and all its per-connection children
#   start-sshd     start it again (same config, same host key)
#   kill-libvirtd  SIGKILL the session libvirtd of the host's user (kvm1, kvm2; it is
#                  autostarted again by the next virsh call and re-attaches to running qemu).
#                  No-op for test-driver hosts (fleet, inner) and xen1: they have no daemon.
#   cut-net        jump/inner: take the veth link down (new connects fail with
#                  "No route to host", open connections stall).
#                  Loopback hosts: iptables DROP of the host's TCP port in both directions
#                  (open connections stall, new connects time out).
#   restore-net    undo cut-net
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
H=${1:-}; A=${2:-}
[ -n "$H" ] && [ -n "$A" ] || die "usage: fault.sh HOST stop-sshd|start-sshd|kill-libvirtd|cut-net|restore-net|status"
is_lab_host "$H" || die "unknown lab host '$H' (hosts: $LAB_HOST_NAMES)"
[ "$(id -u)" -eq 0 ] || die "fault.sh must run as root"

ipt_rules() { # add|del PORT
  local op=$1 port=$2 dir
  for dir in --dport --sport; do
    if [ "$op" = add ]; then
      iptables -C VMDECK-LAB -p tcp -d 127.0.0.1 "$dir" "$port" -j DROP 2>/dev/null \
        || iptables -A VMDECK-LAB -p tcp -d 127.0.0.1 "$dir" "$port" -j DROP
    else
      while iptables -D VMDECK-LAB -p tcp -d 127.0.0.1 "$dir" "$port" -j DROP 2>/dev/null; do :; done
    fi
  done
}
ipt_chain() {
  command -v iptables >/dev/null 2>&1 || die "iptables is not installed: cut-net for loopback hosts needs it (or use the delay proxy blackhole)"
  iptables -n -L VMDECK-LAB >/dev/null 2>&1 || iptables -N VMDECK-LAB
  iptables -C INPUT -j VMDECK-LAB 2>/dev/null || iptables -I INPUT -j VMDECK-LAB
}

case $A in
  stop-sshd) stop_sshd "$H" ;;
  start-sshd)
    [ -s "$(host_dir "$H")/sshd_config" ] || die "lab is not up (no sshd_config for $H)"
    start_sshd "$H" ;;
  kill-libvirtd)
    pids=$(libvirtd_pids "$H")
    # shellcheck disable=SC2086
    if [ -n "$pids" ]; then kill -KILL $pids; for p in $pids; do while alive "$p"; do sleep 0.05; done; done; fi ;;
  cut-net)
    case $H in
      jump) ip link set "$VETH_ROOT" down ;;
      inner) ip netns exec "$NS_JUMP" ip link set "$VETH_JUMP_IN" down ;;
      *) ipt_chain; ipt_rules add "$(host_get "$H" port)" ;;
    esac ;;
  restore-net)
    case $H in
      jump) ip link set "$VETH_ROOT" up; ip netns exec "$NS_JUMP" ip link set "$VETH_JUMP" up ;;
      inner) ip netns exec "$NS_JUMP" ip link set "$VETH_JUMP_IN" up; ip netns exec "$NS_INNER" ip link set "$VETH_INNER" up ;;
      *) if command -v iptables >/dev/null 2>&1 && iptables -n -L VMDECK-LAB >/dev/null 2>&1; then ipt_rules del "$(host_get "$H" port)"; fi ;;
    esac ;;
  status)
    if pid=$(sshd_pid "$H"); then echo "sshd: running (pid $pid)"; else echo "sshd: stopped"; fi
    echo "libvirtd: $(libvirtd_pids "$H" | tr '\n' ' ')" ;;
  *) die "unknown action '$A'" ;;
esac
