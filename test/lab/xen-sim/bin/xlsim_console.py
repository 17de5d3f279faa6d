# Guest consoles: a per-domain daemon owning a busybox shell in a pty, and the xenconsole-like client.
import errno
import fcntl
import hashlib
import json
import os
import pty
import select
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
import tty

from xlsim_core import State, err, state_dir, BIN_DIR

NO_TTY = 'xenconsole: Could not read tty from store: Success\n'


def key_of(uuid):
    return uuid.replace('-', '')[:16]


def sock_path(sd, uuid):
    p = os.path.join(sd, 'con', key_of(uuid) + '.sock')
    if len(p) > 100:
        h = hashlib.sha1(sd.encode()).hexdigest()[:10]
        p = os.path.join('/tmp', 'xlsim-%s-%s.sock' % (h, key_of(uuid)))
    return p


def pid_path(sd, uuid):
    return os.path.join(sd, 'con', key_of(uuid) + '.pid')


def _send(sd, uuid, msg, timeout=2.0):
    p = sock_path(sd, uuid)
    if not os.path.exists(p):
        return False
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(p)
        s.sendall(msg.encode() + b'\n')
        try:
            s.recv(16)   # wait for the daemon to act (it closes the connection)
        except OSError:
            pass
        s.close()
        return True
    except OSError:
        return False


def notify_reboot(sd, uuid, name):
    _send(sd, uuid, 'REBOOT ' + name)


def stop_daemon(sd, uuid):
    if not _send(sd, uuid, 'STOP'):
        try:
            with open(pid_path(sd, uuid)) as f:
                pid = int(f.read().strip())
            os.kill(pid, signal.SIGTERM)
        except (OSError, ValueError):
            pass


def ensure_daemon(sd, d):
    os.makedirs(os.path.join(sd, 'con'), exist_ok=True)
    os.makedirs(os.path.join(sd, 'locks'), exist_ok=True)
    p = sock_path(sd, d['uuid'])
    with open(os.path.join(sd, 'locks', 'consoled.' + key_of(d['uuid'])), 'a') as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        if _connectable(p):
            return
        env = dict(os.environ)
        env['XLSIM_STATE'] = sd
        logf = open(os.path.join(sd, 'con', key_of(d['uuid']) + '.log'), 'ab')
        subprocess.Popen([sys.executable, os.path.join(BIN_DIR, 'xl'), '__consoled', d['uuid'], d['name']],
                         stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, start_new_session=True,
                         close_fds=True, env=env, cwd='/')
        logf.close()
        deadline = time.time() + 5
        while time.time() < deadline:
            if _connectable(p):
                return
            time.sleep(0.05)


def _connectable(p):
    if not os.path.exists(p):
        return False
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(1)
        s.connect(p)
        s.sendall(b'PING\n')
        s.close()
        return True
    except OSError:
        return False


def parse_escape(e):
    if e is None:
        return b'\x1d'
    if len(e) == 2 and e[0] == '^':
        return bytes([ord(e[1].upper()) & 0x1f])
    return e[:1].encode()


def attach(domid, ctype, num, esc, wait_for_domain=False):
    if domid == 0:
        err("Can't specify Domain-0\n")
        return 22
    sd = state_dir()
    with State() as st:
        d = st.by_id(domid)
        if d is None:
            err('libxl: error: libxl_domain.c:354:libxl_domain_info: Domain %d:Getting domain info: '
                'No such process\n' % domid)
            err('Unable to attach console\n')
            return 1
        d = dict(d)
    is_hvm = d['type'] == 'hvm'
    typ = ctype or ('serial' if is_hvm else 'pv')
    if typ == 'serial' and (not is_hvm or (d['cfg'] or {}).get('serial') != 'pty'):
        typ = 'pv'   # libxl falls back to the PV console
    available = num == 0 and (typ == 'serial' or (typ == 'pv' and (not is_hvm or d['pv_drivers'])))
    if not available:
        try:
            time.sleep(float(os.environ.get('XLSIM_CONSOLE_WAIT', '5')))
        except ValueError:
            time.sleep(5)
        err(NO_TTY)
        return 1
    if not os.isatty(0):
        err(NO_TTY)
        return 1
    os.makedirs(os.path.join(sd, 'locks'), exist_ok=True)
    lk = open(os.path.join(sd, 'locks', 'xenconsole.%d' % domid), 'a')
    try:
        fcntl.flock(lk, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        err('xenconsole: Could not lock /var/lock/xenconsole.%d: Resource temporarily unavailable\n' % domid)
        return 11
    ensure_daemon(sd, d)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sock_path(sd, d['uuid']))
        s.sendall(b'ATTACH\n')
    except OSError:
        err('Unable to attach console\n')
        return 1
    escb = parse_escape(esc)
    old = None
    try:
        old = termios.tcgetattr(0)
        tty.setraw(0, termios.TCSANOW)
    except termios.error:
        old = None
    try:
        while True:
            r, _, _ = select.select([0, s], [], [])
            if 0 in r:
                data = os.read(0, 4096)
                if not data:
                    break
                if data == escb:
                    break
                s.sendall(data)
            if s in r:
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b''
                if not data:
                    break
                view = memoryview(data)
                while view:
                    n = os.write(1, view)
                    view = view[n:]
    finally:
        if old is not None:
            termios.tcsetattr(0, termios.TCSAFLUSH, old)
        s.close()
        lk.close()
    return 0


# ----------------------------------------------------------------------------- daemon

