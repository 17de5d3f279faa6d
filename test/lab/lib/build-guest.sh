#!/bin/bash
# Build the guest boot image: a Debian cloud kernel (downloaded once and cached)
# and a busybox initramfs. Usage: build-guest.sh OUTDIR
# Produces OUTDIR/vmlinuz and OUTDIR/initramfs.gz. Idempotent: does nothing if
# both exist and the initramfs is newer than its sources.
set -euo pipefail
OUT=${1:?usage: build-guest.sh OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${VMDECK_LAB_CACHE:-/var/cache/vmdeck-lab}
mkdir -p "$OUT" "$CACHE"

# ---- kernel -------------------------------------------------------------
kdir=$(ls -d "$CACHE"/kernel/lib/modules/*/ 2>/dev/null | head -n1 || true)
if [ -z "$kdir" ] || ! ls "$CACHE"/kernel/boot/vmlinuz-* >/dev/null 2>&1; then
  echo "[guest] downloading Debian cloud kernel"
  rm -rf "$CACHE/dl" "$CACHE/kernel"; mkdir -p "$CACHE/dl"
  # linux-image-cloud-amd64 is a metapackage: fetch the versioned image it depends on.
  pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  if [ -z "$pkg" ]; then apt-get update -qq >/dev/null; pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); fi
  [ -n "$pkg" ] || { echo "cannot resolve linux-image-cloud-amd64" >&2; exit 1; }
  (cd "$CACHE/dl" && chmod 777 . && apt-get download -q "$pkg" 2>&1 | grep -v unsandboxed || true)
  deb=$(ls "$CACHE"/dl/linux-image-*.deb | head -n1)
  mkdir -p "$CACHE/kernel.tmp"
  dpkg-deb -x "$deb" "$CACHE/kernel.tmp"
  # keep only what we need: vmlinuz + the few modules we load
  mkdir -p "$CACHE/kernel/boot"
  cp "$CACHE"/kernel.tmp/boot/vmlinuz-* "$CACHE/kernel/boot/"
  for m in drivers/acpi/button.ko drivers/input/evdev.ko; do
    src=$(ls "$CACHE"/kernel.tmp/lib/modules/*/kernel/$m* | head -n1)
    rel=${src#"$CACHE"/kernel.tmp/}
    mkdir -p "$CACHE/kernel/$(dirname "$rel")"
    case "$src" in
      *.xz) xz -dc "$src" > "$CACHE/kernel/${rel%.xz}" ;;
      *.zst) zstd -dc "$src" > "$CACHE/kernel/${rel%.zst}" ;;
      *) cp "$src" "$CACHE/kernel/$rel" ;;
    esac
  done
  rm -rf "$CACHE/kernel.tmp" "$CACHE/dl"
fi
kdir=$(ls -d "$CACHE"/kernel/lib/modules/*/ | head -n1)
install -m 0644 "$(ls "$CACHE"/kernel/boot/vmlinuz-* | head -n1)" "$OUT/vmlinuz"

# ---- initramfs ----------------------------------------------------------
if [ -s "$OUT/initramfs.gz" ] && [ "$OUT/initramfs.gz" -nt "$HERE/../guest/init" ] \
   && [ "$OUT/initramfs.gz" -nt "$HERE/build-guest.sh" ]; then
  exit 0
fi
echo "[guest] building busybox initramfs"
BB=$(command -v busybox)
file -L "$BB" 2>/dev/null | grep -q 'statically linked' || [ -x /bin/busybox ] || { echo "busybox-static required" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T"/{bin,sbin,etc/acpi/PWRF,proc,sys,dev,tmp,root,lib/modules,usr/bin,usr/sbin,var/run}
cp /bin/busybox "$T/bin/busybox"
for app in $("$T/bin/busybox" --list); do
  [ "$app" = busybox ] && continue
  ln -sf busybox "$T/bin/$app"
done
cp "$kdir"kernel/drivers/input/evdev.ko "$T/lib/modules/"
cp "$kdir"kernel/drivers/acpi/button.ko "$T/lib/modules/"
G="$HERE/../guest"
install -m 0755 "$G/init" "$T/init"
install -m 0755 "$G/rc.sysinit" "$T/etc/rc.sysinit"
install -m 0644 "$G/inittab" "$T/etc/inittab"
install -m 0644 "$G/profile" "$T/etc/profile"
install -m 0755 "$G/power-button" "$T/etc/acpi/PWRF/00000080"
echo 'root:x:0:0:root:/root:/bin/sh' > "$T/etc/passwd"
echo 'root:x:0:' > "$T/etc/group"
(cd "$T" && find . | cpio -o -H newc --quiet | gzip -1 > "$OUT/initramfs.gz.tmp")
mv "$OUT/initramfs.gz.tmp" "$OUT/initramfs.gz"
chmod 0644 "$OUT/initramfs.gz"
