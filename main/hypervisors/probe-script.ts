/**
 * The toolstack probe: ONE `sh -c` with a constant script (nothing from the user is interpolated), printing
 * `key=value` lines:
 *   xl=/usr/sbin/xl | xl=          command -v xl
 *   virsh=/usr/bin/virsh | virsh=  command -v virsh
 *   uid=0
 *   env_uri=...                    $LIBVIRT_DEFAULT_URI of the login environment
 *   uri_default=...                uri_default from libvirt.conf (root: /etc/libvirt, others: $XDG_CONFIG_HOME)
 *   system=yes|no|skipped          `virsh -c qemu:///system uri` succeeds within 5 s (only asked when needed)
 *   lxc=/usr/bin/lxc-ls | lxc=     command -v lxc-ls
 *   lxc_ok=yes|no|skipped          `lxc-ls --version` runs (only asked when lxc-ls is there)
 */
export const PROBE_SCRIPT = [
  'xl=$(command -v xl 2>/dev/null); virsh=$(command -v virsh 2>/dev/null); uid=$(id -u 2>/dev/null)',
  'echo "xl=$xl"; echo "virsh=$virsh"; echo "uid=$uid"',
  'printf "env_uri=%s\\n" "${LIBVIRT_DEFAULT_URI-}"',
  'if [ "$uid" = 0 ]; then conf=/etc/libvirt/libvirt.conf; else conf="${XDG_CONFIG_HOME:-$HOME/.config}/libvirt/libvirt.conf"; fi',
  'ud=""; if [ -r "$conf" ]; then ud=$(sed -n \'s/^[[:space:]]*uri_default[[:space:]]*=[[:space:]]*["\\x27]\\([^"\\x27]*\\)["\\x27].*/\\1/p\' "$conf" | tail -n 1); fi',
  'printf "uri_default=%s\\n" "$ud"',
  'sys=skipped',
  'if [ -n "$virsh" ] && [ -z "$xl" ] && [ -z "${LIBVIRT_DEFAULT_URI-}" ] && [ -z "$ud" ]; then',
  '  if command -v timeout >/dev/null 2>&1; then t="timeout 5"; else t=""; fi',
  '  if $t virsh -c qemu:///system uri >/dev/null 2>&1; then sys=yes; else sys=no; fi',
  'fi',
  'echo "system=$sys"',
  'lxc=$(command -v lxc-ls 2>/dev/null); echo "lxc=$lxc"',
  'lxc_ok=skipped; if [ -n "$lxc" ]; then if lxc-ls --version >/dev/null 2>&1; then lxc_ok=yes; else lxc_ok=no; fi; fi',
  'echo "lxc_ok=$lxc_ok"',
].join('\n');

export interface ProbeFacts {
  xl: string;
  virsh: string;
  uid: string;
  envUri: string;
  uriDefault: string;
  system: 'yes' | 'no' | 'skipped';
  /** Path of lxc-ls, '' when absent (also when an older probe did not ask). */
  lxc: string;
  lxcOk: 'yes' | 'no' | 'skipped';
}

export function parseProbe(stdout: string): ProbeFacts | null {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  if (!kv.has('xl') || !kv.has('virsh') || !kv.has('system')) return null;
  const sys = kv.get('system');
  return {
    xl: kv.get('xl') ?? '',
    virsh: kv.get('virsh') ?? '',
    uid: kv.get('uid') ?? '',
    envUri: kv.get('env_uri') ?? '',
    uriDefault: kv.get('uri_default') ?? '',
    system: sys === 'yes' || sys === 'no' ? sys : 'skipped',
    lxc: kv.get('lxc') ?? '',
    lxcOk: kv.get('lxc_ok') === 'yes' ? 'yes' : kv.get('lxc_ok') === 'no' ? 'no' : 'skipped',
  };
}
