#!/bin/bash
# Install the xl simulator for a lab host.
#   install.sh <destdir> <statedir> [--profile lab|reference] [--owner USER] [--reset]
# Copies bin/ to <destdir>/bin, initialises the simulated host state in <statedir> and writes
# <destdir>/sshd-env ("PATH=... XLSIM_STATE=...") for an sshd SetEnv line.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -lt 2 ]; then
  echo "usage: $0 <destdir> <statedir> [--profile lab|reference] [--owner USER] [--reset]" >&2
  exit 2
fi
DEST=$1; STATE=$2; shift 2
PROFILE=lab; OWNER=""; RESET=0
while [ $# -gt 0 ]; do
  case $1 in
    --profile) PROFILE=$2; shift 2 ;;
    --owner) OWNER=$2; shift 2 ;;
    --reset) RESET=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$DEST/bin"
for f in xl xentop xenstore-watch xenstore-ls; do install -m 0755 "$HERE/bin/$f" "$DEST/bin/$f"; done
for f in "$HERE"/bin/xlsim_*.py; do install -m 0644 "$f" "$DEST/bin/"; done
chmod 0755 "$DEST" "$DEST/bin"
if [ "$RESET" = 1 ] && [ -d "$STATE" ]; then
  # stop console daemons of the old state, then drop it
  for p in "$STATE"/con/*.pid; do [ -e "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done
  rm -rf "$STATE"
fi
mkdir -p "$STATE"
XLSIM_STATE="$STATE" XLSIM_PROFILE="$PROFILE" "$DEST/bin/xl" list >/dev/null
if [ -n "$OWNER" ]; then chown -R "$OWNER:" "$STATE"; fi
echo "PATH=$DEST/bin:/usr/local/bin:/usr/bin:/bin XLSIM_STATE=$STATE" >"$DEST/sshd-env"
echo "xl simulator installed in $DEST/bin (state: $STATE, profile: $PROFILE)"
