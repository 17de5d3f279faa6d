/**
 * OpenSSH client configuration: resolves a host alias the way `ssh -G alias` would, for the options vmdeck
 * uses. Semantics follow readconf.c: files are read top to bottom, the first obtained value of an option wins
 * (IdentityFile accumulates), `Host` and `Match` start conditional blocks, `Include` reads files (globs,
 * relative to ~/.ssh for user files and /etc/ssh for system files) in place.
 *
 * `Match exec` is NEVER run: it counts as not matching and leaves a warning. Unsupported Match criteria do
 * the same. StrictHostKeyChecking=no/off is refused (treated as ask) with a warning.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { SshConfigCandidate } from '../core/contract';
import { expandGlob } from './glob';
import { formatProxyHop, parseProxyJump, type ProxyHop } from './proxy-jump';
import { lexSshConfig, type SshConfigDirective } from './ssh-config-lexer';
import { hasWildcard, matchPatternList } from './ssh-patterns';

export type HostKeyPolicy = 'yes' | 'accept-new' | 'ask';

export interface ResolvedSshConfig {
  /** What was asked for. */
  alias: string;
  hostName: string;
  user: string;
  port: number;
  /** Expanded absolute paths, in order. */
  identityFiles: string[];
  /** True when IdentityFile came from the configuration (or overrides) rather than defaults. */
  identityFilesConfigured: boolean;
  identitiesOnly: boolean;
  /** The agent socket to use, or null when there is none (`IdentityAgent none`, no SSH_AUTH_SOCK). */
  identityAgent: string | null;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  strictHostKeyChecking: HostKeyPolicy;
  /** Hops to go through, first hop first; empty for a direct connection. */
  proxyJump: ProxyHop[];
  connectTimeoutMs?: number;
  serverAliveIntervalMs?: number;
  serverAliveCountMax?: number;
  passwordAuthentication: boolean;
  kbdInteractiveAuthentication: boolean;
  pubkeyAuthentication: boolean;
  /** PreferredAuthentications, lower-cased (default OpenSSH's: publickey, keyboard-interactive, password). */
  preferredAuthentications: string[];
  /** Non-fatal notices for the UI (Match exec skipped, StrictHostKeyChecking=no refused, ...). */
  warnings: string[];
}

/** Values given explicitly (the host form, the command line): they take precedence over the files. */
export interface SshConfigOverrides {
  hostName?: string;
  user?: string;
  port?: number;
  identityFile?: string;
  proxyJump?: string;
}

export interface SshConfigFile {
  path: string;
  /** System files resolve relative Includes under /etc/ssh, user files under ~/.ssh. */
  system?: boolean;
}

export interface SshConfigEnvironment {
  homeDir: string;
  localUser: string;
  localHostname: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Read in order; usually ~/.ssh/config then /etc/ssh/ssh_config. Missing files are skipped. */
  files: readonly SshConfigFile[];
  /** Where relative system Includes live (default /etc/ssh). */
  systemConfigDir?: string;
  /** Defaults for an unconfigured host (default ~/.ssh/known_hosts(2), /etc/ssh/ssh_known_hosts(2)). */
  defaultGlobalKnownHostsFiles?: readonly string[];
}

export const DEFAULT_IDENTITY_FILES = ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa'];
const MAX_INCLUDE_DEPTH = 16;

interface RawOptions {
  hostname?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  identitiesOnly?: boolean;
  identityAgent?: string;
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  strictHostKeyChecking?: string;
  proxyJump?: string;
  proxyCommand?: string;
  connectTimeout?: number;
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
  passwordAuthentication?: boolean;
  kbdInteractiveAuthentication?: boolean;
  pubkeyAuthentication?: boolean;
  preferredAuthentications?: string[];
}

interface WalkContext {
  alias: string;
  finalPass: boolean;
  options: RawOptions;
  warnings: Set<string>;
  wantFinalPass: boolean;
}

function parseYesNo(value: string | undefined): boolean | undefined {
  const v = value?.toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  return undefined;
}

function parseSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value.toLowerCase() === 'none') return 0;
  const m = /^(\d+)([sSmMhH]?)$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  return unit === 'm' ? n * 60 : unit === 'h' ? n * 3600 : n;
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 1 && n <= 65535 ? n : undefined;
}

export class SshConfigResolver {
  constructor(private readonly environment: SshConfigEnvironment) {}

