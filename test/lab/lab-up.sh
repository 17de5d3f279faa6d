#!/bin/bash
# Bring the vmdeck test lab up (idempotent: a second run only repairs what is down).
# Run as root. State lives in ${VMDECK_LAB_DIR:-/tmp/vmdeck-lab}.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
T0=$(date +%s.%N)

RESET=0
for a in "$@"; do
  case $a in
    --reset) RESET=1 ;;
    -h|--help) echo "usage: lab-up.sh [--reset]   (--reset: guests and the xen simulator back to their initial state)"; exit 0 ;;
    *) die "unknown option $a" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "lab-up must run as root (it creates users, namespaces and sshd processes)"
case "$LAB" in /*) ;; *) die "VMDECK_LAB_DIR must be an absolute path" ;; esac
case "$LAB" in *[[:space:]]*) die "VMDECK_LAB_DIR must not contain whitespace" ;; esac

# ---------------------------------------------------------------- packages
PKGS="openssh-server openssh-client libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
qemu-system-x86 busybox-static cpio iproute2 python3 xz-utils procps iptables gzip passwd util-linux lxc"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  log "installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d keeps apt from starting the distro's own sshd/libvirtd; the lab never uses them
  prc_created=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; prc_created=1; fi
  # shellcheck disable=SC2086
  if ! apt-get install -y -q --no-install-recommends $missing >/tmp/vmdeck-lab-apt.log 2>&1; then
    apt-get update -q >>/tmp/vmdeck-lab-apt.log 2>&1
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >>/tmp/vmdeck-lab-apt.log 2>&1 \
      || { [ $prc_created = 1 ] && rm -f /usr/sbin/policy-rc.d; tail -20 /tmp/vmdeck-lab-apt.log >&2; die "apt-get install failed"; }
  fi
  [ $prc_created = 1 ] && rm -f /usr/sbin/policy-rc.d
fi

# The end-to-end tests drive Debian's Chromium against the lab; it comes with its recommends (fonts).
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed'; then
  log "installing Debian's chromium for the end-to-end tests"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -q chromium >>/tmp/vmdeck-lab-apt.log 2>&1 \
    || { apt-get update -q && apt-get install -y -q chromium; } >>/tmp/vmdeck-lab-apt.log 2>&1; } \
    || { tail -20 /tmp/vmdeck-lab-apt.log >&2; die "apt-get install chromium failed"; }
fi

[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

# ---------------------------------------------------------------- lab dir
mkdir -p "$LAB"/{keys,hosts,guest,fleet,xen-sim,secrets}
chmod 0755 "$LAB" "$LAB"/{hosts,guest,fleet,xen-sim}
chmod 0700 "$LAB"/{keys,secrets}
# every parent must be traversable by the lab users (qemu reads the kernel from here)
p=$LAB
while [ "$p" != / ]; do
  p=$(dirname "$p")
  if (( (8#$(stat -c %a "$p") & 1) == 0 )); then die "$p is not traversable by other users, so the lab users cannot reach $LAB: choose another VMDECK_LAB_DIR"; fi
done

# ---------------------------------------------------------------- users
rand() { head -c 18 /dev/urandom | base64 | tr -d '/+=' | cut -c1-20; }
[ -s "$LAB/secrets/kvm2.password" ] || rand >"$LAB/secrets/kvm2.password"
[ -s "$LAB/secrets/passphrase" ] || rand >"$LAB/secrets/passphrase"
KVM2_PASSWORD=$(cat "$LAB/secrets/kvm2.password")
PASSPHRASE=$(cat "$LAB/secrets/passphrase")

for h in $LAB_USER_HOSTS; do
  u=$(host_get "$h" user)
  if ! id -u "$u" >/dev/null 2>&1; then
    useradd -m -s /bin/bash -U -c "vmdeck lab $h" "$u"
  fi
  # '*' = no password but not locked (sshd refuses locked accounts without PAM)
  if [ "$h" = kvm2 ]; then echo "$u:$KVM2_PASSWORD" | chpasswd; else usermod -p '*' "$u"; fi
done

# ---------------------------------------------------------------- client keys
KEY="$LAB/keys/id_ed25519"
PKEY="$LAB/keys/id_ed25519_passphrase"
[ -s "$KEY" ] || ssh-keygen -q -t ed25519 -N '' -C 'vmdeck-lab' -f "$KEY"
[ -s "$PKEY" ] || ssh-keygen -q -t ed25519 -N "$PASSPHRASE" -C 'vmdeck-lab-passphrase' -f "$PKEY"
chmod 0600 "$KEY" "$PKEY"
# Let a non-root invoker (sudo) use the keys and read lab.json.
if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then chown -R "$SUDO_USER" "$LAB/keys" "$LAB/secrets"; fi

for h in $LAB_USER_HOSTS; do
  u=$(host_get "$h" user)
  home=$(getent passwd "$u" | cut -d: -f6)
  install -d -m 0700 -o "$u" -g "$u" "$home/.ssh"
  { cat "$KEY.pub"; [ "$h" = kvm2 ] && cat "$PKEY.pub"; true; } >"$home/.ssh/authorized_keys"
  chown "$u:$u" "$home/.ssh/authorized_keys"; chmod 0600 "$home/.ssh/authorized_keys"
  chmod 0750 "$home"
  # The QEMU hosts log each guest's serial console here (<log file=...> in the domain XML); virtlogd
  # does not create the directory, so a machine that never ran the lab needs it made on purpose.
  case $h in kvm1|kvm2) runuser -u "$u" -- mkdir -p "$home/.cache/libvirt/qemu/log" ;; esac
done

# ---------------------------------------------------------------- guest image, fleet, xen simulator
bash "$HERE/lib/build-guest.sh" "$LAB/guest"
if [ ! -s "$LAB/fleet/fleet.xml" ] || [ "$HERE/lib/gen-fleet.py" -nt "$LAB/fleet/fleet.xml" ]; then
  log "generating fleet.xml"
  "$PY" "$HERE/lib/gen-fleet.py" "$LAB/fleet/fleet.xml" "${VMDECK_LAB_FLEET_SIZE:-1200}"
fi
chmod 0644 "$LAB"/fleet/*

# FRESH: the lab is being brought up (xen1's sshd was not running) or --reset was given.
# Then the simulated Xen host and the QEMU guests start from their initial state (extra
# domains dropped, beta/delta shut off); a repair run keeps what tests changed.
XEN_RESET=""
FRESH=$RESET
if ! sshd_pid xen1 >/dev/null; then FRESH=1; fi
[ "$FRESH" = 1 ] && XEN_RESET=--reset
bash "$HERE/lib/setup-xen.sh" $XEN_RESET
bash "$HERE/lib/setup-lxc.sh" $XEN_RESET
XEN_ENV=$(cat "$LAB/xen-sim/sshd-env")

# ---------------------------------------------------------------- network namespaces
ensure_ns() {
  ip netns list | grep -qw "$NS_JUMP" || ip netns add "$NS_JUMP"
  ip netns list | grep -qw "$NS_INNER" || ip netns add "$NS_INNER"
  if ! ip link show "$VETH_ROOT" >/dev/null 2>&1 \
     || ! ip netns exec "$NS_JUMP" ip link show "$VETH_JUMP" >/dev/null 2>&1; then
    ip link del "$VETH_ROOT" 2>/dev/null || true
    ip netns exec "$NS_JUMP" ip link del "$VETH_JUMP" 2>/dev/null || true
    ip link add "$VETH_ROOT" type veth peer name "$VETH_JUMP" netns "$NS_JUMP"
  fi
  if ! ip netns exec "$NS_JUMP" ip link show "$VETH_JUMP_IN" >/dev/null 2>&1 \
     || ! ip netns exec "$NS_INNER" ip link show "$VETH_INNER" >/dev/null 2>&1; then
    ip netns exec "$NS_JUMP" ip link del "$VETH_JUMP_IN" 2>/dev/null || true
    ip netns exec "$NS_INNER" ip link del "$VETH_INNER" 2>/dev/null || true
    ip netns exec "$NS_JUMP" ip link add "$VETH_JUMP_IN" type veth peer name "$VETH_INNER" netns "$NS_INNER"
  fi
  ip addr replace 10.77.1.1/24 dev "$VETH_ROOT"
  ip link set "$VETH_ROOT" up
  # Lab addresses must never leave the machine: everything in 10.77/16 that is not
  # on the directly connected jump link (10.77.1.0/24) is unreachable from the root ns.
  ip route replace unreachable 10.77.0.0/16
  ip netns exec "$NS_JUMP" ip addr replace 10.77.1.2/24 dev "$VETH_JUMP"
  ip netns exec "$NS_JUMP" ip addr replace 10.77.2.1/24 dev "$VETH_JUMP_IN"
  ip netns exec "$NS_JUMP" ip link set lo up
  ip netns exec "$NS_JUMP" ip link set "$VETH_JUMP" up
  ip netns exec "$NS_JUMP" ip link set "$VETH_JUMP_IN" up
  ip netns exec "$NS_JUMP" sysctl -q -w net.ipv4.ip_forward=0
  ip netns exec "$NS_INNER" ip addr replace 10.77.2.2/24 dev "$VETH_INNER"
  ip netns exec "$NS_INNER" ip link set lo up
  ip netns exec "$NS_INNER" ip link set "$VETH_INNER" up
}
ensure_ns
# undo cut-net faults left behind by an interrupted test
if command -v iptables >/dev/null 2>&1 && iptables -n -L VMDECK-LAB >/dev/null 2>&1; then iptables -F VMDECK-LAB; fi

# ---------------------------------------------------------------- sshd per host
for h in $LAB_HOST_NAMES; do
  d=$(host_dir "$h"); mkdir -p "$d"; chmod 0755 "$d"
  [ -s "$d/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "vmdeck-lab-$h" -f "$d/ssh_host_ed25519_key"
  u=$(host_get "$h" user); uid=$(id -u "$u")
  a=$(host_get "$h" address); p=$(host_get "$h" port)
  install -d -m 0700 -o "$u" -g "$u" "/run/user/$uid"
  pw=no; pam=no; rootlogin=no; keys="AuthorizedKeysFile .ssh/authorized_keys"
  [ "$h" = kvm2 ] && { pw=yes; pam=yes; }
  envs="XDG_RUNTIME_DIR=/run/user/$uid VMDECK_LAB_HOST=$h"
  case $h in
    fleet) envs="$envs LIBVIRT_DEFAULT_URI=test://$LAB/fleet/fleet.xml" ;;
    inner) envs="$envs LIBVIRT_DEFAULT_URI=test:///default" ;;
    kvm1|kvm2) envs="$envs LIBVIRT_DEFAULT_URI=qemu:///session" ;;
    xen1) envs="$envs $XEN_ENV" ;;
    ct1) rootlogin=prohibit-password
      keys="AuthorizedKeysFile none
AuthorizedKeysCommand /usr/bin/cat $d/authorized_keys
AuthorizedKeysCommandUser nobody" ;;
  esac
  cat >"$d/sshd_config.new" <<CFG
# vmdeck lab host $h (generated by lab-up.sh)
Port $p
ListenAddress $a
AddressFamily inet
HostKey $d/ssh_host_ed25519_key
PidFile $d/sshd.pid
LogLevel VERBOSE
SyslogFacility AUTH
AllowUsers $u
PermitRootLogin $rootlogin
PubkeyAuthentication yes
$keys
PasswordAuthentication $pw
KbdInteractiveAuthentication $pw
PermitEmptyPasswords no
UsePAM $pam
StrictModes yes
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowAgentForwarding no
AllowTcpForwarding yes
PermitTTY yes
UseDNS no
MaxStartups 200:30:400
MaxSessions 200
MaxAuthTries 10
LoginGraceTime 30
ClientAliveInterval 0
Subsystem sftp internal-sftp
SetEnv $envs
CFG
  if ! cmp -s "$d/sshd_config.new" "$d/sshd_config"; then
    mv "$d/sshd_config.new" "$d/sshd_config"
    stop_sshd "$h"   # config changed: restart
  else
    rm -f "$d/sshd_config.new"
  fi
  mkdir -p /run/sshd && chmod 0755 /run/sshd
  /usr/sbin/sshd -t -f "$d/sshd_config" || die "bad sshd config for $h"
  touch "$d/sshd.log"; chmod 0644 "$d/sshd.log"
  start_sshd "$h"
done

# ---------------------------------------------------------------- client files
{
  for h in $LAB_HOST_NAMES; do
    a=$(host_get "$h" address); p=$(host_get "$h" port)
    if [ "$p" = 22 ]; then hk=$a; else hk="[$a]:$p"; fi
    echo "$hk $(cut -d' ' -f1,2 "$(host_dir "$h")/ssh_host_ed25519_key.pub")"
  done
} >"$LAB/known_hosts"
chmod 0644 "$LAB/known_hosts"

{
  echo "# vmdeck lab ssh_config (generated by lab-up.sh). Usage: ssh -F $LAB/ssh_config kvm1 virsh list --all"
  for h in $LAB_HOST_NAMES; do
    echo ""
    echo "Host $h"
    echo "  HostName $(host_get "$h" address)"
    echo "  Port $(host_get "$h" port)"
    echo "  User $(host_get "$h" user)"
    [ "$h" = inner ] && echo "  ProxyJump jump"
  done
  cat <<CFG

Host kvm1 kvm2 fleet xen1 jump inner ct1
  IdentityFile $KEY
  IdentitiesOnly yes
  UserKnownHostsFile $LAB/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
  ConnectTimeout 10
  ServerAliveInterval 15
  LogLevel ERROR
CFG
} >"$LAB/ssh_config"
chmod 0644 "$LAB/ssh_config"

SSH=(ssh -F "$LAB/ssh_config" -o BatchMode=yes)

# ---------------------------------------------------------------- libvirt guests (qemu:///session)
guest_uuid() { "$PY" -c "import uuid,sys; print(uuid.uuid5(uuid.NAMESPACE_URL, 'vmdeck-lab/' + sys.argv[1]))" "$1"; }
guest_xml() {
  local name=$1 mem=$2 serial_log=$3 uuid graphics
  uuid=$(guest_uuid "$name")
  # A VGA screen with VNC: kvm1's guests on TCP 127.0.0.1 (autoport), kvm2's on a UNIX socket (libvirt picks
  # the path under the domain's directory, so it changes with every start).
  case $name in
    gamma|delta) graphics="<graphics type='vnc'><listen type='socket'/></graphics>" ;;
    *) graphics="<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>" ;;
  esac
  cat <<XML
<domain type='qemu'>
  <name>$name</name>
  <uuid>$uuid</uuid>
  <title>vmdeck lab guest $name</title>
  <description>busybox initramfs guest; console on ttyS0, a shell on tty1 (VGA, VNC)</description>
  <memory unit='MiB'>$mem</memory>
  <currentMemory unit='MiB'>$mem</currentMemory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$LAB/guest/vmlinuz</kernel>
    <initrd>$LAB/guest/initramfs.gz</initrd>
    <cmdline>console=tty0 console=ttyS0 loglevel=3 panic=-1 vmdeck.name=$name</cmdline>
  </os>
  <features><acpi/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='pty'><log file='$serial_log' append='off'/><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    $graphics
    <video><model type='vga'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
XML
}

# The serial console is also logged (truncated at each start) so lab-up can wait for the boot banner.
serial_log() { echo "$(getent passwd "$(host_get "$1" user)" | cut -d: -f6)/.cache/libvirt/qemu/log/$2-serial.log"; }
BOOT_TIMEOUT=${VMDECK_LAB_BOOT_TIMEOUT:-90}
booted() { grep -q "vmdeck-guest $2 booted" "$(serial_log "$1" "$2")" 2>/dev/null; }
wait_booted() { # host guest: fails naming the guest when its banner does not appear in time
  local i
  for i in $(seq 1 $((BOOT_TIMEOUT * 10))); do
    booted "$1" "$2" && return 0
    sleep 0.1
  done
  printf '[lab] ERROR: guest %s on %s did not print its boot banner within %s s (serial log: %s)\n' "$2" "$1" "$BOOT_TIMEOUT" "$(serial_log "$1" "$2")" >&2
  return 1
}
ensure_guests() { # host running... -- stopped...
  local h=$1; shift
  local mode=run g xml script="" on_running
  for g in "$@"; do
    if [ "$g" = -- ]; then mode=stop; continue; fi
    case $g in alpha|gamma) mem=160 ;; *) mem=128 ;; esac
    xml=$(guest_xml "$g" "$mem" "$(serial_log "$h" "$g")")
    script+="f=\$(mktemp); cat >\"\$f\" <<'XMLEOF'
$xml
XMLEOF
virsh -q define \"\$f\" >/dev/null 2>\"\$f.err\" || echo \"FAILED $g: define: \$(tr '\\n' ' ' <\"\$f.err\")\"; rm -f \"\$f\" \"\$f.err\"
"
    if [ $mode = run ]; then
      # A guest that runs but never printed its banner (a panic loop, a hung boot) is started afresh.
      if booted "$h" "$g"; then on_running=:; else on_running="start_fresh $g"; fi
      script+="case \"\$(virsh -q domstate $g 2>/dev/null)\" in
  running) $on_running ;;
  paused) virsh -q resume $g >/dev/null || echo \"FAILED $g: resume failed\" ;;
  *) start_fresh $g ;;
esac
"
    elif [ "$FRESH" = 1 ]; then
      script+="[ \"\$(virsh -q domstate $g)\" = 'shut off' ] || virsh -q destroy $g >/dev/null
"
    fi
  done
  if [ "$FRESH" = 1 ]; then
    # drop domains that tests defined (by UUID: names may be anything)
    local keep=""
    for g in "$@"; do [ "$g" = -- ] || keep="$keep $(guest_uuid "$g")"; done
    script="for u in \$(virsh list --all --uuid); do case ' $keep ' in *\" \$u \"*) ;; *) virsh -q destroy \$u >/dev/null 2>&1; virsh -q undefine --managed-save --snapshots-metadata \$u >/dev/null 2>&1 || virsh -q undefine \$u >/dev/null ;; esac; done
$script"
  fi
  script="start_fresh() { virsh -q destroy \"\$1\" >/dev/null 2>&1; if e=\$(virsh -q start \"\$1\" 2>&1 >/dev/null); then echo STARTED \"\$1\"; else echo \"FAILED \$1: start: \$(printf %s \"\$e\" | tr '\\n' ' ')\"; fi; }
$script"
  "${SSH[@]}" "$h" "$script" >"$LAB/hosts/$h/guests.out" || die "could not set up guests on $h"
  local started bad=0
  if grep -q '^FAILED ' "$LAB/hosts/$h/guests.out"; then
    sed -n "s/^FAILED /[lab] ERROR: $h: guest /p" "$LAB/hosts/$h/guests.out" >&2
    bad=1
  fi
  for started in $(awk '$1 == "STARTED" { print $2 }' "$LAB/hosts/$h/guests.out"); do wait_booted "$h" "$started" || bad=1; done
  return $bad
}
ensure_guests kvm1 alpha -- beta &
p1=$!
ensure_guests kvm2 gamma -- delta &
p2=$!
guests_ok=1
wait $p1 || guests_ok=0
wait $p2 || guests_ok=0
[ $guests_ok = 1 ] || die "the QEMU guests are not all up (see the errors above); the lab is NOT up"

# ---------------------------------------------------------------- lab.json
LAB_HOSTS_TBL="$LAB_HOSTS" KVM2_PASSWORD="$KVM2_PASSWORD" PASSPHRASE="$PASSPHRASE" KEY="$KEY" PKEY="$PKEY" \
  "$PY" "$HERE/lib/write-lab-json.py"

# ---------------------------------------------------------------- verify
# Check every promise before saying "up": each sshd answers, each guest that should run is running and
# has printed its boot banner, the fleet, xen1, the host behind the bastion and ct1's containers answer.
problems=()
check() { # what command...
  local what=$1; shift
  local out
  if ! out=$("$@" 2>&1); then problems+=("$what: ${out//$'\n'/ }"); fi
}
expect_running() { # host guest
  local st
  st=$("${SSH[@]}" "$1" virsh -q domstate "$2" 2>&1) || { problems+=("$1: guest $2: domstate failed: $st"); return; }
  [ "$st" = running ] || { problems+=("$1: guest $2 is '$st', expected running"); return; }
  booted "$1" "$2" || problems+=("$1: guest $2 runs but never printed its boot banner (see $(serial_log "$1" "$2"))")
}
for h in $LAB_HOST_NAMES; do check "host $h: ssh" "${SSH[@]}" "$h" true; done
expect_running kvm1 alpha
expect_running kvm2 gamma
fleet_n=$("${SSH[@]}" fleet virsh list --all --name 2>&1 | grep -c . || true)
[ "$fleet_n" -ge "${VMDECK_LAB_FLEET_SIZE:-1200}" ] || problems+=("fleet: virsh lists $fleet_n guests, expected ${VMDECK_LAB_FLEET_SIZE:-1200}")
check "xen1: xl list" "${SSH[@]}" xen1 xl list
check "inner (through jump): virsh list" "${SSH[@]}" inner virsh list --all
check "ct1: lxc-ls" "${SSH[@]}" ct1 lxc-ls
check "ct1: the lab containers" bash "$HERE/lib/setup-lxc.sh" --check
if [ ${#problems[@]} -gt 0 ]; then
  for p in "${problems[@]}"; do printf '[lab] ERROR: %s\n' "$p" >&2; done
  die "${#problems[@]} check(s) failed; the lab is NOT up"
fi
"$PY" -c "import sys,time; print('[lab] up in %.1fs: %s (try: ssh -F %s/ssh_config kvm1 virsh list --all)' % (time.time()-float(sys.argv[1]), sys.argv[2], sys.argv[2]), file=sys.stderr)" "$T0" "$LAB"
