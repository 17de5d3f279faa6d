/**
 * The exec-channel relay used where sshd forbids forwarding: one POSIX `sh -c` script with the target as
 * positional arguments (quoted by the runner like every argv), never interpolated into the script.
 * It uses python3 when the host has it (TCP and UNIX sockets), else bash's /dev/tcp (TCP only; bash is
 * stock on the Linux distributions that ship libvirt or Xen). It names the tool it uses on stderr
 * ("vmdeck-relay: python3"), then only the display's bytes flow on stdout/stdin. Exit 127: no usable tool.
 */
import type { DisplayEndpoint } from './models';

const PYTHON_RELAY = [
  'import os, select, socket, sys',
  'a = sys.argv[1:]',
  "if a[0] == 'unix':",
  '    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(a[1])',
  'else:',
  '    s = socket.create_connection((a[1], int(a[2])))',
  'while True:',
  '    r = select.select([0, s], [], [])[0]',
  '    if 0 in r:',
  '        d = os.read(0, 65536)',
  '        if not d: break',
  '        s.sendall(d)',
  '    if s in r:',
  '        d = s.recv(65536)',
  '        if not d: break',
  '        v = memoryview(d)',
  '        while v: v = v[os.write(1, v):]',
].join('\n');

// bash: the socket on fd 3; the reader ends the script (and so the channel) when the display closes.
const BASH_RELAY = 'exec 3<>"/dev/tcp/$1/$2" || exit 3; { cat <&3; kill $$; } & cat >&3';

const SCRIPT = [
  'if command -v python3 >/dev/null 2>&1; then echo "vmdeck-relay: python3" >&2; exec python3 -c "$0" "$@"; fi',
  'if [ "$1" = tcp ] && command -v bash >/dev/null 2>&1; then echo "vmdeck-relay: bash /dev/tcp" >&2; exec bash -c "$RELAY_BASH" vmdeck-relay "$2" "$3" 2>/dev/null; fi',
  'echo "vmdeck-relay: neither python3 nor bash (for TCP) on this host" >&2; exit 127',
].join('\n');

/** argv for the relay: `sh -c SCRIPT PYTHON_SOURCE tcp HOST PORT` / `... unix PATH`. */
export function displayRelayArgv(endpoint: DisplayEndpoint): string[] {
  const target = endpoint.kind === 'tcp' ? ['tcp', endpoint.host, String(endpoint.port)] : ['unix', endpoint.path];
  return ['env', `RELAY_BASH=${BASH_RELAY}`, 'sh', '-c', SCRIPT, PYTHON_RELAY, ...target];
}

/** The tool named on the relay's first stderr line, if it has printed it. */
export function relayToolFromStderr(stderr: string): string | undefined {
  return /^vmdeck-relay: (python3|bash \/dev\/tcp)$/m.exec(stderr)?.[1];
}