  /** The effective configuration for `alias` (the name the user typed or the host's address). */
  resolve(alias: string, overrides: SshConfigOverrides = {}): ResolvedSshConfig {
    const options: RawOptions = { identityFiles: [] };
    // Explicit values come first, so "first obtained value wins" lets them take precedence.
    if (overrides.hostName !== undefined) options.hostname = overrides.hostName;
    if (overrides.user !== undefined) options.user = overrides.user;
    if (overrides.port !== undefined) options.port = overrides.port;
    if (overrides.identityFile !== undefined) options.identityFiles.push(overrides.identityFile);
    if (overrides.proxyJump !== undefined) options.proxyJump = overrides.proxyJump;

    const ctx: WalkContext = { alias, finalPass: false, options, warnings: new Set(), wantFinalPass: false };
    this.readAll(ctx);
    if (ctx.wantFinalPass) {
      ctx.finalPass = true;
      this.readAll(ctx);
    }
    return this.finish(alias, ctx);
  }

  /**
   * Every concrete `Host` alias across the files (Includes followed; wildcard and negated patterns skipped),
   * each resolved through the same files, for importing hosts.
   */
  listHostCandidates(file?: string): SshConfigCandidate[] {
    const resolver = file === undefined ? this : new SshConfigResolver({ ...this.environment, files: [{ path: file }] });
    return resolver.listHostAliases().map(({ alias, sourceFile }) => {
      const r = resolver.resolve(alias);
      const candidate: SshConfigCandidate = { alias, hostname: r.hostName, user: r.user, port: r.port, sourceFile };
      if (r.proxyJump.length > 0) candidate.proxyJump = r.proxyJump.map(formatProxyHop).join(',');
      return candidate;
    });
  }

  /** The concrete aliases only, with the file declaring each. */
  listHostAliases(file?: string): { alias: string; sourceFile: string }[] {
    const files = file === undefined ? this.environment.files : [{ path: file }];
    const seen = new Set<string>();
    const out: { alias: string; sourceFile: string }[] = [];
    const visit = (path: string, system: boolean, depth: number): void => {
      if (depth > MAX_INCLUDE_DEPTH) return;
      const text = readText(path);
      if (text === undefined) return;
      for (const d of lexSshConfig(text).directives) {
        if (d.keyword === 'host') {
          for (const pattern of d.args) {
            if (pattern.startsWith('!') || hasWildcard(pattern)) continue;
            const key = pattern.toLowerCase();
            if (seen.has(key)) continue;
            seen.add(key);
            out.push({ alias: pattern, sourceFile: path });
          }
        } else if (d.keyword === 'include') {
          for (const included of this.includePaths(d.args, system)) visit(included, system, depth + 1);
        }
      }
    };
    for (const f of files) visit(this.expandTilde(f.path), f.system === true, 0);
    return out;
  }

  private readAll(ctx: WalkContext): void {
    for (const f of this.environment.files) this.readFile(ctx, this.expandTilde(f.path), f.system === true, false, 0);
  }

  private readFile(ctx: WalkContext, path: string, system: boolean, neverMatch: boolean, depth: number): void {
    if (depth > MAX_INCLUDE_DEPTH) {
      ctx.warnings.add(`Include nested too deeply at ${path}`);
      return;
    }
    const text = readText(path);
    if (text === undefined) return;
    const lexed = lexSshConfig(text);
    for (const e of lexed.errors) ctx.warnings.add(`${path}: ${e}`);
    let active = !neverMatch;
    for (const d of lexed.directives) {
      switch (d.keyword) {
        case 'host':
          active = !neverMatch && matchPatternList(ctx.alias, d.args);
          break;
        case 'match':
          active = !neverMatch && this.evaluateMatch(ctx, d, path);
          break;
        case 'include':
          for (const included of this.includePaths(d.args, system)) this.readFile(ctx, included, system, !active, depth + 1);
          break;
        default:
          if (active) this.apply(ctx, d, path);
      }
    }
  }

  private includePaths(args: readonly string[], system: boolean): string[] {
    const out: string[] = [];
    for (const arg of args) {
      let pattern = this.expandTilde(arg);
      if (!isAbsolute(pattern)) pattern = join(system ? (this.environment.systemConfigDir ?? '/etc/ssh') : join(this.environment.homeDir, '.ssh'), pattern);
      out.push(...expandGlob(pattern));
    }
    return out;
  }

