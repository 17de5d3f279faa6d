# xl command implementations for the simulator.
import fcntl
import json
import os
import re
import select
import socket
import subprocess
import sys
import termios
import time
import tty

from xlsim_core import (Exit, State, CfgError, out, err, list_state, cpu_ns, vcpu_times, settle,
                        new_domain_record, parse_cfg_raw, cfg_from_raw, domain_config_json, dump_json_doc,
                        json_format, vdev_number, state_dir, DMESG, INVALID_DOMID, NR_CPUS)
import xlsim_console as con

# name, can_dryrun(N), modifies(f), description, usage, options
CMDS = [
    ('create', 1, 1, 'Create a domain from config file <filename>', '<ConfigFile> [options] [vars]',
     '-h                      Print this help.\n'
     '-p                      Leave the domain paused after it is created.\n'
     '-c                      Connect to the console after the domain is created.\n'
     '-f FILE, --defconfig=FILE\n                     Use the given configuration file.\n'
     '-q, --quiet             Quiet.\n'
     '-n, --dryrun            Dry run - prints the resulting configuration\n'
     '                         (deprecated in favour of global -N option).\n'
     '-d                      Enable debug messages.\n'
     '-F                      Run in foreground until death of the domain.\n'
     '-e                      Do not wait in the background for the death of the domain.\n'
     '-V, --vncviewer         Connect to the VNC display after the domain is created.\n'
     '-A, --vncviewer-autopass\n'
     '                        Pass VNC password to viewer via stdin.'),
    ('config-update', 1, 1, "Update a running domain's saved configuration, used when rebuilding the domain after reboot.\n"
     'WARNING: xl now has better capability to manage domain configuration, avoid using this command when possible',
     '<Domain> <ConfigFile> [options] [vars]', None),
    ('list', 0, 0, 'List information about all/some domains', '[options] [Domain]\n',
     '-l, --long              Output all VM details\n'
     '-v, --verbose           Prints out UUIDs and security context\n'
     '-Z, --context           Prints out security context\n'
     '-c, --cpupool           Prints the cpupool the domain is in\n'
     '-n, --numa              Prints out NUMA node affinity'),
    ('destroy', 0, 1, 'Terminate a domain immediately', '[options] <Domain>\n',
     '-f                      Permit destroying domain 0, which will only succeed\n'
     '                        when run from disaggregated toolstack domain with a\n'
     '                        hardware domain distinct from domain 0.'),
    ('shutdown', 0, 1, 'Issue a shutdown signal to a domain', '[options] <-a|Domain>',
     '-a, --all               Shutdown all guest domains.\n'
     '-h                      Print this help.\n'
     '-F                      Fallback to ACPI power event for HVM guests with\n'
     '                        no PV drivers.\n'
     '-w, --wait              Wait for guest(s) to shutdown.\n'),
    ('reboot', 0, 1, 'Issue a reboot signal to a domain', '[options] <-a|Domain>',
     '-a, --all               Shutdown all guest domains.\n'
     '-h                      Print this help.\n'
     '-F                      Fallback to ACPI reset event for HVM guests with\n'
     '                        no PV drivers.\n'
     '-w, --wait              Wait for guest(s) to reboot.\n'),
    ('pci-attach', 0, 1, 'Insert a new pass-through pci device', '<Domain> <BDF> [Virtual Slot]', None),
    ('pci-detach', 0, 1, "Remove a domain's pass-through pci device", '<Domain> <BDF>', None),
    ('pci-list', 0, 0, 'List pass-through pci devices for a domain', '<Domain>', None),
    ('pci-assignable-add', 0, 1, 'Make a device assignable for pci-passthru', '<BDF>', None),
    ('pci-assignable-remove', 0, 1, 'Remove a device from being assignable', '[options] <BDF>', None),
    ('pci-assignable-list', 0, 0, 'List all the assignable pci devices', '', None),
    ('pause', 0, 1, 'Pause execution of a domain', '<Domain>', None),
    ('unpause', 0, 1, 'Unpause a paused domain', '<Domain>', None),
    ('console', 0, 0, "Attach to domain's console", '[options] <Domain>\n'
     '-t <type>       console type, pv , serial or vuart\n'
     '-n <number>     console number', None),
    ('vncviewer', 0, 0, "Attach to domain's VNC server.", '[options] <Domain>', None),
    ('save', 0, 1, 'Save a domain state to restore later', '[options] <Domain> <CheckpointFile> [<ConfigFile>]',
     '-h  Print this help.\n'
     '-c  Leave domain running after creating the snapshot.\n'
     '-p  Leave domain paused after creating the snapshot.\n'
     '-D  Store the domain id in the configration.'),
    ('migrate', 0, 1, 'Migrate a domain to another host', '[options] <Domain> <host>', None),
    ('restore', 0, 1, 'Restore a domain from a saved state', '[options] [<ConfigFile>] <CheckpointFile>',
     '-h                       Print this help.\n'
     '-p                       Do not unpause domain after restoring it.\n'
     '-e                       Do not wait in the background for the death of the domain.\n'
     '-d                       Enable debug messages.\n'
     '-V, --vncviewer          Connect to the VNC display after the domain is created.\n'
     '-A, --vncviewer-autopass Pass VNC password to viewer via stdin.'),
    ('migrate-receive', 0, 1, 'Restore a domain from a saved state', '- for internal use only', None),
    ('remus', 0, 1, 'Enable Remus HA or COLO for domain', '[options] <Domain> [<host>]', None),
    ('dump-core', 0, 1, 'Core dump a domain', '<Domain> <filename>', None),
    ('cd-insert', 1, 1, "Insert a cdrom into a guest's cd drive", '<Domain> <VirtualDevice> <path>', None),
    ('cd-eject', 1, 1, "Eject a cdrom from a guest's cd drive", '<Domain> <VirtualDevice>', None),
    ('mem-max', 0, 1, 'Set the maximum amount reservation for a domain',
     "<Domain> <MemMB['b'[bytes]|'k'[KB]|'m'[MB]|'g'[GB]|'t'[TB]]>", None),
    ('mem-set', 0, 1, 'Set the current memory usage for a domain',
     "<Domain> <MemMB['b'[bytes]|'k'[KB]|'m'[MB]|'g'[GB]|'t'[TB]]>", None),
    ('button-press', 0, 1, 'Indicate an ACPI button press to the domain', '<Domain> <Button>', None),
    ('vcpu-list', 0, 0, 'List the VCPUs for all/some domains', '[Domain, ...]', None),
    ('vcpu-pin', 1, 1, 'Set which CPUs a VCPU can use',
     '[option] <Domain> <VCPU|all> <Hard affinity|-|all> <Soft affinity|-|all>', None),
    ('vcpu-set', 0, 1, 'Set the number of active VCPUs allowed for the domain', '[option] <Domain> <vCPUs>',
     "-i, --ignore-host  Don't limit the vCPU based on the host CPU count"),
    ('vm-list', 0, 0, 'List guest domains, excluding dom0, stubdoms, etc.', '', None),
    ('info', 0, 0, 'Get information about Xen host', '-n, --numa         List host NUMA topology information', None),
    ('sharing', 0, 0, 'Get information about page sharing', '[Domain]', None),
    ('sched-credit', 0, 1, 'Get/set credit scheduler parameters', '', None),
    ('sched-credit2', 0, 1, 'Get/set credit2 scheduler parameters', '', None),
    ('sched-rtds', 0, 1, 'Get/set rtds scheduler parameters', '', None),
    ('domid', 0, 0, 'Convert a domain name to domain id', '<DomainName>', None),
    ('domname', 0, 0, 'Convert a domain id to domain name', '<DomainId>', None),
    ('rename', 0, 1, 'Rename a domain', '<Domain> <NewDomainName>', None),
    ('trigger', 0, 1, 'Send a trigger to a domain', '<Domain> <nmi|reset|init|power|sleep|s3resume> [<VCPU>]', None),
    ('sysrq', 0, 1, 'Send a sysrq to a domain', '<Domain> <letter>', None),
    ('debug-keys', 0, 1, 'Send debug keys to Xen', '<Keys>', None),
    ('set-parameters', 0, 1, 'Set hypervisor parameters', '<Params>', None),
    ('dmesg', 0, 0, 'Read and/or clear dmesg buffer', '[-c]',
     '  -c                        Clear dmesg buffer as well as printing it'),
    ('top', 0, 0, 'Monitor a host and the domains in real time', '', None),
    ('network-attach', 1, 1, 'Create a new virtual network device', '<Domain> [type=<type>] [mac=<mac>] ...', None),
    ('network-list', 0, 0, 'List virtual network interfaces for a domain', '<Domain(s)>', None),
    ('network-detach', 0, 1, "Destroy a domain's virtual network device", '<Domain> <DevId|mac>', None),
    ('channel-list', 0, 0, 'List virtual channel devices for a domain', '<Domain(s)>', None),
    ('block-attach', 1, 1, 'Create a new virtual block device', '<Domain> <disk-spec-component(s)>...', None),
    ('block-list', 0, 0, 'List virtual block devices for a domain', '<Domain(s)>', None),
    ('block-detach', 0, 1, "Destroy a domain's virtual block device", '<Domain> <DevId>', None),
    ('vtpm-attach', 1, 1, 'Create a new virtual TPM device', '<Domain> [uuid=<uuid>] [backend=<BackDomain>]', None),
    ('vtpm-list', 0, 0, 'List virtual TPM devices for a domain', '<Domain(s)>', None),
    ('vtpm-detach', 0, 1, "Destroy a domain's virtual TPM device", '<Domain> <DevId|uuid>', None),
    ('vkb-attach', 1, 1, 'Create a new virtual keyboard device', '<Domain> <vkb-spec-component(s)>...', None),
    ('vkb-list', 0, 0, 'List virtual keyboard devices for a domain', '<Domain(s)>', None),
    ('vkb-detach', 0, 1, "Destroy a domain's virtual keyboard device", '<Domain> <DevId>', None),
    ('vdispl-attach', 1, 1, 'Create a new virtual display device', '<Domain> ...', None),
    ('vdispl-list', 0, 0, 'List virtual display devices for a domain', '<Domain(s)>', None),
    ('vdispl-detach', 0, 1, "Destroy a domain's virtual display device", '<Domain> <DevId>', None),
    ('vsnd-attach', 1, 1, 'Create a new virtual sound device', '<Domain> <vsnd-spec-component(s)>...', None),
    ('vsnd-list', 0, 0, 'List virtual display devices for a domain', '<Domain(s)>', None),
    ('vsnd-detach', 0, 1, "Destroy a domain's virtual sound device", '<Domain> <DevId>', None),
    ('uptime', 0, 0, 'Print uptime for all/some domains', '[-s] [Domain]', None),
    ('claims', 0, 0, 'List outstanding claim information about all domains', '', ''),
    ('cpupool-create', 1, 1, 'Create a new CPU pool', '[options] [<ConfigFile>] [Variable=value ...]', None),
    ('cpupool-list', 0, 0, 'List CPU pools on host', '[-c|--cpus] [<CPU Pool>]', None),
    ('cpupool-destroy', 0, 1, 'Deactivates a CPU pool', '<CPU Pool>', None),
    ('cpupool-rename', 0, 1, 'Renames a CPU pool', '<CPU Pool> <new name>', None),
    ('cpupool-cpu-add', 0, 1, 'Adds a CPU to a CPU pool', '<CPU Pool> <CPU nr>|node:<node nr>', None),
    ('cpupool-cpu-remove', 0, 1, 'Removes a CPU from a CPU pool', '<CPU Pool> <CPU nr>|node:<node nr>', None),
    ('cpupool-migrate', 0, 1, 'Moves a domain into a CPU pool', '<Domain> <CPU Pool>', None),
    ('cpupool-numa-split', 0, 1, 'Splits up the machine into one CPU pool per NUMA node', '', None),
    ('getenforce', 0, 0, 'Returns the current enforcing mode of the Flask Xen security module', '', None),
    ('setenforce', 1, 0, 'Sets the current enforcing mode of the Flask Xen security module', '<1|0|Enforcing|Permissive>', None),
    ('loadpolicy', 1, 0, 'Loads a new policy into the Flask Xen security module', '<policy file>', None),
    ('devd', 0, 0, 'Daemon that listens for devices and launches backends', '[options]', None),
    ('psr-hwinfo', 0, 0, 'Show hardware information for Platform Shared Resource', '[options]', None),
    ('usbctrl-attach', 0, 1, 'Create a virtual USB controller for a domain', '<Domain> [type=pv] ...', None),
    ('usbctrl-detach', 0, 1, 'Remove the virtual USB controller specified by <DevId> for a domain', '<Domain> <DevId>', None),
    ('usbdev-attach', 0, 1, 'Attach a USB device to a domain', '<Domain> hostbus=<busnum> hostaddr=<devnum> ...', None),
    ('usbdev-detach', 0, 1, 'Detach a USB device from a domain', '<Domain> <ctrl> <port>', None),
    ('usb-list', 0, 0, 'List information about all USB controllers and devices for a domain', '<Domain>', None),
    ('qemu-monitor-command', 0, 1, 'Issue a qemu monitor command to the device model of a domain', '<Domain> <Command>', None),
]
CMD = {c[0]: c for c in CMDS}
SIMULATED = {'create', 'list', 'destroy', 'shutdown', 'reboot', 'pause', 'unpause', 'console', 'save', 'restore',
             'mem-set', 'mem-max', 'vcpu-list', 'vcpu-set', 'vm-list', 'info', 'domid', 'domname', 'rename', 'dmesg',
             'network-list', 'block-list', 'uptime', 'top', 'trigger', 'migrate'}


