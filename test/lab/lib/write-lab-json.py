#!/usr/bin/env python3
"""Write $LAB/lab.json from the host table exported by lab-up.sh."""
import json
import os
import time

lab = os.environ['LAB']
key = os.environ['KEY']
pkey = os.environ['PKEY']
rows = [l.split() for l in os.environ['LAB_HOSTS_TBL'].strip().splitlines() if l.strip()]

GUESTS = {
    'kvm1': ['alpha', 'beta'],
    'kvm2': ['gamma', 'delta'],
    'inner': ['test'],  # test:///default ships one domain named "test"
}
URIS = {
    'kvm1': 'qemu:///session',
    'kvm2': 'qemu:///session',
    'fleet': f'test://{lab}/fleet/fleet.xml',
    'inner': 'test:///default',
}
fleet_meta = os.path.join(lab, 'fleet', 'fleet.json')
if os.path.exists(fleet_meta):
    with open(fleet_meta, encoding='utf-8') as f:
        GUESTS['fleet'] = [d['name'] for d in json.load(f)]

xen_guests_file = os.path.join(lab, 'xen-sim', 'guests.txt')
if os.path.exists(xen_guests_file):
    with open(xen_guests_file, encoding='utf-8') as f:
        GUESTS['xen1'] = [l.strip() for l in f if l.strip()]

lxc_meta = os.path.join(lab, 'lxc', 'containers.json')
lxc_containers = []
if os.path.exists(lxc_meta):
    with open(lxc_meta, encoding='utf-8') as f:
        lxc_containers = json.load(f)
    GUESTS['ct1'] = [c['name'] for c in lxc_containers]

hosts = {}
for name, addr, port, user, netns, kind in rows:
    hdir = os.path.join(lab, 'hosts', name)
    with open(os.path.join(hdir, 'ssh_host_ed25519_key.pub')) as f:
        hostkey = ' '.join(f.read().split()[:2])
    h = {
        'name': name,
        'address': addr,
        'port': int(port),
        'user': user,
        'identityFile': key,
        'kind': kind,
        'guests': GUESTS.get(name, []),
        'sshdLogFile': os.path.join(hdir, 'sshd.log'),
        'sshdPidFile': os.path.join(hdir, 'sshd.pid'),
        'sshdConfig': os.path.join(hdir, 'sshd_config'),
        'hostKey': hostkey,
        'knownHostsName': addr if port == '22' else f'[{addr}]:{port}',
    }
    if name in URIS:
        h['libvirtUri'] = URIS[name]
    if netns != '-':
        h['netns'] = netns
    if name == 'inner':
        h['proxyJump'] = 'jump'
    if name == 'kvm2':
        with open(os.path.join(lab, 'secrets', 'kvm2.password')) as f:
            h['password'] = f.read().strip()
        h['authMethods'] = ['publickey', 'password', 'keyboard-interactive']
    else:
        h['authMethods'] = ['publickey']
    if name == 'xen1':
        h['xenSimDir'] = os.path.join(lab, 'xen-sim')
    if name == 'ct1':
        h['lxcPath'] = '/var/lib/lxc'
        h['containers'] = lxc_containers
    hosts[name] = h

with open(os.path.join(lab, 'secrets', 'passphrase')) as f:
    passphrase = f.read().strip()

doc = {
    'version': 1,
    'dir': lab,
    'createdAt': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
    'sshConfig': os.path.join(lab, 'ssh_config'),
    'knownHosts': os.path.join(lab, 'known_hosts'),
    'identityFile': key,
    'hosts': hosts,
    'passphraseKey': {'path': pkey, 'passphrase': passphrase, 'authorizedOn': 'kvm2'},
    'fleet': {
        'xml': os.path.join(lab, 'fleet', 'fleet.xml'),
        'guestsFile': fleet_meta,
        'count': len(GUESTS.get('fleet', [])),
        'stateless': True,
    },
    'guestImage': {
        'kernel': os.path.join(lab, 'guest', 'vmlinuz'),
        'initrd': os.path.join(lab, 'guest', 'initramfs.gz'),
        'bootBanner': 'vmdeck-guest {name} booted',
        'prompt': '{name}:~# ',
    },
    'network': {
        'rootAddress': '10.77.1.1',
        'jumpAddress': '10.77.1.2',
        'jumpInnerAddress': '10.77.2.1',
        'innerAddress': '10.77.2.2',
        'netns': {'jump': 'vmdeck-jump', 'inner': 'vmdeck-inner'},
    },
}
tmp = os.path.join(lab, 'lab.json.tmp')
with open(tmp, 'w', encoding='utf-8') as f:
    json.dump(doc, f, ensure_ascii=False, indent=2)
    f.write('\n')
os.chmod(tmp, 0o644)
os.replace(tmp, os.path.join(lab, 'lab.json'))
