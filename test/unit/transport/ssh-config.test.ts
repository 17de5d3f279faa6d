import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProxyHop, parseProxyJump } from '../../../main/transport/proxy-jump';
import { listHostCandidates, SshConfigResolver, type SshConfigEnvironment } from '../../../main/transport/ssh-config';
import { splitArgs } from '../../../main/transport/ssh-config-lexer';
import { matchPatternList } from '../../../main/transport/ssh-patterns';

let home: string;
let sentinel: string;

function write(rel: string, text: string): string {
  const p = join(home, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

function resolverEnv(files = [{ path: join(home, '.ssh', 'config') }], env: Record<string, string> = {}): SshConfigEnvironment {
  return { homeDir: home, localUser: 'alice', localHostname: 'desk', env, files };
}

function resolver(files = [{ path: join(home, '.ssh', 'config') }], env: Record<string, string> = {}): SshConfigResolver {
  const e: SshConfigEnvironment = { homeDir: home, localUser: 'alice', localHostname: 'desk', env, files };
  return new SshConfigResolver(e);
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'vmdeck-sshcfg-'));
  sentinel = join(home, 'match-exec-ran');
  write(
    '.ssh/config',
    `# main config
Include conf.d/*.conf
Include /nonexistent/*.conf

Host kvm1
  HostName 192.0.2.10
  Port=2201
  User ops
  IdentityFile ~/.ssh/id_kvm1
  IdentityFile "~/.ssh/keys/%h-%p-%r-%u-%%.key"

Host kvm1
  # second block: first obtained value wins
  User someone-else
  Port 9999

Host "quoted host" spaced
  HostName spaced.example
  UserKnownHostsFile ~/.ssh/kh1 /abs/kh2
  GlobalKnownHostsFile /etc/ssh/global_kh

Host *.lab !bad.lab
  User labuser
  StrictHostKeyChecking accept-new
  ServerAliveInterval 7
  ServerAliveCountMax 2
  ConnectTimeout 3

Host inner
  HostName 10.0.0.2
  ProxyJump admin@jump1:2222,jump2,ssh://root@[2001:db8::1]:22

Host direct
  ProxyJump none

Host insecure
  StrictHostKeyChecking no

Host agentless
  IdentityAgent none
Host agentvar
  IdentityAgent SSH_AUTH_SOCK
Host agentpath
  IdentityAgent ~/agent.%r.sock

Host noauth
  PasswordAuthentication no
  KbdInteractiveAuthentication no
  PubkeyAuthentication no
  IdentitiesOnly yes

Match exec "touch ${sentinel}" host exec-target
  User pwned

Match host exec-target,!never exec "touch ${sentinel}"
  Port 1

Match originalhost alias-orig
  HostName real.example
Match host real.example
  User matched-by-hostname

Match user root host rootish
  Port 2222
Match localuser alice host loc
  Port 3333
Match !localuser alice host loc
  Port 4444

Match final host final.example
  Port 4242
Host viafinal
  HostName final.example

Host *
  User default-user
  ServerAliveInterval 30
  IdentityFile ~/.ssh/id_common
`,
  );
  write('.ssh/conf.d/10-first.conf', `Host included\n  HostName inc.example\n  Port 2022\n\nHost kvm1\n  ConnectTimeout 42\n`);
  write('.ssh/conf.d/20-second.conf', `Host included second-inc\n  User from-second\n`);
  write('.ssh/conf.d/ignored.txt', `Host notincluded\n  HostName x\n`);
});

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('ssh_config lexer', () => {
  it('splits quoted arguments and stops at comments', () => {
    expect(splitArgs(`"a b" c 'd e' f\\ g # comment`)).toEqual(['a b', 'c', 'd e', 'f g']);
    expect(splitArgs('"unterminated')).toEqual({ error: 'unterminated quote' });
  });

  it('matches host patterns with * ? and ! negation, case-insensitively', () => {
    expect(matchPatternList('web1.LAB', ['*.lab'])).toBe(true);
    expect(matchPatternList('bad.lab', ['*.lab', '!bad.lab'])).toBe(false);
    expect(matchPatternList('db7', ['db?'])).toBe(true);
    expect(matchPatternList('db77', ['db?'])).toBe(false);
    expect(matchPatternList('x', ['!y'])).toBe(false);
  });
});