def help_text(name):
    c = CMD[name]
    s = 'Usage: xl [-vtT%s%s] %s %s\n\n%s.\n\n' % ('f' if c[2] else '', 'N' if c[1] else '', c[0], c[4], c[3])
    if c[5]:
        s += 'Options:\n\n%s\n' % c[5]
    return s


def full_help():
    s = 'Usage xl [-vfNtT] <subcommand> [args]\n\nxl full list of subcommands:\n\n'
    for c in CMDS:
        if c[0] == 'migrate-receive':
            continue
        s += ' %-19s ' % c[0]
        if len(c[0]) > 19:
            s += '\n %-19s ' % ''
        s += c[3] + '\n'
    return s


def lookup(cmd):
    if cmd in CMD:
        return cmd
    found = None
    for c in CMDS:
        if c[0].startswith(cmd):
            if found is not None:
                return None
            found = c[0]
    return found


class Opts:
    pass


def getopt(cmdname, args, optstring, longopts, reqargs):
    """GNU getopt_long emulation (permuting) plus xl's def_getopt() conventions."""
    opts = []
    pos = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == '--':
            pos.extend(args[i + 1:])
            break
        if a.startswith('--') and len(a) > 2:
            name, _, val = a[2:].partition('=')
            matches = [l for l in longopts if l[0] == name] or [l for l in longopts if l[0].startswith(name)]
            if name == 'help':
                out(help_text(cmdname))
                raise Exit(0)
            if len(matches) != 1:
                err("option `%s' not supported.\n" % '')
                raise Exit(2)
            lname, hasarg, short = matches[0]
            if hasarg:
                if not _:
                    i += 1
                    if i >= len(args):
                        err("option `%s' requires an argument.\n" % short)
                        raise Exit(2)
                    val = args[i]
                opts.append((short, val))
            else:
                opts.append((short, None))
        elif a.startswith('-') and len(a) > 1:
            j = 1
            while j < len(a):
                ch = a[j]
                if ch == 'h':
                    out(help_text(cmdname))
                    raise Exit(0)
                k = optstring.find(ch)
                if k < 0 or ch == ':':
                    err("option `%s' not supported.\n" % ch)
                    raise Exit(2)
                if k + 1 < len(optstring) and optstring[k + 1] == ':':
                    if j + 1 < len(a):
                        opts.append((ch, a[j + 1:]))
                    else:
                        i += 1
                        if i >= len(args):
                            err("option `%s' requires an argument.\n" % ch)
                            raise Exit(2)
                        opts.append((ch, args[i]))
                    break
                opts.append((ch, None))
                j += 1
        else:
            pos.append(a)
        i += 1
    if len(pos) < reqargs:
        err("'xl %s' requires at least %d argument%s.\n\n" % (cmdname, reqargs, 's' if reqargs > 1 else ''))
        out(help_text(cmdname))
        raise Exit(2)
    return opts, pos