  /** Match criteria (readconf.c match_cfg_line); all criteria must hold. */
  private evaluateMatch(ctx: WalkContext, d: SshConfigDirective, path: string): boolean {
    const args = [...d.args];
    const where = `${path}:${d.line}`;
    if (args.length === 0) {
      ctx.warnings.add(`${where}: Match without criteria ignored`);
      return false;
    }
    let result = true;
    const o = ctx.options;
    const host = ctx.finalPass ? (o.hostname ?? ctx.alias) : o.hostname !== undefined ? expandHostName(o.hostname, ctx.alias) : ctx.alias;
    const remoteUser = o.user ?? this.environment.localUser;
    while (args.length > 0) {
      let criterion = args.shift()!.toLowerCase();
      const negate = criterion.startsWith('!');
      if (negate) criterion = criterion.slice(1);
      let ok: boolean;
      if (criterion === 'all') {
        ok = true;
      } else if (criterion === 'canonical' || criterion === 'final') {
        if (criterion === 'final') ctx.wantFinalPass = true;
        ok = ctx.finalPass;
      } else {
        const value = args.shift();
        if (value === undefined) {
          ctx.warnings.add(`${where}: Match ${criterion} needs an argument; block ignored`);
          return false;
        }
        const list = value.split(',');
        switch (criterion) {
          case 'host':
            ok = matchPatternList(host, list);
            break;
          case 'originalhost':
            ok = matchPatternList(ctx.alias, list);
            break;
          case 'user':
            ok = matchPatternList(remoteUser, list, false);
            break;
          case 'localuser':
            ok = matchPatternList(this.environment.localUser, list, false);
            break;
          case 'exec':
            ctx.warnings.add(`${where}: "Match exec" is never run by vmdeck; the block is treated as not matching`);
            ok = false;
            break;
          default:
            ctx.warnings.add(`${where}: Match ${criterion} is not supported; the block is treated as not matching`);
            ok = false;
        }
      }
      if (negate) ok = !ok;
      if (!ok) result = false;
    }
    return result;
  }

  private apply(ctx: WalkContext, d: SshConfigDirective, path: string): void {
    const o = ctx.options;
    const first = d.args[0];
    const where = `${path}:${d.line}`;
    switch (d.keyword) {
      case 'hostname':
        o.hostname ??= first;
        break;
      case 'user':
        o.user ??= first;
        break;
      case 'port': {
        const port = parsePort(first);
        if (port === undefined) ctx.warnings.add(`${where}: invalid Port ${JSON.stringify(first)}`);
        else o.port ??= port;
        break;
      }
      case 'identityfile':
        // Accumulates; duplicates are skipped (readconf.c add_identity_file), e.g. on the final pass.
        if (first !== undefined && !o.identityFiles.includes(first)) o.identityFiles.push(first);
        break;
      case 'identitiesonly':
        o.identitiesOnly ??= parseYesNo(first);
        break;
      case 'identityagent':
        o.identityAgent ??= first;
        break;
      case 'userknownhostsfile':
        o.userKnownHostsFiles ??= [...d.args];
        break;
      case 'globalknownhostsfile':
        o.globalKnownHostsFiles ??= [...d.args];
        break;
      case 'stricthostkeychecking':
        o.strictHostKeyChecking ??= first?.toLowerCase();
        break;
      case 'proxyjump':
        if (o.proxyJump === undefined && o.proxyCommand === undefined) o.proxyJump = first;
        break;
      case 'proxycommand':
        if (o.proxyJump === undefined && o.proxyCommand === undefined) o.proxyCommand = d.args.join(' ');
        break;
      case 'connecttimeout':
        o.connectTimeout ??= parseSeconds(first);
        break;
      case 'serveraliveinterval':
        o.serverAliveInterval ??= parseSeconds(first);
        break;
      case 'serveralivecountmax':
        if (first !== undefined && /^\d+$/.test(first)) o.serverAliveCountMax ??= Number(first);
        break;
      case 'passwordauthentication':
        o.passwordAuthentication ??= parseYesNo(first);
        break;
      case 'kbdinteractiveauthentication':
      case 'challengeresponseauthentication':
        o.kbdInteractiveAuthentication ??= parseYesNo(first);
        break;
      case 'pubkeyauthentication':
        o.pubkeyAuthentication ??= parseYesNo(first) ?? (first === 'unbound' || first === 'host-bound' ? true : undefined);
        break;
      case 'preferredauthentications':
        if (first !== undefined) o.preferredAuthentications ??= first.toLowerCase().split(',');
        break;
      default:
        // Other options do not affect how vmdeck connects.
        break;
    }
  }

