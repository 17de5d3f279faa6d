/**
 * Turns a failed (or falsely successful) virsh / xl / lxc-* command into a VmdeckError with a stable code.
 * The tools only say what went wrong in words, so this module is the one place that reads stderr; everything
 * above it branches on codes. Rules are ordered: the first match wins. stderr and the exit code are kept.
 */
import { VmdeckError, type ErrorCode } from '../errors';

export interface CommandFailure {
  argv: readonly string[];
  stderr: string;
  stdout?: string;
  exitCode: number | null;
}

interface Rule {
  code: ErrorCode;
  test: RegExp;
  /** A short sentence for the UI; the stderr goes into details. */
  summary: string;
}

const COMMON_RULES: readonly Rule[] = [
  { code: 'UNSUPPORTED', test: /command not found|^(?:sh|bash|env|exec)(?:: line \d+)?: (?:\d+: )?\S+: (?:not found|No such file or directory)/m, summary: 'The command is not installed on the host' },
];

const XL_RULES: readonly Rule[] = [
  { code: 'PERMISSION_DENIED', test: /Could not obtain handle on privileged command interface|cannot init xl context|cannot open libxc handle/, summary: 'xl needs root on the host' },
  { code: 'NOT_FOUND', test: /is an invalid domain identifier|Can't get domid of domain name|Can't get domain name of domain id|does not exist\.|Non-existant domain|Non-existent domain|Getting domain info: No such process|: No such process\s*$/m, summary: 'No such domain' },
  { code: 'ALREADY_EXISTS', test: /already exists/, summary: 'A domain with that name already exists' },
  { code: 'UNSUPPORTED', test: /Not destroying domain 0|Can't specify Domain-0/, summary: 'Domain-0 cannot be acted on' },
  { code: 'UNSUPPORTED', test: /PV control interface not available/, summary: 'The guest has no PV drivers: a graceful request is not possible (force it instead)' },
  { code: 'TIMEOUT', test: /didn't acknowledge control request|\(rc=-9\)/, summary: 'The guest did not acknowledge the request (is it paused?)' },
  { code: 'INVALID_STATE', test: /Unpausing domain: Invalid argument|Pausing domain: Invalid argument/, summary: 'The domain is not in a state that allows this' },
  { code: 'INVALID_STATE', test: /Could not lock .*xenconsole|Resource temporarily unavailable/, summary: 'Another console client is attached' },
  { code: 'NOT_FOUND', test: /Could not read tty from store/, summary: 'The guest has no console tty' },
  { code: 'NOT_FOUND', test: /Failed to read config file: .*No such file or directory/, summary: 'Configuration file not found' },
  { code: 'CONFIG_ERROR', test: /config parsing error|Failed to parse config|Domain name must be specified|Invalid domain type|Neither kernel nor bootloader specified|maxvcpus < vcpus/, summary: 'The domain configuration is invalid' },
  { code: 'INVALID_ARGUMENT', test: /console type supported are|invalid memory size|must be less than or equal to|Requested \d+ VCPUs, however maxcpus|overcomm+itting|Error: Invalid argument|requires at least \d+ argument|You must specify -a or a domain id/, summary: 'Invalid argument' },
  { code: 'UNSUPPORTED', test: /option `.' not supported|command not implemented|unknown global option|has been built without support/, summary: 'Not supported by this xl' },
  { code: 'PERMISSION_DENIED', test: /Permission denied/, summary: 'Permission denied' },
];

const VIRSH_RULES: readonly Rule[] = [
  { code: 'PERMISSION_DENIED', test: /Failed to connect socket to .*: Permission denied|authentication unavailable|access denied|Permission denied|not authorized|polkit/i, summary: 'Not allowed to use libvirt on the host' },
  { code: 'UNREACHABLE', test: /failed to connect to the hypervisor|Failed to connect socket|Connection refused|Cannot recv data|End of file while reading data|no connection driver available/i, summary: 'Cannot reach libvirt on the host' },
  { code: 'NOT_FOUND', test: /failed to get domain|Domain not found|no domain with matching (?:name|uuid|id)/i, summary: 'No such guest' },
  { code: 'INVALID_STATE', test: /Requested operation is not valid|operation is not valid|\bnot running\b|already running|\bnot paused\b|already active|\bnot active\b|no managed save image/i, summary: 'The guest is not in a state that allows this' },
  { code: 'INVALID_STATE', test: /Active console session exists/i, summary: 'Another console client is attached' },
  { code: 'ALREADY_EXISTS', test: /already exists/i, summary: 'Already exists' },
  { code: 'TIMEOUT', test: /Timed out during operation|cannot acquire state change lock|timed out/i, summary: 'libvirt timed out' },
  { code: 'UNSUPPORTED', test: /this function is not supported by the connection driver|Operation not supported|unsupported configuration|not supported by|doesn't support option|unknown command|unknown option/i, summary: 'Not supported by this libvirt driver' },
  { code: 'NOT_FOUND', test: /No such file or directory|Cannot access storage file/i, summary: 'File not found on the host' },
  { code: 'INVALID_ARGUMENT', test: /invalid argument|XML error|XML document failed to validate/i, summary: 'Invalid argument' },
];

/** LXC tools (lxc-start, lxc-stop, lxc-freeze, lxc-attach, lxc-console ..., LXC 4-5) as captured in test/fixtures/lxc. */
const LXC_RULES: readonly Rule[] = [
  { code: 'NOT_FOUND', test: /doesn't exist|No container config specified|Container not found|does not exist/i, summary: 'No such container' },
  { code: 'INVALID_STATE', test: /is not running|already running|is already frozen|not frozen|Failed to get init pid|Failed to (?:freeze|unfreeze|thaw)|Failed to serve state clients/i, summary: 'The container is not in a state that allows this' },
  { code: 'TIMEOUT', test: /timed out|Timeout/i, summary: 'The container did not stop in time' },
  { code: 'PERMISSION_DENIED', test: /Permission denied|Operation not permitted|must be run as root|Failed to (?:create|open) .*lock/i, summary: 'Not allowed to manage this container' },
  { code: 'ALREADY_EXISTS', test: /already exists/i, summary: 'Already exists' },
  { code: 'UNSUPPORTED', test: /unrecognized option|invalid option|unknown option/i, summary: 'Not supported by this LXC' },
];

/** libxl's ERROR_* codes (libxl_types.idl) for messages no rule knows. */
const LIBXL_RC: Readonly<Record<number, ErrorCode>> = {
  [-4]: 'UNSUPPORTED',
  [-6]: 'INVALID_ARGUMENT',
  [-8]: 'TIMEOUT',
  [-9]: 'TIMEOUT',
  [-10]: 'UNSUPPORTED',
  [-17]: 'ALREADY_EXISTS',
  [-21]: 'NOT_FOUND',
  [-23]: 'NOT_FOUND',
  [-25]: 'UNSUPPORTED',
};

export type Tool = 'xl' | 'virsh' | 'lxc';

export function classifyFailure(tool: Tool, f: CommandFailure): VmdeckError {
  const stderr = f.stderr.trim();
  const details = { exitCode: f.exitCode, stderr: f.stderr, command: f.argv };
  if (f.exitCode === 127) return new VmdeckError('UNSUPPORTED', `${f.argv[0] ?? tool} is not installed on the host`, details);
  const rules = [...(tool === 'xl' ? XL_RULES : tool === 'lxc' ? LXC_RULES : VIRSH_RULES), ...COMMON_RULES];
  for (const rule of rules) {
    if (rule.test.test(stderr)) return new VmdeckError(rule.code, `${rule.summary}: ${firstMeaningfulLine(stderr)}`, details);
  }
  const rc = /\(rc=(-\d+)\)|rc: (-\d+)/.exec(stderr);
  const rcCode = rc ? LIBXL_RC[Number(rc[1] ?? rc[2])] : undefined;
  if (rcCode) return new VmdeckError(rcCode, firstMeaningfulLine(stderr), details);
  const what = f.argv.slice(0, 4).join(' ');
  return new VmdeckError('COMMAND_FAILED', stderr ? `${what} failed: ${firstMeaningfulLine(stderr)}` : `${what} exited with ${f.exitCode}`, details);
}

/**
 * xl pause/unpause (and a few others) exit 0 even when libxl reports an error. A libxl/xl error line on stderr
 * means the command failed, whatever the exit status said.
 */
export function xlStderrReportsError(stderr: string): boolean {
  return /^libxl: (?:error|critical): |^xencall: error: |^xc: error: |invalid domain identifier|does not exist\.|failed \(rc=-?\d+\)/m.test(stderr);
}

/** The line that says the most: virsh's "error: ..." lines, else the last non-empty line. */
function firstMeaningfulLine(stderr: string): string {
  const all = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const virshError = all.filter((l) => l.startsWith('error: ')).pop();
  const line = virshError ?? all.filter((l) => !/^Parsing config from|^Shutting down domain|^Rebooting domain/.test(l)).pop() ?? all.pop() ?? '';
  return line.replace(/^error: /, '').slice(0, 300);
}