describe('SshConfigResolver', () => {
  it('applies first-obtained-value-wins, = separators, includes and accumulating IdentityFile', () => {
    const r = resolver().resolve('kvm1');
    expect(r.hostName).toBe('192.0.2.10');
    expect(r.port).toBe(2201);
    expect(r.user).toBe('ops');
    expect(r.connectTimeoutMs).toBe(42_000); // from the Include that came first
    expect(r.identityFiles).toEqual([
      join(home, '.ssh/id_kvm1'),
      join(home, '.ssh/keys/192.0.2.10-2201-ops-alice-%.key'),
      join(home, '.ssh/id_common'),
    ]);
    expect(r.identityFilesConfigured).toBe(true);
    expect(r.serverAliveIntervalMs).toBe(30_000);
  });

  it('follows Include globs relative to ~/.ssh in sorted order, skipping non-matching files', () => {
    const r = resolver().resolve('included');
    expect(r.hostName).toBe('inc.example');
    expect(r.port).toBe(2022);
    expect(r.user).toBe('from-second');
    expect(resolver().resolve('notincluded').hostName).toBe('notincluded');
  });

  it('uses defaults for an unconfigured host', () => {
    const r = resolver([]).resolve('plain.example');
    expect(r).toMatchObject({ hostName: 'plain.example', port: 22, user: 'alice', strictHostKeyChecking: 'ask', proxyJump: [], identitiesOnly: false });
    expect(r.identityFiles).toEqual(['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(home, '.ssh', f)));
    expect(r.identityFilesConfigured).toBe(false);
    expect(r.userKnownHostsFiles).toEqual([join(home, '.ssh/known_hosts'), join(home, '.ssh/known_hosts2')]);
    expect(r.globalKnownHostsFiles).toEqual(['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);
    expect(r.connectTimeoutMs).toBeUndefined();
  });

  it('lets explicit overrides win over the files', () => {
    const r = resolver().resolve('kvm1', { user: 'cli', port: 7, identityFile: '~/.ssh/explicit', proxyJump: 'bastion' });
    expect(r.user).toBe('cli');
    expect(r.port).toBe(7);
    expect(r.identityFiles[0]).toBe(join(home, '.ssh/explicit'));
    expect(r.proxyJump).toEqual([{ host: 'bastion' }]);
  });

  it('handles quoted Host patterns, negation and several known_hosts files', () => {
    const r = resolver().resolve('quoted host');
    expect(r.hostName).toBe('spaced.example');
    expect(r.userKnownHostsFiles).toEqual([join(home, '.ssh/kh1'), '/abs/kh2']);
    expect(r.globalKnownHostsFiles).toEqual(['/etc/ssh/global_kh']);
    expect(resolver().resolve('web.lab')).toMatchObject({ user: 'labuser', strictHostKeyChecking: 'accept-new', serverAliveIntervalMs: 7000, serverAliveCountMax: 2, connectTimeoutMs: 3000 });
    expect(resolver().resolve('bad.lab').user).toBe('default-user');
  });

  it('parses ProxyJump lists with user@host:port, ssh:// URIs and none', () => {
    const r = resolver().resolve('inner');
    expect(r.proxyJump).toEqual([{ host: 'jump1', user: 'admin', port: 2222 }, { host: 'jump2' }, { host: '2001:db8::1', user: 'root', port: 22 }]);
    expect(resolver().resolve('direct').proxyJump).toEqual([]);
    expect(parseProxyJump('none')).toEqual([]);
    expect(parseProxyHop('[::1]:2200')).toEqual({ host: '::1', port: 2200 });
    expect(() => parseProxyHop('host:notaport')).toThrow();
  });

  it('refuses StrictHostKeyChecking=no loudly and treats it as ask', () => {
    const r = resolver().resolve('insecure');
    expect(r.strictHostKeyChecking).toBe('ask');
    expect(r.warnings.join('\n')).toMatch(/StrictHostKeyChecking=no is refused/);
  });

  it('never runs Match exec: the block does not match and a warning is recorded', () => {
    const r = resolver().resolve('exec-target');
    expect(existsSync(sentinel)).toBe(false);
    expect(r.user).toBe('default-user');
    expect(r.port).toBe(22);
    expect(r.warnings.some((w) => w.includes('Match exec'))).toBe(true);
  });

  it('supports Match originalhost, host (after HostName), user, localuser, negation, all and final', () => {
    expect(resolver().resolve('alias-orig')).toMatchObject({ hostName: 'real.example', user: 'matched-by-hostname' });
    expect(resolver().resolve('rootish').port).toBe(22); // user is default-user later, not root, at that point
    expect(resolver().resolve('rootish', { user: 'root' }).port).toBe(2222);
    expect(resolver().resolve('loc').port).toBe(3333);
    // Match final is evaluated on a second pass, against the HostName obtained in the first.
    expect(resolver().resolve('viafinal').port).toBe(4242);
    expect(resolver().resolve('final.example').port).toBe(4242);
    expect(resolver().resolve('kvm1').port).toBe(2201);
  });

  it('resolves IdentityAgent from SSH_AUTH_SOCK, none, or a path with tokens', () => {
    const env = { SSH_AUTH_SOCK: '/run/agent.sock' };
    expect(resolver(undefined, env).resolve('agentvar').identityAgent).toBe('/run/agent.sock');
    expect(resolver(undefined, env).resolve('anything').identityAgent).toBe('/run/agent.sock');
    expect(resolver(undefined, env).resolve('agentless').identityAgent).toBeNull();
    expect(resolver(undefined, {}).resolve('agentvar').identityAgent).toBeNull();
    expect(resolver(undefined, env).resolve('agentpath').identityAgent).toBe(join(home, 'agent.default-user.sock'));
  });

  it('reads the authentication switches', () => {
    expect(resolver().resolve('noauth')).toMatchObject({ passwordAuthentication: false, kbdInteractiveAuthentication: false, pubkeyAuthentication: false, identitiesOnly: true });
    expect(resolver().resolve('kvm1')).toMatchObject({ passwordAuthentication: true, kbdInteractiveAuthentication: true, pubkeyAuthentication: true });
  });
});

describe('listHostCandidates', () => {
  it('lists every concrete alias, following Include, skipping wildcards and negations', () => {
    const aliases = listHostCandidates(resolverEnv(), join(home, '.ssh', 'config')).map((c) => c.alias);
    expect(aliases).toEqual(
      expect.arrayContaining(['kvm1', 'quoted host', 'spaced', 'inner', 'direct', 'insecure', 'agentless', 'included', 'second-inc', 'viafinal']),
    );
    expect(aliases).not.toContain('*');
    expect(aliases).not.toContain('*.lab');
    expect(aliases).not.toContain('!bad.lab');
    expect(aliases).not.toContain('notincluded');
    expect(aliases.filter((a) => a === 'kvm1')).toHaveLength(1);
    expect(existsSync(sentinel)).toBe(false);
  });

  it('resolves each candidate', () => {
    const c = listHostCandidates(resolverEnv(), join(home, '.ssh', 'config'));
    expect(c.find((x) => x.alias === 'kvm1')).toMatchObject({ hostname: '192.0.2.10', port: 2201, user: 'ops' });
    expect(c.find((x) => x.alias === 'inner')?.proxyJump).toBe('admin@jump1:2222,jump2,root@[2001:db8::1]:22');
    expect(c.find((x) => x.alias === 'included')?.sourceFile).toBe(join(home, '.ssh/conf.d/10-first.conf'));
  });
});

describe('systemSshConfigEnvironment', () => {
  it("reads the user's file then the system file (relative Includes under /etc/ssh)", async () => {
    const { systemSshConfigEnvironment } = await import('../../../main/transport/ssh-config-environment');
    const sys = join(home, 'etc-ssh');
    mkdirSync(join(sys, 'ssh_config.d'), { recursive: true });
    writeFileSync(join(sys, 'ssh_config'), 'Include ssh_config.d/*.conf\nHost *\n  Port 2020\n');
    writeFileSync(join(sys, 'ssh_config.d', 'a.conf'), 'Host sysonly\n  HostName sys.example\n  User from-system\n');
    const env = systemSshConfigEnvironment({ homeDir: home, env: {}, localUser: 'alice', localHostname: 'desk', systemConfigDir: sys });
    const r = new SshConfigResolver(env);
    // User comes from the user's own "Host *" (read first, first value wins); the rest from the system file.
    expect(r.resolve('sysonly')).toMatchObject({ hostName: 'sys.example', user: 'default-user', port: 2020 });
    expect(r.resolve('kvm1').port).toBe(2201); // the user's file comes first
  });

  it('lists candidates with the same environment a connection resolves with (user from the system file, the local user)', async () => {
    const { systemSshConfigEnvironment } = await import('../../../main/transport/ssh-config-environment');
    const h2 = mkdtempSync(join(tmpdir(), 'vmdeck-sshcfg-env-'));
    const sys = join(h2, 'etc-ssh');
    mkdirSync(join(h2, '.ssh'), { recursive: true });
    mkdirSync(sys, { recursive: true });
    writeFileSync(join(h2, '.ssh', 'config'), 'Host plain\n  HostName plain.example\nHost sysuser\n  HostName s.example\n');
    writeFileSync(join(sys, 'ssh_config'), 'Host sysuser\n  User from-system\n');
    const env = systemSshConfigEnvironment({ homeDir: h2, env: {}, localUser: 'carol', localHostname: 'desk', systemConfigDir: sys });
    const connect = new SshConfigResolver(env);
    const listed = listHostCandidates(env);
    for (const alias of ['plain', 'sysuser']) expect(listed.find((c) => c.alias === alias)?.user).toBe(connect.resolve(alias).user);
    expect(listed.find((c) => c.alias === 'plain')?.user).toBe('carol');
    expect(listed.find((c) => c.alias === 'sysuser')?.user).toBe('from-system');
    rmSync(h2, { recursive: true, force: true });
  });
});
