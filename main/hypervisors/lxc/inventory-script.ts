/**
 * The LXC refresh: ONE `sh -c` with a constant script, whatever the number of containers. Nothing from the
 * user or the host is interpolated into it; the per-run token arrives as `$1`:
 *
 *   sh -c SCRIPT vmdeck-lxc TOKEN
 *
 * It enumerates `$lxcpath/*\/config` itself, as lxc-ls does, instead of parsing `lxc-ls -f`: that table is
 * aligned with spaces and cannot be split when a name holds a space, and `lxc-ls -1` cannot show a name
 * that holds a newline (LXC refuses only "/" in names). Each name is sent as the hex of its bytes.
 * Per container: `lxc-info -H` (state, init PID, IPs, CPU ns and memory bytes from its cgroup), then the
 * config lines for autostart, arch and cgroup limits (`lxc.include`d files are not followed).
 * Output grammar: core/parsers/lxc-inventory.ts.
 */
export const INVENTORY_SCRIPT = [
  'T=$1',
  'lp=$(lxc-config lxc.lxcpath 2>/dev/null)',
  'if [ -z "$lp" ]; then if [ "$(id -u)" = 0 ]; then lp=/var/lib/lxc; else lp="${XDG_DATA_HOME:-$HOME/.local/share}/lxc"; fi; fi',
  'echo "$T facts"',
  'printf "uid=%s\\nlxcpath=%s\\n" "$(id -u)" "$lp"',
  'printf "hostname=%s\\n" "$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"',
  'printf "machineid=%s\\n" "$(cat /etc/machine-id 2>/dev/null)"',
  'printf "cpus=%s\\n" "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null)"',
  'printf "version=%s\\n" "$(lxc-ls --version 2>/dev/null)"',
  "sed -n 's/^MemTotal:[[:space:]]*\\([0-9]*\\).*/memtotal=\\1/p; s/^MemAvailable:[[:space:]]*\\([0-9]*\\).*/memavail=\\1/p' /proc/meminfo",
  'for c in "$lp"/*/config; do',
  '  [ -f "$c" ] || continue',
  '  d=${c%/config}; n=${d##*/}',
  "  printf '%s ct %s\\n' \"$T\" \"$(printf '%s' \"$n\" | od -An -v -tx1 | tr -d ' \\n')\"",
  '  lxc-info -P "$lp" -n "$n" -H 2>&1',
  '  echo "$T cfg"',
  "  grep -E '^[[:space:]]*lxc\\.(start\\.auto|arch|cgroup2?\\.[A-Za-z0-9_.]+)[[:space:]]*=' \"$c\" 2>/dev/null",
  'done',
  'echo "$T end"',
].join('\n');

/** A fresh framing token: 32 hex digits from the platform's random source. */
export function newToken(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function inventoryArgv(token: string): string[] {
  return ['sh', '-c', INVENTORY_SCRIPT, 'vmdeck-lxc', token];
}
