# A guest screen for the simulator: a small RFB 3.8 server per running domain whose config has vnc=1 (lab
# profile only). It draws a text screen (boot lines and a prompt, in a blocky built-in glyph set) and
# echoes what is typed on it; Enter "runs" the line (echo with $((a*b)) arithmetic is evaluated), so a
# viewer can type `echo $((6*7))` and see the screen change. Security type None, Raw encoding, any
# 8/16/32-bit true-colour pixel format the client asks for, shared sessions (several viewers at once).
# The daemon listens on 127.0.0.1, on the first free port from 5950, writes it to
# $XLSIM_STATE/vnc/<key>.port, and exits when its domain is gone or has a new domid (reboot): the next
# xenstore read starts a new one, as a new QEMU would be.
import fcntl
import json
import os
import re
import select
import socket
import struct
import subprocess
import sys
import time

W, H = 640, 400
CW, CH = 8, 16          # character cell
COLS, ROWS = W // CW, H // CH
BG = (16, 24, 40)
FG = (220, 220, 210)
BAR = (40, 110, 180)


def key_of(uuid):
    return uuid.replace('-', '')[:16]


def vnc_dir(sd):
    return os.path.join(sd, 'vnc')


def port_file(sd, uuid):
    return os.path.join(vnc_dir(sd), key_of(uuid) + '.port')


def _listening(port):
    try:
        s = socket.create_connection(('127.0.0.1', port), timeout=1)
        s.close()
        return True
    except OSError:
        return False


def current_port(sd, d):
    """The display's port if its daemon serves this domid now, else None."""
    try:
        with open(port_file(sd, d['uuid'])) as f:
            port, domid = (int(x) for x in f.read().split())
    except (OSError, ValueError):
        return None
    return port if domid == d['domid'] and _listening(port) else None


def ensure_vnc(sd, d):
    """Starts the domain's display daemon if needed; returns its TCP port (or None)."""
    if not d['cfg'].get('vnc') or d.get('dom0'):
        return None
    os.makedirs(vnc_dir(sd), exist_ok=True)
    with open(os.path.join(vnc_dir(sd), key_of(d['uuid']) + '.lock'), 'a') as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        port = current_port(sd, d)
        if port:
            return port
        logf = open(os.path.join(vnc_dir(sd), key_of(d['uuid']) + '.log'), 'ab')
        subprocess.Popen([sys.executable, os.path.abspath(__file__), sd, d['uuid'], str(d['domid']), d['name']],
                         stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, start_new_session=True,
                         close_fds=True, cwd='/')
        logf.close()
        deadline = time.time() + 5
        while time.time() < deadline:
            port = current_port(sd, d)
            if port:
                return port
            time.sleep(0.05)
    return None


# ---------------------------------------------------------------------------------------------- drawing

def glyph(ch):
    """A 6x10 blocky pattern per character (stable, distinct per code point); space is empty."""
    if ch == ' ':
        return 0
    h = (ord(ch) * 2654435761) & 0xffffffffffffffff
    h ^= h >> 13
    h = (h * 0x9E3779B97F4A7C15) & 0xffffffffffffffff
    return h | 1


class Screen:
    def __init__(self, name):
        self.name = name
        self.lines = ['Xen simulator virtual display', '',
                      'vmdeck-xen-guest %s booted (screen)' % name, '']
        self.input = ''
        self.fb = bytearray(W * H * 3)
        self.dirty = True
        self.version = 0
        self.redraw()

    def prompt(self):
        return '%s:~# ' % self.name

    def key(self, keysym):
        if keysym in (0xff0d, 0xff8d):
            line = self.input
            self.lines.append(self.prompt() + line)
            out = run_line(line)
            if out is not None:
                self.lines.append(out)
            self.input = ''
        elif keysym == 0xff08:
            self.input = self.input[:-1]
        elif 0x20 <= keysym <= 0x7e:
            self.input += chr(keysym)
        else:
            return
        self.lines = self.lines[-(ROWS - 2):]
        self.redraw()

    def redraw(self):
        fb = self.fb
        r, g, b = BG
        fb[:] = bytes((r, g, b)) * (W * H)
        for y in range(CH):
            for x in range(W):
                o = (y * W + x) * 3
                fb[o:o + 3] = bytes(BAR)
        self.text(0, ' %s - vmdeck xl simulator' % self.name)
        rows = self.lines + [self.prompt() + self.input + '_']
        for i, line in enumerate(rows[-(ROWS - 1):]):
            self.text(i + 1, line)
        self.version += 1

    def text(self, row, s):
        fb = self.fb
        fg = bytes(FG)
        for col, ch in enumerate(s[:COLS]):
            bits = glyph(ch)
            if not bits:
                continue
            x0, y0 = col * CW + 1, row * CH + 3
            for gy in range(10):
                for gx in range(6):
                    if bits >> (gy * 6 + gx) & 1:
                        o = ((y0 + gy) * W + x0 + gx) * 3
                        fb[o:o + 3] = fg


def run_line(line):
    m = re.match(r'^\s*echo\s+(.*)$', line)
    if not m:
        return None if not line.strip() else 'sh: %s: not found' % line.split()[0]

    def arith(mm):
        expr = mm.group(1)
        if not re.match(r'^[0-9+\-*/ ()]+$', expr):
            return mm.group(0)
        try:
            return str(int(eval(expr, {'__builtins__': {}}, {})))  # digits and operators only
        except Exception:
            return mm.group(0)
    return re.sub(r'\$\(\((.*?)\)\)', arith, m.group(1))