# ----------------------------------------------------------------------------- helpers

def libxl(src, line, func, domid, msg):
    dp = 'Domain %d:' % domid if 0 < domid <= 0x7FEF else ''
    return 'libxl: error: %s.c:%d:%s: %s%s\n' % (src, line, func, dp, msg)


def find_domain(st, arg):
    """returns (domid, domain-or-None); exits on unknown names"""
    if re.fullmatch(r'[0-9]+', arg):
        domid = int(arg)
        return domid, st.by_id(domid)
    d = st.by_name(arg)
    if d is None:
        err('%s is an invalid domain identifier (rc=-6)\n' % arg)
        raise Exit(1)
    return d['domid'], d


def no_such(domid):
    return libxl('libxl_domain', 354, 'libxl_domain_info', domid, 'Getting domain info: No such process')


def require_existing(st, arg, domid, d):
    if d is None:
        err(no_such(domid))
        raise Exit(1)


def ack_timeout():
    try:
        return float(os.environ.get('XLSIM_ACK_TIMEOUT', '60'))
    except ValueError:
        return 60.0


def domain_paths(d):
    """xenstore node paths of a domain in creation order (relative to /local/domain/N)"""
    p = ['vm', 'name']
    p.append('cpu')
    for i in range(d['max_vcpus']):
        p += ['cpu/%d' % i, 'cpu/%d/availability' % i]
    p += ['memory', 'memory/static-max', 'memory/target', 'memory/videoram', 'device']
    if d['cfg'] and d['cfg']['disks']:
        p.append('device/vbd')
        for dk in d['cfg']['disks']:
            n = vdev_number(dk['vdev'])
            p += ['device/vbd/%d' % n] + ['device/vbd/%d/%s' % (n, k) for k in
                                         ('backend', 'backend-id', 'state', 'virtual-device', 'device-type')]
    if d['cfg'] and d['cfg']['nics']:
        p.append('device/vif')
        for nc in d['cfg']['nics']:
            n = nc['devid']
            p += ['device/vif/%d' % n] + ['device/vif/%d/%s' % (n, k) for k in
                                         ('backend', 'backend-id', 'state', 'handle', 'mac')]
    p += ['control', 'control/shutdown', 'control/feature-poweroff', 'control/feature-reboot',
          'control/feature-suspend', 'domid', 'store', 'store/port', 'store/ring-ref', 'console',
          'console/backend', 'console/backend-id', 'console/port', 'console/ring-ref', 'console/tty']
    return p


def emit_introduce(st, d):
    base = '/local/domain/%d' % d['domid']
    st.emit(base, *[base + '/' + x for x in domain_paths(d)])
    st.emit('/vm/' + d['uuid'], '/vm/%s/name' % d['uuid'], '/vm/%s/uuid' % d['uuid'],
            '/vm/%s/start_time' % d['uuid'])
    st.emit('@introduceDomain')


def device_state_paths(d):
    base = '/local/domain/%d' % d['domid']
    res = []
    if d['cfg']:
        for nc in d['cfg']['nics']:
            res.append(base + '/device/vif/%d/state' % nc['devid'])
        for dk in d['cfg']['disks']:
            res.append(base + '/device/vbd/%d/state' % vdev_number(dk['vdev']))
    return res


def emit_release(st, d, control=False):
    base = '/local/domain/%d' % d['domid']
    if control:
        st.emit(base + '/control/shutdown', base + '/control/shutdown')
    st.emit(*device_state_paths(d))
    st.emit(base)
    st.emit('@releaseDomain')


def remove_domain(st, d, control=False):
    emit_release(st, d, control)
    del st.data['domains'][str(d['domid'])]
    con.stop_daemon(st.dir, d['uuid'])


