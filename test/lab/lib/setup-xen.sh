#!/bin/bash
# Install the xl simulator (test/lab/xen-sim, via its install.sh) into the lab dir for
# xen1's user. Usage: setup-xen.sh [--reset]
# $LAB/xen-sim/bin holds the copy, $LAB/xen-sim/state the simulated host state (owned by
# the xen1 user), $LAB/xen-sim/sshd-env the "NAME=value" words for xen1's sshd SetEnv.
# Without --reset an existing state is kept (guests created or destroyed by tests stay so).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
source "$HERE/common.sh"
SRC="$LAB_SRC/xen-sim"
DST="$LAB/xen-sim"
STATE="$DST/state"
U=$(host_get xen1 user)
RESET=()
[ "${1:-}" = --reset ] && RESET=(--reset)
mkdir -p "$DST"; chmod 0755 "$DST"

if [ ! -f "$SRC/install.sh" ]; then
  log "xen simulator not found at $SRC: installing a placeholder xl"
  mkdir -p "$DST/bin"
  printf '#!/bin/sh\necho "xl: vmdeck lab placeholder (xen simulator not installed)" >&2\nexit 1\n' >"$DST/bin/xl"
  chmod 0755 "$DST/bin/xl"
  echo "PATH=$DST/bin:/usr/local/bin:/usr/bin:/bin XLSIM_STATE=$STATE" >"$DST/sshd-env"
  exit 0
fi

bash "$SRC/install.sh" "$DST" "$STATE" --profile lab --owner "$U" "${RESET[@]}" >"$DST/install.log" 2>&1 \
  || { cat "$DST/install.log" >&2; die "xen simulator install.sh failed"; }
chmod -R a+rX "$DST/bin"

# Check it runs as the xen1 user with the sshd environment, and record its guests for lab.json.
home=$(getent passwd "$U" | cut -d: -f6)
# shellcheck disable=SC2046
runuser -u "$U" -- env -i HOME="$home" USER="$U" LOGNAME="$U" $(cat "$DST/sshd-env") xl list >"$DST/xl-list.txt" 2>"$DST/xl-list.err" \
  || { cat "$DST/xl-list.err" >&2; die "xl simulator does not run as $U"; }
awk 'NR > 1 && $1 != "Domain-0" { print $1 }' "$DST/xl-list.txt" >"$DST/guests.txt"