def banner(name, typ='pv'):
    lines = [
        '',
        '[    0.000000] Linux version 6.1.0-xen (vmdeck lab guest kernel) #1 SMP',
        '[    0.000000] Hypervisor detected: Xen %s' % ('PV' if typ == 'pv' else 'HVM'),
        '[    0.104512] xen:events: Using FIFO-based ABI',
        '[    0.733201] hvc0: console [hvc0] enabled',
        '[    1.208830] Run /init as init process',
        'vmdeck-xen-guest %s booted' % name,
        '',
    ]
    return '\r\n'.join(lines).encode()


def find_shell():
    for p in ('/usr/bin/busybox', '/bin/busybox', '/usr/local/bin/busybox'):
        if os.access(p, os.X_OK):
            return [p, 'sh']
    return ['/bin/sh', '-i']


def daemon_main(args):
    uuid, name = args[0], args[1]
    sd = state_dir()
    path = sock_path(sd, uuid)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        os.unlink(path)
    except OSError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    with open(pid_path(sd, uuid), 'w') as f:
        f.write('%d\n' % os.getpid())
    home = os.path.join(sd, 'guests', uuid)
    os.makedirs(home, exist_ok=True)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    st = {'pid': None, 'fd': None, 'client': None, 'backlog': bytearray(), 'name': name, 'type': 'pv'}
    try:
        with open(os.path.join(sd, 'state.json')) as f:
            for x in json.load(f)['domains'].values():
                if x.get('uuid') == uuid:
                    st['type'] = x.get('type', 'pv')
    except (OSError, ValueError, KeyError):
        pass

    def emit(data):
        c = st['client']
        if c is not None:
            try:
                c.sendall(data)
                return
            except OSError:
                drop_client()
        st['backlog'] += data
        if len(st['backlog']) > 65536:
            del st['backlog'][:len(st['backlog']) - 65536]

    def drop_client():
        if st['client'] is not None:
            try:
                st['client'].close()
            except OSError:
                pass
        st['client'] = None

    def spawn():
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.chdir(home)
            except OSError:
                pass
            env = {'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
                   'HOME': home, 'TERM': os.environ.get('TERM', 'vt100') or 'vt100',
                   'PS1': '%s:~# ' % st['name'], 'HOSTNAME': st['name'], 'USER': 'root', 'LOGNAME': 'root'}
            cmd = find_shell()
            try:
                os.execve(cmd[0], cmd, env)
            finally:
                os._exit(127)
        try:
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
        except OSError:
            pass
        st['pid'], st['fd'] = pid, fd

    def kill_shell():
        if st['fd'] is not None:
            try:
                os.close(st['fd'])
            except OSError:
                pass
            st['fd'] = None
        if st['pid']:
            for sig in (signal.SIGHUP, signal.SIGKILL):
                try:
                    os.kill(st['pid'], sig)
                except OSError:
                    pass
            try:
                os.waitpid(st['pid'], 0)
            except OSError:
                pass
            st['pid'] = None

    def domain_alive():
        try:
            with open(os.path.join(sd, 'state.json')) as f:
                data = json.load(f)
        except FileNotFoundError:
            return False
        except (OSError, ValueError):
            return True
        return any(x.get('uuid') == uuid for x in data['domains'].values())

    def shutdown(code=0):
        drop_client()
        kill_shell()
        try:
            srv.close()
            os.unlink(path)
        except OSError:
            pass
        try:
            os.unlink(pid_path(sd, uuid))
        except OSError:
            pass
        sys.exit(code)

    signal.signal(signal.SIGTERM, lambda *a: shutdown(0))
    emit(banner(name, st['type']))
    spawn()
    last_check = time.time()
    while True:
        rl = [srv]
        if st['fd'] is not None:
            rl.append(st['fd'])
        if st['client'] is not None:
            rl.append(st['client'])
        try:
            r, _, _ = select.select(rl, [], [], 0.5)
        except InterruptedError:
            continue
        if srv in r:
            try:
                conn, _ = srv.accept()
                conn.settimeout(2)
                line = b''
                while not line.endswith(b'\n') and len(line) < 512:
                    ch = conn.recv(1)
                    if not ch:
                        break
                    line += ch
                cmd = line.decode(errors='replace').strip()
            except OSError:
                cmd = ''
                conn = None
            if cmd == 'ATTACH':
                drop_client()
                conn.settimeout(None)
                st['client'] = conn
                if st['backlog']:
                    data = bytes(st['backlog'])
                    st['backlog'] = bytearray()
                    emit(data)
            elif cmd.startswith('REBOOT'):
                parts = cmd.split(' ', 1)
                if len(parts) > 1:
                    st['name'] = parts[1]
                drop_client()
                kill_shell()
                emit(banner(st['name'], st['type']))
                spawn()
                conn.close()
            elif cmd == 'STOP':
                conn.close()
                shutdown(0)
            elif conn is not None:
                conn.close()
        if st['fd'] is not None and st['fd'] in r:
            try:
                data = os.read(st['fd'], 4096)
            except OSError:
                data = b''
            if data:
                emit(data)
            else:
                # the shell exited (e.g. `exit`): like a getty, start a new one
                kill_shell()
                emit(b'\r\n')
                spawn()
        c = st['client']
        if c is not None and c in r:
            try:
                data = c.recv(4096)
            except OSError:
                data = b''
            if not data:
                drop_client()
            elif st['fd'] is not None:
                try:
                    os.write(st['fd'], data)
                except OSError:
                    pass
        if time.time() - last_check > 1.0:
            last_check = time.time()
            if not domain_alive():
                shutdown(0)