def create_from_cfg(st, cfg, text, path, paused=False, uuid=None):
    domid = st.alloc_domid()
    now = st.now()
    d = new_domain_record(st, cfg, text, path, domid, now, uuid=uuid)
    if paused:
        d['pause'] = 1
    st.data['domains'][str(domid)] = d
    emit_introduce(st, d)
    return d


# ----------------------------------------------------------------------------- list family

def fmt_row(d, now):
    return '%-40s %5d %5d %5d     %s  %8.1f' % (d['name'] if d['name'] is not None else '(null)', d['domid'],
                                               d['mem_kb'] // 1024, sum(1 for o in d['online'] if o),
                                               list_state(d), cpu_ns(d, now) / 1e9)


def cmd_list(args):
    opts, pos = getopt('list', args, 'lvZcn', [('long', 0, 'l'), ('verbose', 0, 'v'), ('context', 0, 'Z'),
                                               ('cpupool', 0, 'c'), ('numa', 0, 'n')], 0)
    o = set(k for k, _ in opts)
    if len(pos) > 1:
        out(help_text('list'))
        raise Exit(1)
    with State() as st:
        now = st.now()
        doms = st.doms()
        if pos:
            domid, d = find_domain(st, pos[0])
            if d is None:
                err(no_such(domid))
                err("Error: Domain '%d' does not exist.\n" % domid)
                raise Exit(1)
            doms = [d]
        if 'l' in o:
            arr = [{'domid': d['domid'], 'config': domain_config_json(d)} for d in doms]
            s = dump_json_doc(arr)
            if json_format() != 'json-c':
                s += '\n'
            out(s)
            return 0
        verbose = 'v' in o
        hdr = 'Name                                        ID   Mem VCPUs\tState\tTime(s)'
        if verbose:
            hdr += '   UUID                            Reason-Code\tSecurity Label'
        if 'Z' in o and not verbose:
            hdr += '   Security Label'
        if 'c' in o:
            hdr += '         Cpupool'
        if 'n' in o:
            hdr += ' NODE Affinity'
        lines = [hdr]
        for d in doms:
            r = fmt_row(d, now)
            if verbose:
                r += ' ' + d['uuid']
                r += (' %8x' % d['shutdown']) if d['shutdown'] is not None else (' %8s' % '-')
            if verbose or 'Z' in o:
                r += ' %16s' % '-'
            if 'c' in o:
                r += '%16s' % 'Pool-0'
            if 'n' in o:
                r += ' all'
            lines.append(r)
        out('\n'.join(lines) + '\n')
    return 0


