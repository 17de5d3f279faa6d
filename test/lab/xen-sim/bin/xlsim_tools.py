# xentop, xenstore-watch and xenstore-ls for the simulator.
import os
import sys
import time

from xlsim_core import State, Exit, out, err, cpu_ns, top_state, vdev_number, state_dir, frozen
import xlsim_vnc


def nonroot():
    return os.environ.get('XLSIM_NONROOT', '') not in ('', '0')


# ----------------------------------------------------------------------------- xentop

XENTOP_USAGE = '''Usage: xentop [OPTION]
Displays ongoing information about xen vm resources 

-h, --help           display this help and exit
-V, --version        output version information and exit
-d, --delay=SECONDS  seconds between updates (default 3)
-n, --networks       output vif network data
-x, --vbds           output vbd block device data
-r, --repeat-header  repeat table header before each domain
-v, --vcpus          output vcpu data
-b, --batch          output in batch mode, no user input accepted
-i, --iterations     number of iterations before exiting
-f, --full-name      output the full domain name (not truncated)
-z, --dom0-first     display dom0 first (ignore sorting)

Report bugs to <xen-devel@lists.xen.org>.
'''


def xentop_main(argv):
    try:
        return _xentop(argv)
    except Exit as e:
        return e.code
    except (BrokenPipeError, KeyboardInterrupt):
        return 0