  private finish(alias: string, ctx: WalkContext): ResolvedSshConfig {
    const o = ctx.options;
    const warnings = ctx.warnings;
    const hostName = o.hostname !== undefined ? expandHostName(o.hostname, alias) : alias;
    const user = o.user ?? this.environment.localUser;
    const port = o.port ?? 22;
    const tokens = { h: hostName, p: String(port), r: user, u: this.environment.localUser, n: alias, d: this.environment.homeDir, l: this.environment.localHostname };
    const expandPath = (p: string): string => this.expandTilde(this.expandTokens(p, tokens, warnings));

    const identityFilesConfigured = o.identityFiles.length > 0;
    const identityFiles = (identityFilesConfigured ? o.identityFiles : DEFAULT_IDENTITY_FILES).map(expandPath);

    let identityAgent: string | null;
    const agentSetting = o.identityAgent;
    if (agentSetting === undefined || agentSetting === 'SSH_AUTH_SOCK') identityAgent = this.environment.env.SSH_AUTH_SOCK || null;
    else if (agentSetting.toLowerCase() === 'none') identityAgent = null;
    else if (agentSetting.startsWith('$')) identityAgent = this.environment.env[agentSetting.slice(1)] || null;
    else identityAgent = expandPath(agentSetting);

    const knownHosts = (list: string[] | undefined, fallback: readonly string[]): string[] => {
      if (list === undefined) return fallback.map(expandPath);
      if (list.length === 1 && list[0]!.toLowerCase() === 'none') return [];
      return list.map(expandPath);
    };

    let strict: HostKeyPolicy = 'ask';
    switch (o.strictHostKeyChecking) {
      case 'yes':
      case 'true':
        strict = 'yes';
        break;
      case 'accept-new':
        strict = 'accept-new';
        break;
      case 'no':
      case 'off':
      case 'false':
        strict = 'ask';
        warnings.add(`StrictHostKeyChecking=${o.strictHostKeyChecking} is refused by vmdeck: unknown host keys are asked about and changed keys are never accepted`);
        break;
      default:
        strict = 'ask';
    }

    if (o.proxyCommand !== undefined && o.proxyCommand.toLowerCase() !== 'none') {
      warnings.add('ProxyCommand is not supported (use ProxyJump); connecting directly');
    }

    const resolved: ResolvedSshConfig = {
      alias,
      hostName,
      user,
      port,
      identityFiles,
      identityFilesConfigured,
      identitiesOnly: o.identitiesOnly ?? false,
      identityAgent,
      userKnownHostsFiles: knownHosts(o.userKnownHostsFiles, ['~/.ssh/known_hosts', '~/.ssh/known_hosts2']),
      globalKnownHostsFiles: knownHosts(o.globalKnownHostsFiles, this.environment.defaultGlobalKnownHostsFiles ?? ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']),
      strictHostKeyChecking: strict,
      proxyJump: parseProxyJump(o.proxyJump),
      passwordAuthentication: o.passwordAuthentication ?? true,
      kbdInteractiveAuthentication: o.kbdInteractiveAuthentication ?? true,
      pubkeyAuthentication: o.pubkeyAuthentication ?? true,
      preferredAuthentications: o.preferredAuthentications ?? ['publickey', 'keyboard-interactive', 'password'],
      warnings: [...warnings],
    };
    if (o.connectTimeout !== undefined && o.connectTimeout > 0) resolved.connectTimeoutMs = o.connectTimeout * 1000;
    if (o.serverAliveInterval !== undefined) resolved.serverAliveIntervalMs = o.serverAliveInterval * 1000;
    if (o.serverAliveCountMax !== undefined) resolved.serverAliveCountMax = o.serverAliveCountMax;
    return resolved;
  }

  private expandTilde(p: string): string {
    if (p === '~') return this.environment.homeDir;
    if (p.startsWith('~/')) return join(this.environment.homeDir, p.slice(2));
    return p;
  }

  private expandTokens(value: string, tokens: Record<string, string>, warnings: Set<string>): string {
    return value.replace(/%(.)/g, (whole, ch: string) => {
      if (ch === '%') return '%';
      const v = tokens[ch];
      if (v !== undefined) return v;
      warnings.add(`unsupported token ${whole} in ${JSON.stringify(value)} left as is`);
      return whole;
    });
  }
}

/** HostName may contain %h (the alias) and %%. */
function expandHostName(hostname: string, alias: string): string {
  return hostname.replace(/%([%h])/g, (_w, ch: string) => (ch === '%' ? '%' : alias));
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Hosts declared in the environment's files (or in `file` alone), Includes followed, wildcard and negated
 * patterns skipped, each resolved with the same environment a connection uses (same local user, same
 * system file), so the import dialog shows the user vmdeck will connect as.
 */
export function listHostCandidates(environment: SshConfigEnvironment, file?: string): SshConfigCandidate[] {
  return new SshConfigResolver(environment).listHostCandidates(file);
}