def cmd_info(args):
    opts, pos = getopt('info', args, 'nx', [('numa', 0, 'n')], 0)
    o = set(k for k, _ in opts)
    with State() as st:
        h = dict(st.data['host'])
        h['free_memory'] = str(st.free_mb())
        lines = []
        for k, _ in [(k, v) for k, v in st.data['host'].items()]:
            v = h[k]
            if k == 'virt_caps':
                lines.append((k, 'virt_caps              :' + v))
            else:
                lines.append((k, '%-23s: %s' % (k, v)))
            if k == 'free_cpus' and 'n' in o:
                topo = ['cpu_topology           :', 'cpu:    core    socket     node']
                for c in range(NR_CPUS):
                    topo.append('%3d:    %4d     %4d     %4d' % (c, c // 2, 0, 0))
                topo += ['device topology        :', 'device           node', 'No device topology data available',
                         'numa_info              :', 'node:    memsize    memfree    distances',
                         '%4d:    %6d     %6d      %d' % (0, int(h['total_memory']) + 163, int(h['free_memory']), 10)]
                for t in topo:
                    lines.append(('', t))
        if pos and 'n' not in o:
            key = pos[0]
            for k, line in lines:
                if k and k.startswith(key):
                    out(line.split(':', 1)[1][1:] + '\n')
            return 0
        out(''.join(line + '\n' for _, line in lines))
    return 0


def cmd_uptime(args):
    opts, pos = getopt('uptime', args, 's', [], 0)
    short = any(k == 's' for k, _ in opts)
    with State() as st:
        now = st.now()
        doms = st.doms()
        if pos:
            doms = []
            for a in pos:
                domid, d = find_domain(st, a)
                if d is not None:
                    doms.append(d)
        nowi = int(now)
        res = ''
        if not short:
            res += '%-33s %4s %s\n' % ('Name', 'ID', 'Uptime')
        tm = time.localtime(nowi)
        for d in doms:
            up = nowi - int(d['start_time'])
            days, rem = divmod(up, 86400)
            hours, rem = divmod(rem, 3600)
            mins, secs = divmod(rem, 60)
            if short:
                s = ' %02d:%02d:%02d up ' % (tm.tm_hour, tm.tm_min, tm.tm_sec)
                if days:
                    s += '%d day%s, ' % (days, 's' if days > 1 else '')
                s += '%2d:%02d, %s (%d)\n' % (hours, mins, d['name'], d['domid'])
                res += s
            else:
                u = ''
                if days:
                    u = '%d day%s, ' % (days, 's' if days > 1 else '')
                u += '%2d:%02d:%02d' % (hours, mins, secs)
                res += '%-33s %4d %s\n' % (d['name'], d['domid'], u)
        out(res)
    return 0


def cmd_vcpu_list(args):
    opts, pos = getopt('vcpu-list', args, '', [], 0)
    with State() as st:
        now = st.now()
        doms = st.doms()
        if pos:
            doms = []
            for a in pos:
                domid, d = find_domain(st, a)
                if d is None:
                    err(no_such(domid))
                    continue
                doms.append(d)
        res = '%-32s %5s %5s %5s %5s %9s %s\n' % ('Name', 'ID', 'VCPU', 'CPU', 'State', 'Time(s)',
                                                 'Affinity (Hard / Soft)')
        for d in doms:
            times = vcpu_times(d, now)
            for i in range(d['max_vcpus']):
                if d['online'][i]:
                    stt = d['vcpu_state'][i]
                    if d['pause'] > 0 or d['shutdown'] is not None:
                        stt = '-'
                    s3 = {'r': 'r--', 'b': '-b-'}.get(stt, '---')
                    res += '%-32s %5d %5d%5d   %s %9.1f  all / all\n' % (d['name'], d['domid'], i,
                                                                         d['vcpu_cpu'][i], s3, times[i] / 1e9)
                else:
                    res += '%-32s %5d %5d%5s   --p %9.1f  all / all\n' % (d['name'], d['domid'], i, '-',
                                                                          times[i] / 1e9)
        out(res)
    return 0


def cmd_vm_list(args):
    getopt('vm-list', args, '', [], 0)
    with State() as st:
        res = 'UUID                                  ID    name\n'
        for d in st.doms():
            res += '%s  %d    %-30s\n' % (d['uuid'], d['domid'], d['name'])
        out(res)
    return 0


def cmd_domid(args):
    _, pos = getopt('domid', args, '', [], 1)
    with State() as st:
        d = st.by_name(pos[0])
        if d is None:
            err("Can't get domid of domain name '%s', maybe this domain does not exist.\n" % pos[0])
            raise Exit(1)
        out('%d\n' % d['domid'])
    return 0


def cmd_domname(args):
    _, pos = getopt('domname', args, '', [], 1)
    with State() as st:
        d = None
        try:
            d = st.by_id(int(pos[0]))
        except ValueError:
            pass
        if d is None:
            err("Can't get domain name of domain id '%s', maybe this domain does not exist.\n" % pos[0])
            raise Exit(1)
        out('%s\n' % d['name'])
    return 0


def cmd_dmesg(args):
    getopt('dmesg', args, 'c', [], 0)
    with State():
        out(DMESG)
    return 0


def flush_rows(rows):
    out(''.join(rows))
    rows.clear()


def listed_domains(st, pos, rows):
    """The configured domains named in `pos`, in order. An unknown name first prints the rows collected so far,
    then xl's error, and the listing goes on (as network-list and block-list do)."""
    for a in pos:
        if re.fullmatch(r'[0-9]+', a):
            d = st.by_id(int(a))
        else:
            d = st.by_name(a)
            if d is None:
                flush_rows(rows)
                sys.stdout.flush()
                err('%s is an invalid domain identifier\n' % a)
                continue
        if d is None or not d.get('cfg'):
            continue
        yield d


def cmd_network_list(args):
    _, pos = getopt('network-list', args, '', [], 1)
    with State() as st:
        rows = ['%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n' % ('Idx', 'BE', 'Mac Addr.', 'handle', 'state',
                                                                    'evt-ch', 'tx-', 'rx-ring-ref', 'BE-path')]
        for d in listed_domains(st, pos, rows):
            for i, n in enumerate(d['cfg']['nics']):
                rt = d['nic_rt'][i] if i < len(d.get('nic_rt', [])) else [4, -1, -1, -1]
                rows.append('%-3d %-2d ' % (n['devid'], 0) + n['mac'] + '%6d %5d %6d %5d/%-11d %-30s\n' % (
                    n['devid'], rt[0], rt[1], rt[2], rt[3], '/local/domain/0/backend/vif/%d/%d' % (d['domid'], n['devid'])))
        flush_rows(rows)
    return 0


def disk_backend(dk):
    return 'vbd' if (dk.get('target') or '').startswith('/dev/') else 'qdisk'


def cmd_block_list(args):
    _, pos = getopt('block-list', args, '', [], 1)
    with State() as st:
        rows = ['%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n' % ('Vdev', 'BE', 'handle', 'state', 'evt-ch', 'ring-ref',
                                                          'BE-path')]
        for d in listed_domains(st, pos, rows):
            for i, dk in enumerate(d['cfg']['disks']):
                rt = d['disk_rt'][i] if i < len(d.get('disk_rt', [])) else [4, -1, -1]
                n = vdev_number(dk['vdev'])
                rows.append('%-5d %-3d %-6d %-5d %-6d %-8d %-30s\n' % (
                    n, 0, d['domid'], rt[0], rt[1], rt[2],
                    '/local/domain/0/backend/%s/%d/%d' % (disk_backend(dk), d['domid'], n)))
        flush_rows(rows)
    return 0


# ----------------------------------------------------------------------------- lifecycle

def cmd_pause(args):
    _, pos = getopt('pause', args, '', [], 1)
    with State(write=True) as st:
        domid, d = find_domain(st, pos[0])
        if d is None:
            err(libxl('libxl_domain', 583, 'libxl_domain_pause', domid, 'Pausing domain: No such process'))
            return 0
        if d['pause'] >= 255:
            err(libxl('libxl_domain', 583, 'libxl_domain_pause', domid, 'Pausing domain: Device or resource busy'))
            return 0
        settle(d, st.now())
        d['pause'] += 1
        st.save()
    return 0


def cmd_unpause(args):
    _, pos = getopt('unpause', args, '', [], 1)
    with State(write=True) as st:
        domid, d = find_domain(st, pos[0])
        if d is None:
            err(libxl('libxl_domain', 684, 'domain_unpause_done', domid, 'Unpausing domain: No such process'))
            return 0
        if d['pause'] <= 0:
            err(libxl('libxl_domain', 684, 'domain_unpause_done', domid, 'Unpausing domain: Invalid argument'))
            return 0
        now = st.now()
        settle(d, now)
        d['t_base'] = now
        d['pause'] -= 1
        st.save()
    return 0


def cmd_destroy(args):
    opts, pos = getopt('destroy', args, 'f', [], 1)
    force = any(k == 'f' for k, _ in opts)
    with State(write=True) as st:
        domid, d = find_domain(st, pos[0])
        if domid == 0 and not force:
            err('Not destroying domain 0; use -f to force.\n'
                'This can only be done when using a disaggregated hardware domain and toolstack.\n\n')
            raise Exit(1)
        if domid == 0:
            err(libxl('libxl_domain', 1179, 'libxl__destroy_domid', 0,
                      'Refusing to destroy the hardware domain of this host (simulator)'))
            err('destroy failed (rc=-3)\n')
            raise Exit(1)
        if d is None:
            err(no_such(domid))
            err(libxl('libxl_domain', 1179, 'libxl__destroy_domid', domid, 'Non-existant domain'))
            err(libxl('libxl_domain', 1133, 'domain_destroy_callback', domid, 'Unable to destroy guest'))
            err(libxl('libxl_domain', 1060, 'domain_destroy_cb', domid, 'Destruction of domain failed'))
            err('destroy failed (rc=-21)\n')
            raise Exit(1)
        remove_domain(st, d)
        st.save()
    return 0


def on_action(d, key, default):
    v = (d.get('cfg') or {}).get(key, default)
    return v


def cmd_shutdown_reboot(args, reboot):
    name = 'reboot' if reboot else 'shutdown'
    opts, pos = getopt(name, args, 'awF', [('all', 0, 'a'), ('wait', 0, 'w')], 0)
    all_ = any(k == 'a' for k, _ in opts)
    wait = sum(1 for k, _ in opts if k == 'w')
    fallback = any(k == 'F' for k, _ in opts)
    if not all_ and not pos:
        err('You must specify -a or a domain id.\n\n')
        raise Exit(1)
    verb = 'Rebooting' if reboot else 'Shutting down'
    with State(write=True) as st:
        if all_:
            targets = [d for d in st.doms() if d['domid'] != 0]
        else:
            domid, d = find_domain(st, pos[0])
            if d is None:
                err('%s domain %d\n' % (verb, domid))
                err(no_such(domid))
                err('%s failed (rc=-21)\n' % name)
                raise Exit(1)
            targets = [d]
        done = []
        try:
            for d in targets:
                err('%s domain %d\n' % (verb, d['domid']))
                if d['domid'] == 0:
                    err('%s failed (rc=-3)\n' % name)
                    raise Exit(1)
                if not d['pv_drivers']:
                    if fallback:
                        err('PV control interface not available: sending ACPI %s event.\n'
                            % ('reset' if reboot else 'power button'))
                        done.append(d)
                        continue
                    if reboot:
                        err('PV control interface not available: external graceful reboot not possible.\n'
                            'Use "-F" to fallback to ACPI reset event.\n')
                    else:
                        err('PV control interface not available: external graceful shutdown not possible.\n'
                            'Use "-F" to fallback to ACPI power event.\n')
                    err('%s failed (rc=-10)\n' % name)
                    raise Exit(1)
                if d['pause'] > 0 or d['shutdown'] is not None:
                    base = '/local/domain/%d' % d['domid']
                    st.emit(base + '/control/shutdown')
                    st.save()
                    st.close()
                    time.sleep(ack_timeout())
                    err(libxl('libxl_domain', 850, 'pvcontrol_cb', 0,
                              "guest didn't acknowledge control request: -9"))
                    err('%s failed (rc=-9)\n' % name)
                    raise Exit(1)
                done.append(d)
        finally:
            if done:
                apply_shutdowns(st, done, reboot, wait)
    return 0


def apply_shutdowns(st, done, reboot, wait):
    """the guests acknowledged: carry out the shutdown/reboot and the on_* actions"""
    new_ids = []
    for d in done:
        act = on_action(d, 'on_reboot' if reboot else 'on_poweroff', 'restart' if reboot else 'destroy')
        old = d['domid']
        if act == 'preserve':
            settle(d, st.now())
            d['shutdown'] = 1 if reboot else 0
            base = '/local/domain/%d' % old
            st.emit(base + '/control/shutdown', base + '/control/shutdown', *device_state_paths(d))
            st.emit('@releaseDomain')
            new_ids.append((old, None))
        elif act in ('restart', 'rename-restart', 'coredump-restart'):
            nd = reboot_domain(st, d, control=True)
            new_ids.append((old, nd['domid']))
        else:
            remove_domain(st, d, control=True)
            new_ids.append((old, None))
    st.save()
    if wait:
        err('Waiting for %d domains\n' % len(done))
        for old, _ in new_ids:
            err('Domain %d has been shut down, reason code %d\n' % (old, 1 if reboot else 0))
            if wait > 1:
                err('Domain %d continue waiting for death\n' % old)
                err('Domain %d has been destroyed\n' % old)


def reboot_domain(st, d, control=False):
    old = d['domid']
    emit_release(st, d, control)
    del st.data['domains'][str(old)]
    cfg = d['cfg']
    nd = create_from_cfg(st, cfg, d['cfg_text'], d['cfg_path'], uuid=d['uuid'])
    nd['pv_drivers'] = d['pv_drivers']
    nd['name'] = d['name']
    con.notify_reboot(st.dir, d['uuid'], d['name'])
    return nd


def parse_mem_kb(s):
    m = re.fullmatch(r'\s*([+-]?[0-9]+)([bBkKmMgGtT]?)', s)
    if not m:
        return -1
    n = int(m.group(1))
    suf = m.group(2).lower()
    mult = {'': 1024, 'b': 1.0 / 1024, 'k': 1, 'm': 1024, 'g': 1024 ** 2, 't': 1024 ** 3}[suf]
    return int(n * mult)


def cmd_mem_set(args, maxmode=False):
    name = 'mem-max' if maxmode else 'mem-set'
    _, pos = getopt(name, args, '', [], 2)
    with State(write=True) as st:
        domid, d = find_domain(st, pos[0])
        kb = parse_mem_kb(pos[1])
        if kb < 0:
            err('invalid memory size: %s\n' % pos[1])
            raise Exit(1)
        if d is None:
            err(no_such(domid))
            raise Exit(1)
        if maxmode:
            d['static_max_kb'] = kb
            st.save()
            return 0
        if kb > d['static_max_kb']:
            err(libxl('libxl_mem', 278, 'libxl_set_memory_target', domid,
                      'memory_dynamic_max must be less than or equal to memory_static_max\n'))
            err('cannot set domid %d dynamic max memory to : %s\n' % (domid, pos[1]))
            raise Exit(1)
        d['target_kb'] = kb
        d['mem_kb'] = kb - (2048 if d['type'] == 'hvm' else 0)
        st.emit('/local/domain/%d/memory/target' % domid)
        st.save()
    return 0


def cmd_vcpu_set(args):
    opts, pos = getopt('vcpu-set', args, 'i', [('ignore-host', 0, 'i')], 2)
    ignore = any(k == 'i' for k, _ in opts)
    with State(write=True) as st:
        domid, d = find_domain(st, pos[0])
        m = re.match(r'^\s*[0-9]+', pos[1])
        if not m:
            err('Error: Invalid argument.\n')
            raise Exit(1)
        n = int(m.group(0))
        if d is None:
            err(no_such(domid))
            raise Exit(1)
        online = sum(1 for o in d['online'] if o)
        if not ignore and n > online and n > NR_CPUS:
            err('You are overcommmitting! You have %d physical CPUs and want %d vCPUs! Aborting, use '
                '--ignore-host to continue\n' % (NR_CPUS, n))
            raise Exit(1)
        if n > d['max_vcpus']:
            err(libxl('libxl_domain', 1871, 'libxl_set_vcpuonline', domid,
                      'Requested %d VCPUs, however maxcpus is %d!: Success' % (n, d['max_vcpus'])))
            err('libxl_set_vcpuonline failed domid=%d max_vcpus=%d, rc: -3\n' % (domid, n))
            raise Exit(1)
        settle(d, st.now())
        for i in range(d['max_vcpus']):
            want = i < n
            if d['online'][i] != want:
                d['online'][i] = want
                st.emit('/local/domain/%d/cpu/%d/availability' % (domid, i))
        st.save()
    return 0


def cmd_rename(args):
    _, pos = getopt('rename', args, '', [], 2)
    with State(write=True) as st:
        domid, d = find_domain(st, pos[0])
        if d is None:
            err(no_such(domid))
            err("Can't rename domain '%s'.\n" % pos[0])
            raise Exit(1)
        other = st.by_name(pos[1])
        if other is not None and other['domid'] != domid:
            err(libxl('libxl_domain', 81, 'libxl__domain_rename', domid,
                      'Domain with name "%s" already exists.' % pos[1]))
            err("Can't rename domain '%s'.\n" % pos[0])
            raise Exit(1)
        d['name'] = pos[1]
        st.emit('/local/domain/%d/name' % domid, '/vm/%s/name' % d['uuid'])
        st.save()
    return 0


def cmd_trigger(args):
    _, pos = getopt('trigger', args, '', [], 2)
    with State(write=True) as st:
        domid, d = find_domain(st, pos[0])
        if d is None:
            err(no_such(domid))
            raise Exit(1)
        t = pos[1]
        if t not in ('nmi', 'reset', 'init', 'power', 'sleep', 's3resume'):
            err('Invalid trigger "%s"\n' % t)
            raise Exit(1)
        if t == 'power':
            apply_shutdowns(st, [d], False, 0)
        elif t == 'reset':
            reboot_domain(st, d)
            st.save()
    return 0


# ----------------------------------------------------------------------------- create / save / restore

def read_cfg_file(path):
    try:
        with open(path, encoding='utf-8', errors='surrogateescape', newline='') as f:
            return f.read()
    except OSError as e:
        err('Failed to read config file: %s: %s\n' % (path, os.strerror(e.errno)))
        raise Exit(3)


def cmd_create(args, dryrun_global=False):
    opts, pos = getopt('create', args, 'Fnqf:pcdeVA', [('dryrun', 0, 'n'), ('quiet', 0, 'q'),
                                                        ('defconfig', 1, 'f'), ('vncviewer', 0, 'V'),
                                                        ('vncviewer-autopass', 0, 'A')], 0)
    o = dict()
    for k, v in opts:
        o[k] = v if v is not None else True
    filename = o.get('f')
    extra = []
    for p in pos:
        if filename is None and '=' not in p:
            filename = p
        else:
            extra.append(p)
    if filename is None:
        err('Failed to read config file: (null): Bad address\n')
        raise Exit(3)
    text = read_cfg_file(filename)
    if extra:
        text = text + ('\n' if not text.endswith('\n') else '') + '\n'.join(extra) + '\n'
    if 'q' not in o:
        err('Parsing config from %s\n' % filename)
    try:
        raw = parse_cfg_raw(text, filename)
        cfg = cfg_from_raw(raw, filename)
    except CfgError as e:
        err(''.join(line + '\n' for line in e.lines))
        raise Exit(e.code)
    for w in cfg.pop('warnings', []):
        err(w + '\n')
    dry = dryrun_global or 'n' in o
    if dry:
        fake = {'cfg': cfg, 'uuid': cfg.get('uuid') or str(__import__('uuid').uuid4()), 'name': cfg['name'],
                'type': cfg['type']}
        doc = dump_json_doc(domain_config_json(fake, live=False))
        (err if 'd' in o and not dryrun_global else out)(doc)
        return 0
    if 'd' in o:
        err(dump_json_doc(domain_config_json({'cfg': cfg, 'uuid': str(__import__('uuid').uuid4()),
                                              'name': cfg['name'], 'type': cfg['type']}, live=False)))
    with State(write=True) as st:
        if st.by_name(cfg['name']) is not None:
            domid = st.alloc_domid()
            st.save()
            err(libxl('libxl_domain', 81, 'libxl__domain_rename', domid,
                      'Domain with name "%s" already exists.' % cfg['name']))
            err(libxl('libxl_create', 1349, 'initiate_domain_create', domid, 'cannot make domain: -6'))
            raise Exit(3)
        if cfg['memory'] > st.free_mb():
            domid = st.alloc_domid()
            st.save()
            err(libxl('libxl_create', 1568, 'domcreate_rebuild_done', domid,
                      'cannot (re-)build domain: -3'))
            raise Exit(3)
        d = create_from_cfg(st, cfg, text, os.path.abspath(filename), paused='p' in o)
        st.save()
        domid = d['domid']
        uuid = d['uuid']
    if 'c' in o:
        return con.attach(domid, None, 0, None, wait_for_domain=True)
    if 'F' in o:
        wait_for_death(uuid)
    return 0


def wait_for_death(uuid):
    while True:
        with State() as st:
            if not any(d['uuid'] == uuid for d in st.doms()):
                return
        time.sleep(0.5)


SAVE_MAGIC = 'Xen saved domain, xl format\n \0 \r'


def cmd_save(args):
    opts, pos = getopt('save', args, 'cpD', [], 2)
    o = set(k for k, _ in opts)
    with State(write=True) as st:
        domid, d = find_domain(st, pos[0])
        if d is None:
            err(no_such(domid))
            raise Exit(1)
        if domid == 0:
            err('Cannot save domain 0\n')
            raise Exit(1)
        now = st.now()
        settle(d, now)
        conf = dump_json_doc(domain_config_json(d))
        info_len = d.get('save_info_len') or (len(conf) + 1)
        try:
            with open(pos[1], 'w', encoding='utf-8', errors='surrogateescape', newline='') as f:
                f.write(SAVE_MAGIC + '\n')
                json.dump({'info_len': info_len, 'domain': d}, f)
        except OSError:
            err('Failed to open temp file %s for writing\n' % pos[1])
            raise Exit(1)
        err('Saving to %s new xl format (info 0x3/0x0/%d)\n' % (pos[1], info_len))
        err('xc: info: Saving domain %d, type x86 %s\n' % (domid, 'PV' if d['type'] == 'pv' else 'HVM'))
        if 'c' in o:
            pass
        elif 'p' in o:
            d['pause'] += 1
        else:
            remove_domain(st, d, control=True)
        st.save()
    return 0


def cmd_restore(args):
    opts, pos = getopt('restore', args, 'FhpedVA', [('vncviewer', 0, 'V'), ('vncviewer-autopass', 0, 'A')], 1)
    o = set(k for k, _ in opts)
    path = pos[-1]
    try:
        with open(path, encoding='utf-8', errors='surrogateescape', newline='') as f:
            head = f.readline() + f.read(len(SAVE_MAGIC) - 1)
            if not (head + '\n').startswith(SAVE_MAGIC):
                pass
            f.seek(0)
            blob = f.read()
    except OSError as e:
        err("Can't open restore file: %s\n" % os.strerror(e.errno))
        raise Exit(1)
    if not blob.startswith(SAVE_MAGIC):
        err('File has wrong magic number - corrupt or for a different tool?\n')
        raise Exit(1)
    saved = json.loads(blob[len(SAVE_MAGIC) + 1:])
    sd = saved['domain']
    info_len = saved['info_len']
    err('Loading new save file %s (new xl fmt info 0x3/0x0/%d)\n' % (path, info_len))
    err(' Savefile contains xl domain config in JSON format\n')
    err('Parsing config from <saved>\n')
    with State(write=True) as st:
        if st.by_name(sd['name']) is not None:
            domid = st.alloc_domid()
            st.save()
            err(libxl('libxl_domain', 81, 'libxl__domain_rename', domid,
                      'Domain with name "%s" already exists.' % sd['name']))
            err(libxl('libxl_create', 1349, 'initiate_domain_create', domid, 'cannot make domain: -6'))
            raise Exit(3)
        err('xc: info: Found x86 %s domain from Xen 4.20\n' % ('PV' if sd['type'] == 'pv' else 'HVM'))
        err('xc: info: Restoring domain\n')
        err('xc: info: Restore successful\n')
        err('xc: info: XenStore: mfn 0xfeffc, dom 0, evt 1\n')
        err('xc: info: Console: mfn 0xfefff, dom 0, evt 2\n')
        d = create_from_cfg(st, sd['cfg'], sd['cfg_text'], sd['cfg_path'], paused='p' in o, uuid=sd['uuid'])
        for k in ('name', 'target_kb', 'static_max_kb', 'mem_kb', 'online', 'pv_drivers', 'net', 'vbd',
                  'nic_rt', 'disk_rt', 'save_info_len', 'rate', 'activity', 'vcpu_state', 'vcpu_cpu'):
            if k in sd:
                d[k] = sd[k]
        d['pause'] = 1 if 'p' in o else 0
        st.save()
    return 0


def cmd_migrate(args):
    opts, pos = getopt('migrate', args, 'FC:s:epD', [('debug', 0, 'x')], 2)
    err('xl migrate is not simulated (no second host).\n')
    raise Exit(1)


def cmd_console(args):
    opts, pos = getopt('console', args, 'n:t:e:', [('num', 1, 'n'), ('type', 1, 't'), ('escape', 1, 'e')], 1)
    ctype = None
    num = 0
    esc = None
    for k, v in opts:
        if k == 't':
            if v in ('pv', 'serial', 'vuart'):
                ctype = v
            else:
                err('console type supported are: pv, serial, vuart\n')
                raise Exit(1)
        elif k == 'n':
            try:
                num = int(v)
            except ValueError:
                num = 0
        elif k == 'e':
            esc = v
    with State() as st:
        domid, d = find_domain(st, pos[0])
    return con.attach(domid, ctype, num, esc)


def cmd_top(args):
    import xlsim_tools
    return xlsim_tools.xentop_main(['xentop'] + args)


def cmd_sim(args):
    """simulator-only knobs: xl __sim <Domain> key=value ..."""
    if not args:
        err('usage: xl __sim <Domain> pv_drivers=0|1 max_vcpus=N rate=<cpu fraction> activity=r|b crash\n')
        raise Exit(2)
    with State(write=True) as st:
        domid, d = find_domain(st, args[0])
        if d is None:
            err(no_such(domid))
            raise Exit(1)
        settle(d, st.now())
        for kv in args[1:]:
            k, _, v = kv.partition('=')
            if k == 'pv_drivers':
                d['pv_drivers'] = v not in ('0', 'false', 'no')
                d['nic_rt'] = [[4 if d['pv_drivers'] else 1] + r[1:] for r in d.get('nic_rt', [])]
                d['disk_rt'] = [[4 if d['pv_drivers'] else 1] + r[1:] for r in d.get('disk_rt', [])]
            elif k == 'max_vcpus':
                n = int(v)
                while d['max_vcpus'] < n:
                    d['max_vcpus'] += 1
                    d['online'].append(False)
                    d['vcpu_ns'].append(0)
                    d['vcpu_cpu'].append((d['vcpu_cpu'][-1] + 3) % NR_CPUS if d['vcpu_cpu'] else 0)
                    d['vcpu_state'].append('b')
                if d.get('cfg'):
                    d['cfg']['maxvcpus'] = d['max_vcpus']
            elif k == 'rate':
                d['rate'] = float(v)
            elif k == 'activity':
                d['activity'] = v
            elif k == 'crash':
                act = on_action(d, 'on_crash', 'destroy')
                if act == 'preserve':
                    d['shutdown'] = 3
                    st.emit('@releaseDomain')
                elif act in ('restart', 'rename-restart', 'coredump-restart'):
                    reboot_domain(st, d)
                else:
                    remove_domain(st, d)
            else:
                err('unknown simulator key %s\n' % k)
                raise Exit(2)
        st.save()
    return 0


HANDLERS = {
    'list': cmd_list, 'info': cmd_info, 'uptime': cmd_uptime, 'vcpu-list': cmd_vcpu_list, 'vm-list': cmd_vm_list,
    'domid': cmd_domid, 'domname': cmd_domname, 'dmesg': cmd_dmesg, 'network-list': cmd_network_list,
    'block-list': cmd_block_list, 'pause': cmd_pause, 'unpause': cmd_unpause, 'destroy': cmd_destroy,
    'shutdown': lambda a: cmd_shutdown_reboot(a, False), 'reboot': lambda a: cmd_shutdown_reboot(a, True),
    'mem-set': cmd_mem_set, 'mem-max': lambda a: cmd_mem_set(a, True), 'vcpu-set': cmd_vcpu_set,
    'rename': cmd_rename, 'create': cmd_create, 'save': cmd_save, 'restore': cmd_restore,
    'console': cmd_console, 'top': cmd_top, 'trigger': cmd_trigger, 'migrate': cmd_migrate,
}

NOT_ROOT = ('xencall: error: Could not obtain handle on privileged command interface: Permission denied\n'
            'libxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle: Permission denied\n'
            'cannot init xl context\n')


def main(argv):
    try:
        return _main(argv)
    except Exit as e:
        return e.code
    except BrokenPipeError:
        return 1
    finally:
        try:
            sys.stdout.flush()
        except Exception:
            pass


def _main(argv):
    args = argv[1:]
    dry = False
    i = 0
    while i < len(args) and args[i].startswith('-') and args[i] != '-':
        for ch in args[i][1:]:
            if ch in 'vftT':
                pass
            elif ch == 'N':
                dry = True
            else:
                err('unknown global option\n')
                return 1
        i += 1
    args = args[i:]
    if not args:
        out(full_help())
        return 1
    cmd = args[0]
    if cmd == '__consoled':
        return con.daemon_main(args[1:])
    if cmd == '__sim':
        return cmd_sim(args[1:])
    if cmd == 'help':
        if len(args) > 1:
            c = lookup(args[1])
            if c:
                out(help_text(c))
            else:
                out('command "%s" not implemented\n' % args[1])
        else:
            out(full_help())
        return 0
    c = lookup(cmd)
    if c is None:
        err('command not implemented\n')
        return 1
    if os.environ.get('XLSIM_NONROOT', '') not in ('', '0'):
        err(NOT_ROOT)
        return 1
    if dry and not CMD[c][1]:
        err('command does not implement -N (dryrun) option\n')
        return 1
    if c not in HANDLERS:
        # real sub-command that the simulator does not model
        if '-h' in args[1:] or '--help' in args[1:]:
            out(help_text(c))
            return 0
        err('xl %s: not supported by the vmdeck xl simulator\n' % c)
        return 1
    if c == 'create':
        return cmd_create(args[1:], dryrun_global=dry) or 0
    if dry:
        return 0
    return HANDLERS[c](args[1:]) or 0
