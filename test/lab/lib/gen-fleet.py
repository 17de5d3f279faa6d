#!/usr/bin/env python3
"""Generate the fleet host's libvirt test-driver node XML.

Usage: gen-fleet.py OUT.xml [COUNT]

Writes a <node> document with COUNT (default 1200) test-driver domains covering
every libvirt domain state and hostile names (quotes, shell metacharacters,
unicode, leading dashes, all digits, spaces, ~200 characters). Deterministic:
the same input gives the same file (UUIDs derive from the index), so tests may
rely on names and UUIDs. A JSON side file OUT.json lists name/uuid/state.
"""
import json
import sys
import uuid
from xml.sax.saxutils import escape

out = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1200

# libvirt virDomainState values honoured by the test driver's <test:runstate>
STATES = [
    (1, 'running'),
    (2, 'idle'),            # VIR_DOMAIN_BLOCKED, virsh prints "idle"
    (3, 'paused'),
    (4, 'in shutdown'),
    (5, 'shut off'),
    (6, 'crashed'),
    (7, 'pmsuspended'),
]

SPECIAL = [
    # (name, runstate, managedsave)
    ('ünïcødé-Δ-日本', 1, False),
    ('name with spaces', 1, False),
    ("it's-single-quoted", 3, False),
    ('say "double" quotes', 5, False),
    ('$(touch vmdeck-pwned)', 1, False),   # libvirt forbids '/' in names: a relative path, lands in the cwd
    ('`touch vmdeck-pwned-bt`', 5, False),
    ('semi;colon', 6, False),
    ('amp&ersand', 7, False),
    ('-rf', 1, False),
    ('--help', 5, False),
    ('12345', 1, False),
    ('007', 5, True),
    ('pipe|and>redirect<', 3, False),
    ('back\\slash', 1, False),
    ('percent%s%n', 5, False),
    ('star*glob?[x]', 1, False),
    ('hash#tag', 1, False),
    ('tab-free-emoji-🚀', 1, False),
    ('L' + 'o' * 197 + 'ng', 1, False),   # 200 chars
    ('saved-managed', 5, True),
    ('crashed-one', 6, False),
    ('paused-one', 3, False),
    ('pmsuspended-one', 7, False),
    ('blocked-one', 2, False),
    ('in-shutdown-one', 4, False),
    ('shutoff-one', 5, False),
    ('running-one', 1, False),
]

NS = 'http://libvirt.org/schemas/domain/test/1.0'


def dom(i, name, runstate, managed):
    u = uuid.UUID(int=(0x766d6465636b << 80) | i)  # 'vmdeck' prefix
    mem = 65536 * (1 + i % 8)
    vcpu = 1 + i % 4
    ms = '\n  <test:hasmanagedsave>1</test:hasmanagedsave>' if managed else ''
    xml = f"""<domain type='test' xmlns:test='{NS}'>
  <name>{escape(name)}</name>
  <uuid>{u}</uuid>
  <description>vmdeck lab fleet guest {i}</description>
  <memory unit='KiB'>{mem}</memory>
  <currentMemory unit='KiB'>{mem}</currentMemory>
  <vcpu>{vcpu}</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <interface type='network'><mac address='52:54:00:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}'/><source network='default'/></interface>
  </devices>
  <test:runstate>{runstate}</test:runstate>{ms}
</domain>
"""
    return xml, {'name': name, 'uuid': str(u), 'runstate': runstate, 'managedSave': managed}


parts = ['<node>\n']
meta = []
i = 0
for name, st, ms in SPECIAL:
    i += 1
    x, m = dom(i, name, st, ms)
    parts.append(x)
    meta.append(m)
n = 0
while i < count:
    i += 1
    n += 1
    st = STATES[n % len(STATES)][0]
    managed = (st == 5 and n % 3 == 0)
    x, m = dom(i, f'fleet-{n:04d}', st, managed)
    parts.append(x)
    meta.append(m)
parts.append('</node>\n')
with open(out + '.tmp', 'w', encoding='utf-8') as f:
    f.write(''.join(parts))
import os
os.replace(out + '.tmp', out)
with open(out.rsplit('.', 1)[0] + '.json', 'w', encoding='utf-8') as f:
    json.dump(meta, f, ensure_ascii=False, indent=0)