# ------------------------------------------------------------------------------------------- RFB server

class Client:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b''
        self.stage = 'version'
        self.fmt = (32, 24, False, True, 255, 255, 255, 16, 8, 0)
        self.pending = None   # (incremental, x, y, w, h)
        self.seen = -1
        sock.sendall(b'RFB 003.008\n')

    def pixel(self, r, g, b):
        bpp, depth, big, tc, rm, gm, bm, rs, gs, bs = self.fmt
        v = ((r * rm // 255) << rs) | ((g * gm // 255) << gs) | ((b * bm // 255) << bs)
        n = bpp // 8
        return v.to_bytes(n, 'big' if big else 'little')

    def frame(self, screen, x, y, w, h):
        cache = {}
        fb = screen.fb
        rows = []
        for yy in range(y, y + h):
            o = (yy * W + x) * 3
            row = bytearray()
            for xx in range(w):
                k = bytes(fb[o:o + 3])
                p = cache.get(k)
                if p is None:
                    p = cache[k] = self.pixel(*k)
                row += p
                o += 3
            rows.append(bytes(row))
        head = struct.pack('>BxH', 0, 1) + struct.pack('>HHHHi', x, y, w, h, 0)
        self.sock.sendall(head + b''.join(rows))
        self.seen = screen.version

    def feed(self, data, screen, name):
        self.buf += data
        while True:
            if self.stage == 'version':
                if len(self.buf) < 12:
                    return
                self.buf = self.buf[12:]
                self.sock.sendall(b'\x01\x01')          # one security type: None
                self.stage = 'security'
            elif self.stage == 'security':
                if len(self.buf) < 1:
                    return
                self.buf = self.buf[1:]
                self.sock.sendall(struct.pack('>I', 0))
                self.stage = 'init'
            elif self.stage == 'init':
                if len(self.buf) < 1:
                    return
                self.buf = self.buf[1:]            # shared flag: every client is shared
                nm = name.encode()
                pf = struct.pack('>BBBBHHHBBBxxx', 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
                self.sock.sendall(struct.pack('>HH', W, H) + pf + struct.pack('>I', len(nm)) + nm)
                self.stage = 'normal'
            else:
                if not self.buf:
                    return
                t = self.buf[0]
                need = {0: 20, 3: 10, 4: 8, 5: 6}.get(t)
                if t == 2:
                    if len(self.buf) < 4:
                        return
                    need = 4 + 4 * struct.unpack('>H', self.buf[2:4])[0]
                elif t == 6:
                    if len(self.buf) < 8:
                        return
                    need = 8 + struct.unpack('>I', self.buf[4:8])[0]
                elif need is None:
                    raise ValueError('unknown client message %d' % t)
                if len(self.buf) < need:
                    return
                msg, self.buf = self.buf[:need], self.buf[need:]
                if t == 0:
                    bpp, depth, big, tc, rm, gm, bm, rs, gs, bs = struct.unpack('>BBBBHHHBBB', msg[4:17])
                    if not tc or bpp not in (8, 16, 32):
                        raise ValueError('unsupported pixel format')
                    self.fmt = (bpp, depth, bool(big), True, rm, gm, bm, rs, gs, bs)
                elif t == 3:
                    inc, x, y, w, h = struct.unpack('>BHHHH', msg[1:10])
                    self.pending = (inc, x, y, min(w, W - x), min(h, H - y))
                elif t == 4:
                    down, keysym = msg[1], struct.unpack('>I', msg[4:8])[0]
                    if down:
                        screen.key(keysym)

    def maybe_send(self, screen):
        if self.pending is None:
            return
        inc, x, y, w, h = self.pending
        if inc and self.seen == screen.version:
            return                                  # nothing new: hold the request
        self.pending = None
        self.frame(screen, x, y, w, h)


def domain_alive(sd, uuid, domid):
    try:
        with open(os.path.join(sd, 'state.json')) as f:
            doms = json.load(f)['domains']
    except (OSError, ValueError):
        return True                                 # being rewritten: ask again later
    d = doms.get(str(domid))
    return d is not None and d['uuid'] == uuid


def serve(sd, uuid, domid, name):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for port in range(5950, 6050):
        try:
            srv.bind(('127.0.0.1', port))
            break
        except OSError:
            continue
    else:
        sys.exit('no free port')
    srv.listen(8)
    tmp = port_file(sd, uuid) + '.tmp'
    with open(tmp, 'w') as f:
        f.write('%d %d\n' % (port, domid))
    os.rename(tmp, port_file(sd, uuid))
    screen = Screen(name)
    clients = {}
    last_check = 0
    while True:
        now = time.time()
        if now - last_check > 1:
            last_check = now
            if not domain_alive(sd, uuid, domid):
                break
        r = select.select([srv] + list(clients), [], [], 1.0)[0]
        for s in r:
            if s is srv:
                c, _ = srv.accept()
                c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                clients[c] = Client(c)
                continue
            try:
                data = s.recv(65536)
                if not data:
                    raise OSError('closed')
                clients[s].feed(data, screen, name)
            except (OSError, ValueError):
                clients.pop(s, None)
                s.close()
        for s, c in list(clients.items()):
            try:
                c.maybe_send(screen)
            except OSError:
                clients.pop(s, None)
                s.close()
    for s in clients:
        s.close()
    srv.close()
    try:
        os.unlink(port_file(sd, uuid))
    except OSError:
        pass


if __name__ == '__main__':
    serve(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