def _xentop(argv):
    args = argv[1:]
    delay = 3.0
    iters = None
    full = False
    dom0_first = False
    longmap = {'--help': 'h', '--version': 'V', '--delay': 'd', '--networks': 'n', '--vbds': 'x',
               '--repeat-header': 'r', '--vcpus': 'v', '--batch': 'b', '--iterations': 'i', '--full-name': 'f',
               '--dom0-first': 'z'}
    i = 0
    opts = []
    while i < len(args):
        a = args[i]
        if a.startswith('--'):
            name, eq, val = a.partition('=')
            if name not in longmap:
                err("xentop: unrecognized option '%s'\n" % a)
                err(XENTOP_USAGE)
                return 1
            ch = longmap[name]
            if ch in 'di' and not eq:
                i += 1
                val = args[i] if i < len(args) else ''
            opts.append((ch, val))
        elif a.startswith('-') and len(a) > 1:
            j = 1
            while j < len(a):
                ch = a[j]
                if ch not in 'hVdnxrvbifz':
                    err("xentop: invalid option -- '%s'\n" % ch)
                    err(XENTOP_USAGE)
                    return 1
                if ch in 'di':
                    if j + 1 < len(a):
                        opts.append((ch, a[j + 1:]))
                    else:
                        i += 1
                        opts.append((ch, args[i] if i < len(args) else ''))
                    break
                opts.append((ch, None))
                j += 1
        i += 1
    for ch, val in opts:
        if ch == 'h':
            out(XENTOP_USAGE)
            return 0
        if ch == 'V':
            out('xentop 4.20.0\n')
            return 0
        if ch == 'd':
            try:
                delay = float(val)
            except ValueError:
                delay = 3.0
        elif ch == 'i':
            try:
                iters = int(val)
            except ValueError:
                iters = 1
        elif ch == 'f':
            full = True
        elif ch == 'z':
            dom0_first = True
    if nonroot():
        err('xentop: Failed to initialize xenstat library\n')
        return 1
    prev = {}
    k = 0
    start_real = time.time()
    while iters is None or k < iters:
        if k > 0:
            time.sleep(delay)
        with State() as st:
            now = st.now()
            if frozen():
                now += k * delay
            else:
                now = st.now()
            total_kb = int(st.data['host']['total_memory']) * 1024
            doms = st.doms()
            rows = []
            for d in doms:
                c = cpu_ns(d, now)
                key = d['uuid'] + ':%d' % d['domid']
                pct = 0.0
                if key in prev and now > prev[key][1]:
                    pct = (c - prev[key][0]) / ((now - prev[key][1]) * 1e9) * 100.0
                prev[key] = (c, now)
                maxkb = None if d.get('dom0') is False and False else (
                    d['static_max_kb'] if d.get('dom0') else d['target_kb'] + 1024)
                nets = len(d['cfg']['nics']) if d.get('cfg') else 0
                vbds = len(d['cfg']['disks']) if d.get('cfg') else 0
                rows.append({
                    'name': d['name'] or '(null)', 'state': top_state(d), 'cpu': c // 1000000000, 'pct': pct,
                    'mem': d['mem_kb'], 'memp': d['mem_kb'] * 100.0 / total_kb, 'max': maxkb,
                    'maxp': (maxkb * 100.0 / total_kb) if maxkb else None, 'vcpus': d['max_vcpus'],
                    'nets': nets, 'tx': d['net'][0], 'rx': d['net'][1], 'vbds': vbds, 'oo': d['vbd'][0],
                    'rd': d['vbd'][1], 'wr': d['vbd'][2], 'rs': d['vbd'][3], 'ws': d['vbd'][4], 'ssid': 0,
                    'domid': d['domid']})
        rows.sort(key=lambda r: r['name'].lower())
        if dom0_first:
            rows.sort(key=lambda r: 0 if r['domid'] == 0 else 1)
        namew = max([10] + [len(r['name']) for r in rows]) if full else 10

        def w(field, default):
            return max([default] + [len(str(r[field])) for r in rows])

        wtx, wrx, wrd, wwr = w('tx', 8), w('rx', 8), w('rd', 8), w('wr', 8)
        wrs, wws = w('rs', 10), w('ws', 10)
        hdr = ' '.join([
            '%*s' % (namew, 'NAME'), '%6s' % 'STATE', '%10s' % 'CPU(sec)', '%6s' % 'CPU(%)', '%10s' % 'MEM(k)',
            '%6s' % 'MEM(%)', '%10s' % 'MAXMEM(k)', '%9s' % 'MAXMEM(%)', '%5s' % 'VCPUS', '%4s' % 'NETS',
            '%*s' % (wtx, 'NETTX(k)'), '%*s' % (wrx, 'NETRX(k)'), '%4s' % 'VBDS', '%8s' % 'VBD_OO',
            '%*s' % (wrd, 'VBD_RD'), '%*s' % (wwr, 'VBD_WR'), '%*s' % (wrs, 'VBD_RSECT'),
            '%*s' % (wws, 'VBD_WSECT'), '%4s' % 'SSID'])
        lines = [hdr]
        for r in rows:
            name = r['name'] if full else r['name'][:10]
            lines.append(' '.join([
                '%*s' % (namew, name), '%6s' % r['state'], '%10d' % r['cpu'], '%6.1f' % r['pct'],
                '%10d' % r['mem'], '%6.1f' % r['memp'],
                ('%10d' % r['max']) if r['max'] else '  no limit',
                ('%9.1f' % r['maxp']) if r['max'] else '      n/a',
                '%5d' % r['vcpus'], '%4d' % r['nets'], '%*d' % (wtx, r['tx']), '%*d' % (wrx, r['rx']),
                '%4d' % r['vbds'], '%8d' % r['oo'], '%*d' % (wrd, r['rd']), '%*d' % (wwr, r['wr']),
                '%*d' % (wrs, r['rs']), '%*d' % (wws, r['ws']), '%4d' % r['ssid']]))
        out('\n'.join(lines) + '\n')
        sys.stdout.flush()
        k += 1
    return 0


# ----------------------------------------------------------------------------- xenstore tree

