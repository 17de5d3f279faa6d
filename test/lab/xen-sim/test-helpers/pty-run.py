#!/usr/bin/env python3
"""Run a command in a fresh pty and drive it with a tiny script (used by xen-sim.test.ts).

usage: pty-run.py <script.json> -- cmd args...
script: list of steps: {"expect": "text", "timeout": s} | {"send": "text"} | {"sleep": s}
Prints a JSON object {"exit": code, "output": "..."} on stdout when the child exits (or is killed).
"""
import json
import os
import pty
import select
import sys
import time


def main():
    steps = json.loads(open(sys.argv[1]).read())
    cmd = sys.argv[sys.argv.index('--') + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    buf = b''
    ok = True
    failed = None

    def pump(t):
        nonlocal buf
        r, _, _ = select.select([fd], [], [], t)
        if fd in r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return False
            if not data:
                return False
            buf += data
        return True

    for st in steps:
        if 'send' in st:
            os.write(fd, st['send'].encode())
        elif 'sleep' in st:
            end = time.time() + st['sleep']
            while time.time() < end:
                if not pump(max(0.0, end - time.time())):
                    break
        elif 'expect' in st:
            end = time.time() + st.get('timeout', 10)
            want = st['expect'].encode()
            start = st.get('after', 0)
            while want not in buf[start:] and time.time() < end:
                if not pump(0.1):
                    break
            if want not in buf:
                ok = False
                failed = st['expect']
                break
    # wait for exit
    end = time.time() + 10
    code = None
    while time.time() < end:
        p, status = os.waitpid(pid, os.WNOHANG)
        if p == pid:
            code = os.waitstatus_to_exitcode(status)
            break
        pump(0.05)
    if code is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        code = 'killed'
    try:
        while pump(0.05):
            pass
    except OSError:
        pass
    print(json.dumps({'exit': code, 'ok': ok, 'failed': failed, 'output': buf.decode('utf-8', 'replace')}))


main()
