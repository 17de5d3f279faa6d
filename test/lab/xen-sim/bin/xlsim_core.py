# Xen xl toolstack simulator: shared state, formats and commands.
# Standard library only (python3 >= 3.9). See ../README.md.
import errno
import fcntl
import json
import os
import random
import re
import select
import signal
import socket
import subprocess
import sys
import time
import uuid as uuidlib

BIN_DIR = os.path.dirname(os.path.abspath(__file__))
CORE_FILE = os.path.abspath(__file__)

INVALID_DOMID = 4294967295


# ----------------------------------------------------------------------------- output helpers

def out(s):
    sys.stdout.write(s)


def err(s):
    sys.stdout.flush()
    sys.stderr.write(s)
    sys.stderr.flush()


class Exit(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


# ----------------------------------------------------------------------------- state

def state_dir():
    d = os.environ.get('XLSIM_STATE') or os.path.join(os.path.expanduser('~'), '.xlsim')
    return os.path.abspath(d)


def frozen():
    return os.environ.get('XLSIM_FREEZE', '') not in ('', '0')


REFERENCE_CFGS = {
    'web01.cfg': '''# PVH guest, direct kernel boot
name = "web01"
type = "pvh"
memory = 2048
vcpus = 2
kernel = "/var/lib/xen/boot/web01/vmlinuz"
ramdisk = "/var/lib/xen/boot/web01/initrd.img"
root = "/dev/xvda1 ro"
extra = "console=hvc0"
disk = [ 'format=raw, vdev=xvda, access=rw, target=/dev/vg0/web01-disk' ]
vif = [ 'mac=00:16:3e:5a:12:01,bridge=xenbr0' ]
''',
    'mail.cfg': '''# PV guest, created paused with: xl create -p /etc/xen/mail.cfg
name = "mail"
type = "pv"
memory = 1024
vcpus = 1
kernel = "/var/lib/xen/boot/mail/vmlinuz"
ramdisk = "/var/lib/xen/boot/mail/initrd.img"
cmdline = "root=/dev/xvda1 ro console=hvc0"
disk = [ 'phy:/dev/vg0/mail-disk,xvda,w', 'phy:/dev/vg0/mail-data,xvdb,w' ]
vif = [ 'mac=00:16:3e:5a:12:05,bridge=xenbr0' ]
''',
    'win2019-test-02.cfg': '''# HVM guest (no PV drivers installed yet)
name = "win2019-test-02"
type = "hvm"
memory = 4096
vcpus = 2
disk = [ 'format=raw, vdev=hda, access=rw, target=/dev/vg0/win2019-test-02',
         'format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/srv/iso/win2019-eval.iso' ]
vif = [ 'mac=00:16:3e:2b:7c:e1,bridge=xenbr0,model=e1000' ]
boot = "dc"
vnc = 1
vnclisten = "127.0.0.1"
serial = "pty"
usb = 1
usbdevice = [ 'tablet' ]
''',
}

LAB_CFGS = {
    'ci-runner-01.cfg': '''# PV guest used by the lab for lifecycle tests (shut down-able)
name = "ci-runner-01"
type = "pv"
memory = 512
vcpus = 1
kernel = "/var/lib/xen/boot/ci-runner-01/vmlinuz"
ramdisk = "/var/lib/xen/boot/ci-runner-01/initrd.img"
cmdline = "root=/dev/xvda1 ro console=hvc0"
disk = [ 'format=raw, vdev=xvda, access=rw, target=/dev/vg0/ci-runner-01' ]
vif = [ 'mac=00:16:3e:4c:21:08,bridge=xenbr0' ]
''',
}

REF_EPOCH = 1749742138.27   # web01 start_time 1749558396.27 + 2 days 3:02:22 (samples)

HOST_INFO = [
    ('host', 'xenhost01'),
    ('release', '6.12.38+deb13-amd64'),
    ('version', '#1 SMP PREEMPT_DYNAMIC Debian 6.12.38-1 (2025-07-16)'),
    ('machine', 'x86_64'),
    ('nr_cpus', '8'),
    ('max_cpu_id', '7'),
    ('nr_nodes', '1'),
    ('cores_per_socket', '4'),
    ('threads_per_core', '2'),
    ('cpu_mhz', '3600.012'),
    ('hw_caps', 'bfebfbff:77fafbff:2c100800:00000121:0000000f:009c6fbf:00000000:00000100'),
    ('virt_caps', ' pv hvm hvm_directio pv_directio hap shadow iommu_hap_pt_share gnttab-v1 gnttab-v2'),
    ('total_memory', '65373'),
    ('free_memory', None),
    ('sharing_freed_memory', '0'),
    ('sharing_used_memory', '0'),
    ('outstanding_claims', '0'),
    ('free_cpus', '0'),
    ('xen_major', '4'),
    ('xen_minor', '20'),
    ('xen_extra', '.0'),
    ('xen_version', '4.20.0'),
    ('xen_caps', 'xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 '),
    ('xen_scheduler', 'credit2'),
    ('xen_pagesize', '4096'),
    ('platform_params', 'virt_start=0xffff800000000000'),
    ('xen_changeset', ''),
    ('xen_commandline', 'placeholder dom0_mem=4096M,max:4096M dom0_max_vcpus=4'),
    ('cc_compiler', 'x86_64-linux-gnu-gcc (Debian 14.2.0-19) 14.2.0'),
    ('cc_compile_by', 'pkg-xen-devel'),
    ('cc_compile_domain', 'lists.alioth.debian.org'),
    ('cc_compile_date', 'Sun Jun  1 12:00:00 UTC 2025'),
    ('build_id', '6f1c0d9e2b7a4c35a8e94d0b1f2c3a4d5e6f7081'),
    ('xend_config_format', '4'),
]
MEM_OVERHEAD_MB = 421   # makes free_memory 53688 with the reference guests
NR_CPUS = 8

DMESG = '''(XEN) Xen version 4.20.0 (pkg-xen-devel@lists.alioth.debian.org) (x86_64-linux-gnu-gcc (Debian 14.2.0-19) 14.2.0) debug=n Sun Jun  1 12:00:00 UTC 2025
(XEN) Latest ChangeSet: 
(XEN) build-id: 6f1c0d9e2b7a4c35a8e94d0b1f2c3a4d5e6f7081
(XEN) Bootloader: GRUB 2.12-9
(XEN) Command line: placeholder dom0_mem=4096M,max:4096M dom0_max_vcpus=4
(XEN) [VT-D]d7:PCIe: unmap 0000:00:1f.3
(XEN) d7v0 VIRIDIAN GUEST_OS_ID: vendor: 1 os: 4 major: a minor: 0 sp: 0 build: 4563
'''


def S(n):
    return int(round(n * 1e9))


def initial_state(profile):
    epoch = os.environ.get('XLSIM_EPOCH')
    if epoch:
        now = float(epoch)
    elif profile == 'reference':
        now = REF_EPOCH
    else:
        now = time.time()
    st = {
        'version': 1,
        'profile': profile,
        'sim0': now,
        'real0': time.time(),
        'next_domid': 9,
        'host': dict(HOST_INFO),
        'domains': {},
    }
    if os.environ.get('XLSIM_HOSTNAME'):
        st['host']['host'] = os.environ['XLSIM_HOSTNAME']
    sd = state_dir()
    # Domain-0
    st['domains']['0'] = {
        'domid': 0, 'name': 'Domain-0', 'uuid': '00000000-0000-0000-0000-000000000000',
        'type': 'pv', 'dom0': True, 'target_kb': 4194304, 'static_max_kb': 4194304,
        'mem_kb': 4194304, 'video_kb': 0, 'max_vcpus': 4, 'online': [True] * 4,
        'vcpu_cpu': [2, 5, 0, 7], 'vcpu_state': ['r', 'b', 'b', 'b'],
        'vcpu_ns': [S(1102.7), S(801.3), S(790.4), S(723.8)], 't_base': now,
        'rate': 0.032, 'activity': 'r', 'pause': 0, 'shutdown': None, 'dying': False,
        'start_time': now - (6 * 86400 + 3 * 3600 + 32 * 60 + 45),
        'pv_drivers': True, 'nics': [], 'disks': [], 'net': [0, 0], 'vbd': [0, 0, 0, 0, 0],
        'cfg': None, 'cfg_text': None, 'cfg_path': None,
    }
    specs = [
        # name, domid, uuid, activity, paused, vcpu_ns, vcpu_cpu, vcpu_state, rate, uptime, frac, extra
        ('web01', 3, '5a9d3f7e-8c1b-4f2a-9e63-1d2c7b4a8f01', 'b', 0, [470.2, 442.4], [1, 6], ['b', 'b'],
         0.014, 2 * 86400 + 3 * 3600 + 2 * 60 + 22, {'net': [184523, 2216054], 'vbd': [0, 48211, 130472, 3120482, 6523190],
                       'save_info_len': 1523, 'nic_rt': [[4, -1, -1, -1]], 'disk_rt': [[4, -1, -1]],
                       'store_ring': 1044476, 'console_ring': 1044479, 'tty': '/dev/pts/3'}),
        ('mail', 5, 'c3e1a7b2-44d9-4b6e-8f0a-7e2d95b1c6a4', 'b', 1, [38.9], [4], ['-'],
         0.0, 3 * 3600 + 8 * 60 + 27, {'net': [1024, 3311], 'vbd': [0, 9120, 2291, 690211, 91736],
                                      'nic_rt': [[4, -1, 768, 769]], 'disk_rt': [[4, 14, 8], [4, 15, 9]]}),
        ('win2019-test-02', 7, '0f7b2c9e-3d4a-4e8b-b1c5-92a6e8d4f370', 'r', 0, [731.0, 719.3], [3, 5], ['r', 'b'],
         0.487, 86400 + 3 * 3600 + 15, {'net': [0, 12], 'vbd': [0, 0, 0, 0, 0],
                                        'nic_rt': [[1, -1, -1, -1]], 'disk_rt': [[1, -1, -1], [1, -1, -1]]}),
    ]
    cfgs = dict(REFERENCE_CFGS)
    if profile != 'reference':
        cfgs.update(LAB_CFGS)
        specs.append(('ci-runner-01', 8, '7d41c0a2-9b3e-4f65-a1d8-3c5e2f9b0a17', 'b', 0, [12.4], [2], ['b'],
                      0.004, 5 * 3600 + 41 * 60 + 3, {'net': [2048, 8812], 'vbd': [0, 1320, 611, 90112, 24880]}))
    cfgdir = os.path.join(sd, 'xen')
    os.makedirs(cfgdir, exist_ok=True)
    for fn, text in cfgs.items():
        with open(os.path.join(cfgdir, fn), 'w') as f:
            f.write(text)
    for name, domid, uuid, act, paused, vns, vcpu, vst, rate, upt, extra in specs:
        path = os.path.join(cfgdir, name + '.cfg')
        cfg = parse_cfg_text(cfgs[name + '.cfg'], path)
        d = new_domain_record(st, cfg, cfgs[name + '.cfg'], path, domid, now, uuid=uuid)
        d['activity'] = act
        d['pause'] = paused
        d['vcpu_ns'] = [S(x) for x in vns]
        d['vcpu_cpu'] = vcpu
        d['vcpu_state'] = vst
        d['rate'] = rate
        d['start_time'] = now - upt   # web01: 1749558396.27 with the reference epoch
        for k, v in extra.items():
            d[k] = v
        st['domains'][str(domid)] = d
    return st


class State:
    def __init__(self, write=False):
        self.dir = state_dir()
        self.write = write
        os.makedirs(self.dir, exist_ok=True)
        self.lockf = open(os.path.join(self.dir, 'state.lock'), 'a+')
        fcntl.flock(self.lockf, fcntl.LOCK_EX if write else fcntl.LOCK_SH)
        p = os.path.join(self.dir, 'state.json')
        self.events = []
        if not os.path.exists(p):
            if not write:
                fcntl.flock(self.lockf, fcntl.LOCK_UN)
                fcntl.flock(self.lockf, fcntl.LOCK_EX)
            if not os.path.exists(p):
                self.data = initial_state(os.environ.get('XLSIM_PROFILE', 'lab'))
                self._save()
        with open(p) as f:
            self.data = json.load(f)

    def _save(self):
        p = os.path.join(self.dir, 'state.json')
        tmp = p + '.tmp.%d' % os.getpid()
        with open(tmp, 'w') as f:
            json.dump(self.data, f, indent=1)
        os.rename(tmp, p)

    def save(self):
        self._save()
        if self.events:
            with open(os.path.join(self.dir, 'events.log'), 'a') as f:
                f.write(''.join(e + '\n' for e in self.events))
            self.events = []

    def close(self):
        if self.lockf is not None:
            fcntl.flock(self.lockf, fcntl.LOCK_UN)
            self.lockf.close()
            self.lockf = None

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    # --- clock
    def now(self):
        if frozen():
            return self.data['sim0']
        return self.data['sim0'] + (time.time() - self.data['real0'])

    # --- domains
    def doms(self):
        return [self.data['domains'][k] for k in sorted(self.data['domains'], key=int)]

    def by_id(self, domid):
        return self.data['domains'].get(str(domid))

    def by_name(self, name):
        for d in self.doms():
            if d['name'] == name:
                return d
        return None

    def emit(self, *paths):
        self.events.extend(paths)

    def alloc_domid(self):
        i = self.data['next_domid']
        while str(i) in self.data['domains']:
            i += 1
        self.data['next_domid'] = i + 1
        return i

    def free_mb(self):
        used = 0
        for d in self.doms():
            used += d['target_kb'] // 1024
        return int(self.data['host']['total_memory']) - MEM_OVERHEAD_MB - used


# ----------------------------------------------------------------------------- domain model

def accumulating(d):
    return d['pause'] == 0 and d['shutdown'] is None and not d['dying']


def vcpu_times(d, now):
    """per-vcpu CPU time (ns) at sim time now"""
    n_on = max(1, sum(1 for o in d['online'] if o))
    res = []
    for i, base in enumerate(d['vcpu_ns']):
        t = base
        if accumulating(d) and d['online'][i] and now > d['t_base']:
            t += int(d['rate'] * 1e9 * (now - d['t_base']) / n_on)
        res.append(t)
    return res


def settle(d, now):
    d['vcpu_ns'] = vcpu_times(d, now)
    d['t_base'] = now


def cpu_ns(d, now):
    return sum(vcpu_times(d, now))


def list_state(d):
    sd = d['shutdown']
    r = 'r' if (accumulating(d) and d['activity'] == 'r') else '-'
    b = 'b' if (accumulating(d) and d['activity'] == 'b') else '-'
    p = 'p' if d['pause'] > 0 else '-'
    s = 's' if sd is not None else '-'
    reason = '-rscwS'[sd] if sd is not None and 0 <= sd < 6 else ('?' if sd is not None else '-')
    dy = 'd' if d['dying'] else '-'
    return r + b + p + s + reason + dy


def top_state(d):
    sd = d['shutdown']
    return ('d' if d['dying'] else '-') + ('s' if sd is not None else '-') + \
        ('b' if accumulating(d) and d['activity'] == 'b' else '-') + \
        ('c' if sd == 3 else '-') + ('p' if d['pause'] > 0 else '-') + \
        ('r' if accumulating(d) and d['activity'] == 'r' else '-')


def vdev_number(vdev):
    m = re.match(r'^xvd([a-z]+)$', vdev)
    if m:
        idx = letters_index(m.group(1))
        if idx < 16:
            return 202 * 256 + idx * 16
        return (1 << 28) + idx * 256
    m = re.match(r'^hd([a-z])$', vdev)
    if m:
        idx = ord(m.group(1)) - 97
        majors = [3, 3, 22, 22]
        if idx < 4:
            return majors[idx] * 256 + (idx % 2) * 64
        return 202 * 256 + idx * 16
    m = re.match(r'^sd([a-z])$', vdev)
    if m:
        return 8 * 256 + (ord(m.group(1)) - 97) * 16
    m = re.match(r'^\d+$', vdev)
    if m:
        return int(vdev)
    return 51712


def letters_index(s):
    n = 0
    for c in s:
        n = n * 26 + (ord(c) - 96)
    return n - 1


def new_domain_record(st, cfg, cfg_text, cfg_path, domid, now, uuid=None):
    data = st['domains'] if isinstance(st, dict) else st.data['domains']
    cpus = []
    n = cfg['maxvcpus']
    base = (domid * 3) % NR_CPUS
    for i in range(n):
        cpus.append((base + i * 5) % NR_CPUS)
    is_hvm = cfg['type'] == 'hvm'
    pvd = cfg['pv_drivers']
    d = {
        'domid': domid, 'name': cfg['name'], 'uuid': uuid or cfg.get('uuid') or str(uuidlib.uuid4()),
        'type': cfg['type'], 'dom0': False,
        'target_kb': cfg['memory'] * 1024, 'static_max_kb': cfg['maxmem'] * 1024,
        'mem_kb': cfg['memory'] * 1024 - (2048 if is_hvm else 0),
        'video_kb': 8192 if is_hvm else 0,
        'max_vcpus': n, 'online': [i < cfg['vcpus'] for i in range(n)],
        'vcpu_cpu': cpus, 'vcpu_state': ['r' if (is_hvm and i == 0) else 'b' for i in range(n)],
        'vcpu_ns': [0] * n, 't_base': now, 'rate': 0.25 if is_hvm else 0.006,
        'activity': 'r' if is_hvm else 'b', 'pause': 0, 'shutdown': None, 'dying': False,
        'start_time': now,
        'pv_drivers': pvd, 'cfg': cfg, 'cfg_text': cfg_text, 'cfg_path': cfg_path,
        'net': [0, 0], 'vbd': [0, 0, 0, 0, 0],
        'nic_rt': [[4 if pvd else 1, -1, -1, -1] for _ in cfg['nics']],
        'disk_rt': [[4 if pvd else 1, -1, -1] for _ in cfg['disks']],
        'store_ring': 1044476, 'console_ring': 1044479, 'tty': '/dev/pts/%d' % (domid % 200 + 3),
    }
    return d


# ----------------------------------------------------------------------------- xl.cfg parser

class CfgError(Exception):
    def __init__(self, lines, code=1):
        super().__init__(lines)
        self.lines = lines
        self.code = code


TOKEN_RE = re.compile(r'''
    (?P<ws>[ \t\r]+)
  | (?P<comment>\#[^\n]*)
  | (?P<nl>\n)
  | (?P<pluseq>\+=)
  | (?P<punct>[=\[\],;])
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<number>0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
''', re.X)


def tokenize(text, fname):
    toks = []
    i = 0
    line = 1
    while i < len(text):
        m = TOKEN_RE.match(text, i)
        if not m:
            raise CfgError(['%s:%d: config parsing error near `%s\': syntax error, unexpected $undefined, '
                            'expecting IDENT or NEWLINE or \';\'' % (fname, line, text[i])])
        kind = m.lastgroup
        val = m.group(0)
        if kind == 'nl':
            toks.append(('NEWLINE', val, line))
            line += 1
        elif kind in ('ws', 'comment'):
            pass
        elif kind == 'string':
            s = val[1:-1]
            s = re.sub(r'\\(.)', lambda mm: {'n': '\n', 't': '\t'}.get(mm.group(1), mm.group(1)), s)
            toks.append(('STRING', s, line, val))
        elif kind == 'number':
            toks.append(('NUMBER', val, line))
        elif kind == 'ident':
            toks.append(('IDENT', val, line))
        elif kind == 'pluseq':
            toks.append(('+=', val, line))
        else:
            toks.append((val, val, line))
        i = m.end()
    toks.append(('$end', '', line))
    return toks


def tokname(t):
    k = t[0]
    if k in ('IDENT', 'STRING', 'NUMBER', 'NEWLINE'):
        return k
    if k == '$end':
        return 'end of file'
    if k == '+=':
        return '"+="'
    return "'%s'" % k


def tokval(t):
    if t[0] == 'STRING':
        return t[1]
    if t[0] == 'NEWLINE':
        return '\n'
    return t[1]


def parse_cfg_raw(text, fname):
    toks = tokenize(text, fname)
    pos = [0]
    settings = {}

    def peek():
        return toks[pos[0]]

    def nxt():
        t = toks[pos[0]]
        pos[0] += 1
        return t

    def fail(t, expecting):
        raise CfgError(['%s:%d: config parsing error near `%s\': syntax error, unexpected %s, expecting %s'
                        % (fname, t[2], tokval(t), tokname(t), expecting),
                        'Failed to parse config: Invalid argument'])

    def atom():
        t = nxt()
        if t[0] == 'STRING':
            return t[1]
        if t[0] == 'NUMBER':
            return num(t[1])
        fail(t, 'STRING or NUMBER')

    while True:
        t = nxt()
        if t[0] == '$end':
            break
        if t[0] in ('NEWLINE', ';'):
            continue
        if t[0] != 'IDENT':
            fail(t, "IDENT or NEWLINE or ';'")
        key = t[1]
        op = nxt()
        if op[0] not in ('=', '+='):
            fail(op, "'=' or \"+=\"")
        v = peek()
        if v[0] == 'STRING':
            nxt()
            val = v[1]
        elif v[0] == 'NUMBER':
            nxt()
            val = num(v[1])
        elif v[0] == '[':
            nxt()
            val = []
            while peek()[0] == 'NEWLINE':
                nxt()
            if peek()[0] != ']':
                while True:
                    while peek()[0] == 'NEWLINE':
                        nxt()
                    val.append(atom())
                    while peek()[0] == 'NEWLINE':
                        nxt()
                    t2 = nxt()
                    if t2[0] == ']':
                        break
                    if t2[0] != ',':
                        fail(t2, "',' or ']'")
                    while peek()[0] == 'NEWLINE':
                        nxt()
                    if peek()[0] == ']':
                        nxt()
                        break
            else:
                nxt()
        else:
            fail(v, "STRING or NUMBER or '['")
        end = peek()
        if end[0] not in ('NEWLINE', ';', '$end'):
            fail(end, "NEWLINE or ';'")
        if op[0] == '+=' and key in settings and isinstance(settings[key], list) and isinstance(val, list):
            settings[key] = settings[key] + val
        else:
            settings[key] = val
    return settings


def num(s):
    if s.lower().startswith('0x'):
        return int(s, 16)
    if '.' in s:
        return float(s)
    if len(s) > 1 and s.startswith('0'):
        return int(s, 8)
    return int(s)


DISK_FORMATS = ('raw', 'qcow', 'qcow2', 'vhd', 'qed', 'empty')


def parse_disk(spec, fname):
    d = {'target': None, 'format': None, 'vdev': None, 'access': 'rw', 'cdrom': False, 'backendtype': None}
    pos_fields = ['target', 'format', 'vdev', 'access']
    pi = 0
    rest = spec
    parts = []
    # target= eats the rest of the string
    while rest != '':
        m = re.match(r'\s*target\s*=\s*', rest)
        if m:
            parts.append(('target', rest[m.end():]))
            break
        if ',' in rest:
            tok, rest = rest.split(',', 1)
        else:
            tok, rest = rest, ''
        tok = tok.strip()
        if tok == '':
            continue
        parts.append((None, tok))

    def derr(msg, near=None):
        s = '%s: config parsing error in disk specification: %s' % (fname, msg)
        if near is not None:
            s += ': near `%s\'' % near
        s += ' in `%s\'' % spec
        raise CfgError([s])

    for key, tok in parts:
        if key == 'target':
            d['target'] = tok
            continue
        m = re.match(r'^([a-z-]+)\s*=\s*(.*)$', tok)
        if m and m.group(1) in ('format', 'vdev', 'access', 'devtype', 'backendtype', 'script', 'backend',
                                'discard', 'direct-io-safe', 'specification'):
            k, v = m.group(1), m.group(2)
            if k == 'devtype':
                if v == 'cdrom':
                    d['cdrom'] = True
                elif v != 'disk':
                    derr('unknown value for devtype', v)
            elif k == 'format':
                if v not in DISK_FORMATS:
                    derr('unknown value for format', v)
                d['format'] = v
            elif k == 'access':
                if v not in ('r', 'ro', 'w', 'rw'):
                    derr('unknown value for access', v)
                d['access'] = 'ro' if v.startswith('r') and v != 'rw' else 'rw'
            else:
                d[k] = v
            continue
        if tok in ('cdrom', 'devtype=cdrom'):
            d['cdrom'] = True
            continue
        if tok.endswith(':cdrom'):
            d['vdev'] = tok[:-6]
            d['cdrom'] = True
            continue
        while pi < len(pos_fields) and d[pos_fields[pi]] is not None and pos_fields[pi] != 'access':
            pi += 1
        if pi >= len(pos_fields):
            derr('unexpected positional parameter', tok)
        f = pos_fields[pi]
        pi += 1
        if f == 'target':
            mm = re.match(r'^(phy|file|tap|tap2|aio|raw|qcow|qcow2|vhd|qed):(?:(aio|raw|qcow|qcow2|vhd|qed):)?(.*)$', tok)
            if mm:
                pre = mm.group(2) or mm.group(1)
                if pre in ('phy', 'file', 'tap', 'tap2', 'aio'):
                    pre = 'raw'
                d['format'] = d['format'] or pre
                tok = mm.group(3)
                d['_legacy'] = True
            d['target'] = tok
        elif f == 'format':
            if d.get('_legacy'):
                # legacy "phy:..." form: fields are target,vdev,access
                d['vdev'] = tok
                pi = 3
                continue
            if tok not in DISK_FORMATS:
                derr('unknown value for format', tok)
            d['format'] = tok
        elif f == 'vdev':
            if tok.endswith(':cdrom'):
                tok = tok[:-6]
                d['cdrom'] = True
            d['vdev'] = tok
        elif f == 'access':
            if tok not in ('r', 'ro', 'w', 'rw'):
                derr('unknown value for access', tok)
            d['access'] = 'ro' if tok in ('r', 'ro') else 'rw'
    if d['vdev'] is None:
        derr('no vdev specified')
    if d['format'] is None:
        d['format'] = 'raw'
    if d['cdrom']:
        d['access'] = 'ro'
    d.pop('_legacy', None)
    return d


def random_mac():
    return '00:16:3e:%02x:%02x:%02x' % (random.randint(0, 127), random.randint(0, 255), random.randint(0, 255))


def parse_vif(spec, devid):
    n = {'devid': devid, 'mac': None, 'bridge': 'xenbr0', 'model': None, 'vifname': None, 'ip': None,
         'rate': None, 'type': None}
    for tok in spec.split(','):
        tok = tok.strip()
        if not tok:
            continue
        if '=' in tok:
            k, v = tok.split('=', 1)
            k = k.strip()
            v = v.strip()
            if k in n:
                n[k] = v
            if k == 'mac':
                n['mac'] = v.lower()
    if not n['mac']:
        n['mac'] = random_mac()
    return n


def parse_cfg_text(text, fname):
    raw = parse_cfg_raw(text, fname)
    return cfg_from_raw(raw, fname)


def cfg_from_raw(raw, fname):
    def g(k, default=None):
        return raw.get(k, default)

    name = g('name')
    if not name or not isinstance(name, str):
        raise CfgError(['Domain name must be specified.'])
    typ = None
    if 'type' in raw:
        t = str(raw['type'])
        if 'hvm'.startswith(t):
            typ = 'hvm'
        elif 'pv'.startswith(t):
            typ = 'pv'
        elif 'pvh'.startswith(t):
            typ = 'pvh'
        else:
            raise CfgError(['Invalid domain type %s.' % t])
    elif 'builder' in raw:
        b = str(raw['builder'])
        if b == 'hvm':
            typ = 'hvm'
        elif b == 'generic':
            typ = 'pv'
        else:
            raise CfgError(['Invalid domain type %s.' % b])
    else:
        typ = 'pv'
    memory = int(g('memory', 32))
    maxmem = int(g('maxmem', memory))
    vcpus = int(g('vcpus', 1))
    maxvcpus = int(g('maxvcpus', vcpus))
    if maxvcpus < vcpus:
        raise CfgError(['xl: maxvcpus < vcpus'])
    cfg = {'name': name, 'type': typ, 'memory': memory, 'maxmem': maxmem, 'vcpus': vcpus,
           'maxvcpus': maxvcpus, 'warnings': []}
    if 'uuid' in raw:
        cfg['uuid'] = str(raw['uuid'])
    kernel = g('kernel')
    cmdline = g('cmdline')
    root = g('root')
    extra = g('extra')
    if cmdline is not None:
        if root is not None or extra is not None:
            cfg['warnings'].append('Warning: ignoring root= and extra= in favour of cmdline=')
    elif root is not None or extra is not None:
        cmdline = ('root=%s %s' % (root, extra)) if root is not None else (extra or '')
        if root is not None and extra is None:
            cmdline = 'root=%s' % root
    cfg['kernel'] = kernel
    cfg['cmdline'] = cmdline
    cfg['ramdisk'] = g('ramdisk')
    cfg['bootloader'] = g('bootloader')
    cfg['firmware'] = g('firmware')
    if typ in ('pv', 'pvh') and not kernel and not cfg['bootloader'] and not cfg['firmware']:
        raise CfgError(['Neither kernel nor bootloader specified'])
    disks = g('disk', [])
    if isinstance(disks, str):
        disks = [disks]
    cfg['disks'] = [parse_disk(str(s), fname) for s in disks]
    vifs = g('vif', [])
    if isinstance(vifs, str):
        vifs = [vifs]
    cfg['nics'] = [parse_vif(str(s), i) for i, s in enumerate(vifs)]
    cfg['boot'] = g('boot')
    cfg['serial'] = g('serial')
    cfg['vnc'] = g('vnc')
    cfg['vnclisten'] = g('vnclisten')
    cfg['vncdisplay'] = g('vncdisplay')
    cfg['vncpasswd'] = g('vncpasswd')
    cfg['usb'] = g('usb')
    ud = g('usbdevice')
    cfg['usbdevice'] = [ud] if isinstance(ud, str) else ud
    for k in ('on_poweroff', 'on_reboot', 'on_crash', 'on_watchdog'):
        v = g(k)
        if v is not None:
            cfg[k] = str(v)
    pvd = g('xlsim_pv_drivers')
    cfg['pv_drivers'] = bool(pvd) if pvd is not None else (typ != 'hvm')
    return cfg


# ----------------------------------------------------------------------------- JSON (libxl_domain_config)

def domain_config_json(d, live=True):
    if d.get('dom0'):
        return {
            'c_info': {'type': 'pv', 'name': 'Domain-0'},
            'b_info': {'max_memkb': d['static_max_kb'], 'target_memkb': d['target_kb'] - 1,
                       'sched_params': {'sched': 'credit2', 'weight': 256, 'cap': 0},
                       'type.pv': {}, 'arch_arm': {}, 'arch_x86': {}},
        }
    cfg = d['cfg']
    typ = d['type'] if live else cfg['type']
    c_info = {'type': typ, 'name': d['name'] if live else cfg['name']}
    if live:
        c_info['domid'] = INVALID_DOMID
    c_info['uuid'] = d['uuid']
    c_info['run_hotplug_scripts'] = 'True'
    b = {}
    nmax = d['max_vcpus'] if live else cfg['maxvcpus']
    b['max_vcpus'] = nmax
    if live:
        avail = [i for i, o in enumerate(d['online']) if o]
    else:
        avail = list(range(cfg['vcpus']))
    if avail:
        b['avail_vcpus'] = avail
    b['max_memkb'] = d['static_max_kb'] if live else cfg['maxmem'] * 1024
    b['target_memkb'] = d['target_kb'] if live else cfg['memory'] * 1024
    if live:
        b['video_memkb'] = d['video_kb']
        b['sched_params'] = {'sched': 'credit2', 'weight': 256, 'cap': 0}
    else:
        b['sched_params'] = {}
    b['claim_mode'] = 'True'
    if typ != 'hvm':
        for k in ('kernel', 'cmdline', 'ramdisk'):
            if cfg.get(k) is not None:
                b[k] = cfg[k]
    tspec = {}
    if typ == 'pv':
        if cfg.get('bootloader'):
            tspec['bootloader'] = cfg['bootloader']
    if typ == 'hvm':
        if cfg.get('firmware'):
            tspec['firmware'] = cfg['firmware']
        tspec['vga'] = {}
        vnc = {}
        if cfg.get('vnc') is not None:
            vnc['enable'] = 'True' if cfg['vnc'] else 'False'
        if cfg.get('vnclisten'):
            vnc['listen'] = cfg['vnclisten']
        if cfg.get('vncpasswd') is not None:
            vnc['passwd'] = cfg['vncpasswd']
        if cfg.get('vncdisplay') is not None:
            vnc['display'] = int(cfg['vncdisplay'])
        tspec['vnc'] = vnc
        tspec['sdl'] = {}
        tspec['spice'] = {}
        if cfg.get('serial'):
            tspec['serial'] = cfg['serial']
        if cfg.get('boot'):
            tspec['boot'] = cfg['boot']
        if cfg.get('usb') is not None:
            tspec['usb'] = 'True' if cfg['usb'] else 'False'
        if cfg.get('usbdevice'):
            tspec['usbdevice_list'] = list(cfg['usbdevice'])
        tspec['rdm'] = {}
        if live:
            tspec['pirq'] = 'False'
    b['type.' + typ] = tspec
    b['arch_arm'] = {}
    b['arch_x86'] = {'msr_relaxed': 'False'} if live else {}
    conf = {'c_info': c_info, 'b_info': b}
    disks = []
    for dk in cfg['disks']:
        o = {}
        if dk.get('target'):
            o['pdev_path'] = dk['target']
        o['vdev'] = dk['vdev']
        o['format'] = dk['format']
        if dk['cdrom']:
            o['removable'] = 1
        if dk['access'] == 'rw':
            o['readwrite'] = 1
        if dk['cdrom']:
            o['is_cdrom'] = 1
        disks.append(o)
    if disks:
        conf['disks'] = disks
    nics = []
    for n in cfg['nics']:
        o = {'devid': n['devid']}
        if n.get('model'):
            o['model'] = n['model']
        o['mac'] = n['mac']
        if n.get('ip'):
            o['ip'] = n['ip']
        if n.get('bridge'):
            o['bridge'] = n['bridge']
        if n.get('vifname'):
            o['ifname'] = n['vifname']
        if live:
            o['nictype'] = 'vif_ioemu' if typ == 'hvm' else 'vif'
        nics.append(o)
    if nics:
        conf['nics'] = nics
    act_map = {'destroy': None, 'restart': 'restart', 'rename-restart': 'rename_restart', 'preserve': 'preserve',
               'coredump-destroy': 'coredump_destroy', 'coredump-restart': 'coredump_restart',
               'soft-reset': 'soft_reset'}
    for k in ('on_poweroff',):
        v = act_map.get(cfg.get(k, 'destroy'))
        if v:
            conf[k] = v
    conf['on_reboot'] = act_map.get(cfg.get('on_reboot', 'restart')) or 'destroy'
    if conf['on_reboot'] == 'destroy':
        del conf['on_reboot']
    for k in ('on_watchdog', 'on_crash'):
        v = act_map.get(cfg.get(k, 'destroy'))
        if v:
            conf[k] = v
    conf['on_soft_reset'] = 'soft_reset'
    return conf


def json_format():
    return os.environ.get('XLSIM_JSON', 'yajl')


def dump_yajl(v, ind=0):
    pad = '    '
    if isinstance(v, dict):
        if not v:
            return '{\n\n' + pad * (ind + 1) + '}' if False else '{\n\n' + pad * ind + '}'
        items = [pad * (ind + 1) + json.dumps(k, ensure_ascii=False) + ': ' + dump_yajl(x, ind + 1)
                 for k, x in v.items()]
        return '{\n' + ',\n'.join(items) + '\n' + pad * ind + '}'
    if isinstance(v, list):
        if not v:
            return '[\n\n' + pad * ind + ']'
        items = [pad * (ind + 1) + dump_yajl(x, ind + 1) for x in v]
        return '[\n' + ',\n'.join(items) + '\n' + pad * ind + ']'
    return json.dumps(v, ensure_ascii=False)


def dump_jsonc(v, ind=0):
    pad = '  '
    if isinstance(v, dict):
        if not v:
            return '{\n' + pad * ind + '}'
        items = [pad * (ind + 1) + jc_str(k) + ':' + dump_jsonc(x, ind + 1) for k, x in v.items()]
        return '{\n' + ',\n'.join(items) + '\n' + pad * ind + '}'
    if isinstance(v, list):
        if not v:
            return '[\n' + pad * ind + ']'
        items = [pad * (ind + 1) + dump_jsonc(x, ind + 1) for x in v]
        return '[\n' + ',\n'.join(items) + '\n' + pad * ind + ']'
    if isinstance(v, str):
        return jc_str(v)
    return json.dumps(v)


def jc_str(s):
    return json.dumps(s, ensure_ascii=False).replace('/', '\\/')


def add_jsonc_fields(conf):
    b = conf.get('b_info', {})
    if 'arch_arm' in b:
        b['arch_arm'] = {'arm_sci': {}}
    return conf


def dump_json_doc(v):
    if json_format() == 'json-c':
        if isinstance(v, list):
            for e in v:
                add_jsonc_fields(e['config'])
        else:
            add_jsonc_fields(v)
        return dump_jsonc(v) + '\n'
    return dump_yajl(v) + '\n'