def xs_tree(st):
    """ordered list of (path, value) for the simulated xenstore"""
    nodes = [('/local', ''), ('/local/domain', '')]
    vm = []
    for d in st.doms():
        base = '/local/domain/%d' % d['domid']
        nodes.append((base, ''))
        if d.get('dom0'):
            nodes += [(base + '/name', 'Domain-0'), (base + '/domid', '0'), (base + '/memory', ''),
                      (base + '/memory/target', str(d['target_kb'])),
                      (base + '/memory/static-max', str(d['static_max_kb'])),
                      (base + '/control', ''), (base + '/control/feature-poweroff', '1'),
                      (base + '/control/feature-reboot', '1')]
            continue
        nodes.append((base + '/vm', '/vm/' + d['uuid']))
        nodes.append((base + '/name', d['name']))
        nodes.append((base + '/cpu', ''))
        for i in range(d['max_vcpus']):
            nodes.append((base + '/cpu/%d' % i, ''))
            nodes.append((base + '/cpu/%d/availability' % i, 'online' if d['online'][i] else 'offline'))
        nodes += [(base + '/memory', ''), (base + '/memory/static-max', str(d['static_max_kb'])),
                  (base + '/memory/target', str(d['target_kb'] - d['video_kb'] if d['type'] == 'hvm'
                                                else d['target_kb'])),
                  (base + '/memory/videoram', str(d['video_kb'] // 1024 if False else d['video_kb']))]
        nodes.append((base + '/device', ''))
        cfg = d['cfg']
        pvd = d['pv_drivers']
        if cfg['disks']:
            nodes.append((base + '/device/vbd', ''))
            for i, dk in enumerate(cfg['disks']):
                n = vdev_number(dk['vdev'])
                rt = d['disk_rt'][i] if i < len(d.get('disk_rt', [])) else [4, -1, -1]
                p = base + '/device/vbd/%d' % n
                be = 'vbd' if (dk.get('target') or '').startswith('/dev/') else 'qdisk'
                nodes += [(p, ''), (p + '/backend', '/local/domain/0/backend/%s/%d/%d' % (be, d['domid'], n)),
                          (p + '/backend-id', '0'), (p + '/state', str(rt[0])), (p + '/virtual-device', str(n)),
                          (p + '/device-type', 'cdrom' if dk['cdrom'] else 'disk')]
                if rt[1] >= 0:
                    nodes += [(p + '/event-channel', str(rt[1])), (p + '/ring-ref', str(rt[2]))]
        if cfg['nics']:
            nodes.append((base + '/device/vif', ''))
            for i, nc in enumerate(cfg['nics']):
                rt = d['nic_rt'][i] if i < len(d.get('nic_rt', [])) else [4, -1, -1, -1]
                p = base + '/device/vif/%d' % nc['devid']
                nodes += [(p, ''), (p + '/backend', '/local/domain/0/backend/vif/%d/%d' % (d['domid'], nc['devid'])),
                          (p + '/backend-id', '0'), (p + '/state', str(rt[0])), (p + '/handle', str(nc['devid'])),
                          (p + '/mac', nc['mac'])]
                if rt[2] >= 0:
                    nodes += [(p + '/tx-ring-ref', str(rt[2])), (p + '/rx-ring-ref', str(rt[3]))]
        nodes += [(base + '/control', ''), (base + '/control/shutdown', '')]
        if pvd:
            nodes += [(base + '/control/feature-poweroff', '1'), (base + '/control/feature-reboot', '1'),
                      (base + '/control/feature-suspend', '1')]
        nodes += [(base + '/domid', str(d['domid'])), (base + '/store', ''), (base + '/store/port', '1'),
                  (base + '/store/ring-ref', str(d.get('store_ring', 1044476))), (base + '/console', ''),
                  (base + '/console/backend', '/local/domain/0/backend/console/%d/0' % d['domid']),
                  (base + '/console/backend-id', '0'), (base + '/console/port', '2'),
                  (base + '/console/ring-ref', str(d.get('console_ring', 1044479))),
                  (base + '/console/tty', d.get('tty', '/dev/pts/3'))]
        # A screen for HVM guests with vnc=1 (lab profile, not under XLSIM_FREEZE): the keys `xl vncviewer` reads.
        if not frozen() and st.data.get('profile') != 'reference' and d['cfg'].get('vnc') and d['shutdown'] is None:
            port = xlsim_vnc.ensure_vnc(st.dir, d)
            if port:
                nodes += [(base + '/console/vnc-listen', d['cfg'].get('vnclisten') or '127.0.0.1'),
                          (base + '/console/vnc-port', str(port))]
        vb = '/vm/' + d['uuid']
        vm += [(vb, ''), (vb + '/name', d['name']), (vb + '/uuid', d['uuid']),
               (vb + '/start_time', '%.2f' % d['start_time'])]
    tree = [('/tool', ''), ('/tool/xenstored', '')] + nodes + [('/vm', '')] + vm
    return tree


def xs_escape(v):
    res = ''
    for ch in v:
        o = ord(ch)
        if ch == '\t':
            res += '\\t'
        elif ch == '\n':
            res += '\\n'
        elif ch == '\r':
            res += '\\r'
        elif ch == '\\':
            res += '\\\\'
        elif o < 8:
            res += '\\%03o' % o
        elif o < 32 or o == 127:
            res += '\\x%02x' % o
        else:
            res += ch
    return res


def xenstore_ls_main(argv):
    args = argv[1:]
    full = False
    perms = False
    path = None
    for a in args:
        if a.startswith('-') and len(a) > 1:
            for ch in a[1:]:
                if ch == 'f':
                    full = True
                elif ch == 'p':
                    perms = True
                elif ch in 's':
                    pass
                else:
                    err("xenstore-ls: invalid option -- '%s'\n" % ch)
                    err('Usage: xenstore-ls [-h] [-f] [-p] [-s] [path]\n')
                    return 2
        else:
            path = a
    if nonroot():
        err('xenstore-ls: xs_open: Permission denied\n')
        return 1
    path = (path or '/').rstrip('/') or '/'
    with State() as st:
        tree = xs_tree(st)
    paths = dict(tree)
    if path != '/' and path not in paths:
        err('xenstore-ls: xs_directory (%s): No such file or directory\n' % path)
        return 1
    prefix = '' if path == '/' else path
    res = []
    try:
        width = os.get_terminal_size(1).columns if os.isatty(1) else 80
    except OSError:
        width = 80
    base_depth = 0 if path == '/' else path.count('/')
    for p, v in tree:
        if not p.startswith(prefix + '/'):
            continue
        v = xs_escape(v)
        pm = '  (n0)' if perms else ''
        if full:
            res.append('%s = "%s"%s' % (p, v, pm))
        else:
            depth = p.count('/') - base_depth - 1
            name = p.rsplit('/', 1)[1]
            line = ' ' * depth + name
            if len(line) + len(v) + 4 + len(pm) > width:
                keep = max(0, width - len(line) - 8 - len(pm))
                res.append('%s = "%s\\..."%s' % (line, v[:keep], pm))
            else:
                res.append('%s = "%s"%s' % (line, v, pm))
    out(''.join(line + '\n' for line in res))
    return 0


def xenstore_watch_main(argv):
    args = argv[1:]
    maxev = -1
    paths = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == '-n':
            i += 1
            try:
                maxev = int(args[i])
            except (IndexError, ValueError):
                err('Usage: xenstore-watch [-h] [-n NR] [-s] key [key ...]\n')
                return 2
        elif a.startswith('-n') and len(a) > 2:
            maxev = int(a[2:])
        elif a == '-s':
            pass
        elif a in ('-h', '--help'):
            out('Usage: xenstore-watch [-h] [-n NR] [-s] key [key ...]\n')
            return 0
        elif a.startswith('-') and len(a) > 1:
            err("xenstore-watch: invalid option -- '%s'\n" % a[1:2])
            err('Usage: xenstore-watch [-h] [-n NR] [-s] key [key ...]\n')
            return 2
        else:
            paths.append(a)
        i += 1
    if not paths:
        err('Usage: xenstore-watch [-h] [-n NR] [-s] key [key ...]\n')
        return 2
    if nonroot():
        err('xenstore-watch: xs_open: Permission denied\n')
        return 1
    sd = state_dir()
    with State():   # initialises the state if needed
        pass
    log = os.path.join(sd, 'events.log')
    if not os.path.exists(log):
        open(log, 'a').close()
    f = open(log, 'rb')
    f.seek(0, 2)
    count = 0
    try:
        for p in paths:
            if maxev >= 0 and count >= maxev:
                return 0
            sys.stdout.write(p + '\n')
            sys.stdout.flush()
            count += 1
        buf = b''
        try:
            import select
            poller = select.poll()
            poller.register(1, 0)
        except (OSError, ValueError, AttributeError):
            poller = None
        while maxev < 0 or count < maxev:
            chunk = f.read()
            if not chunk:
                # the reader went away (e.g. the ssh session closed): exit like a SIGPIPE would
                if poller is not None and any(ev & (select.POLLERR | select.POLLHUP) for _, ev in poller.poll(0)):
                    return 0
                time.sleep(0.05)
                continue
            buf += chunk
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                ev = line.decode('utf-8', 'replace')
                for w in paths:
                    if ev == w or (not w.startswith('@') and ev.startswith(w.rstrip('/') + '/')):
                        sys.stdout.write(ev + '\n')
                        sys.stdout.flush()
                        count += 1
                        if maxev >= 0 and count >= maxev:
                            return 0
                if maxev >= 0 and count >= maxev:
                    return 0
    except (BrokenPipeError, KeyboardInterrupt):
        return 0
    return 0
