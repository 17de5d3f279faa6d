/**
 * Host key verification, run inside the SSH handshake (ssh2's async `hostVerifier`) so that nothing of the
 * user's credentials is sent to a server whose key is not trusted.
 *
 * Sources: the app's own store first (the user's decisions in vmdeck, including explicit replacements),
 * then the user's and the global known_hosts files (read, never written).
 *   revoked anywhere            -> HOST_KEY_REVOKED (hard stop)
 *   match                        -> accept
 *   mismatch                     -> HOST_KEY_MISMATCH with both fingerprints (hard stop); only when the caller
 *                                   opted in (`allowReplace`, an explicit "replace key" action) is a
 *                                   `host-key-mismatch` prompt raised, and only `replace: true` lets it through
 *   unknown + StrictHostKeyChecking yes        -> HOST_KEY_UNKNOWN
 *   unknown + accept-new                       -> accept and record in the app store
 *   unknown + ask                              -> `host-key-unknown` prompt; accepted keys are recorded
 *   unknown type, another type known           -> the prompt says so (title and message), also under
 *                                                 accept-new (never accepted silently)
 * A known_hosts file that exists but cannot be read fails the connection with PERMISSION_DENIED naming it.
 */
import { VmdeckError } from '../core/errors';
import type { AppKnownHostsStore } from './app-known-hosts-store';
import { keyTypeOfBlob, knownKeyTypes, lookupHostKey, readKnownHostsFile, sha256Fingerprint, type KnownHostEntry } from './known-hosts';
import type { PromptBroker } from './prompts';
import type { HostKeyPolicy } from './ssh-config';

export interface HostKeyVerifierOptions {
  hostId: string;
  /** The name the key is recorded under (the resolved HostName) and the port. */
  host: string;
  port: number;
  policy: HostKeyPolicy;
  userKnownHostsFiles: readonly string[];
  globalKnownHostsFiles: readonly string[];
  appStore: AppKnownHostsStore;
  prompts: PromptBroker;
  /** The user explicitly asked to replace this host's key: a mismatch raises a prompt instead of failing. */
  allowReplace?: boolean;
  signal?: AbortSignal;
}

export interface HostKeyVerdict {
  fingerprint: string;
  keyType: string;
  /** How the key was trusted. */
  how: 'known' | 'app-store' | 'accepted-new' | 'accepted-by-user' | 'replaced-by-user';
}

/** ssh2 server host key algorithms, in the order ssh2 prefers them. */
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

function algorithmsForKeyType(type: string): string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
}

export class HostKeyVerifier {
  /** The typed failure of the last verification, if it refused the key. */
  lastError: VmdeckError | undefined;
  lastVerdict: HostKeyVerdict | undefined;

  constructor(private readonly options: HostKeyVerifierOptions) {}

  /**
   * Host key algorithms with the types already recorded for this host first (as OpenSSH does), so a host
   * known by its RSA key is not presented as "unknown" because it also has an Ed25519 key.
   */
  preferredAlgorithms(): string[] {
    const known = knownKeyTypes(this.allEntries(), this.options.host, this.options.port);
    const first = known.flatMap(algorithmsForKeyType).filter((a) => HOST_KEY_ALGORITHMS.includes(a));
    return [...new Set([...first, ...HOST_KEY_ALGORITHMS])];
  }

  /** ssh2's `hostVerifier` callback form. */
  readonly hostVerifier = (key: Buffer, verify: (ok: boolean) => void): void => {
    this.lastError = undefined;
    this.verify(key).then(
      (verdict) => {
        this.lastVerdict = verdict;
        verify(true);
      },
      (e: unknown) => {
        this.lastError = e instanceof VmdeckError ? e : new VmdeckError('INTERNAL', `host key verification failed: ${String(e)}`, undefined, { cause: e });
        verify(false);
      },
    );
  };

  async verify(key: Buffer): Promise<HostKeyVerdict> {
    const o = this.options;
    const keyType = keyTypeOfBlob(key) ?? 'unknown';
    const fingerprint = sha256Fingerprint(key);
    const base = { host: `${o.host}:${o.port}`, keyType, actualFingerprint: fingerprint };

    const app = lookupHostKey(o.appStore.entries(), o.host, o.port, key);
    const user = lookupHostKey(this.userEntries(), o.host, o.port, key);
    if (app.status === 'revoked' || user.status === 'revoked') {
      const entry = app.status === 'revoked' ? app.entry : (user as { entry: KnownHostEntry }).entry;
      throw new VmdeckError('HOST_KEY_REVOKED', `The host key of ${o.host} is marked @revoked in ${entry.source}; refusing to connect.`, {
        ...base,
        notes: [`revoked in ${entry.source}:${entry.line}`],
      });
    }
    if (app.status === 'match') return { fingerprint, keyType, how: 'app-store' };
    if (user.status === 'match') return { fingerprint, keyType, how: 'known' };

    const mismatch = user.status === 'mismatch' ? user : app.status === 'mismatch' ? app : undefined;
    if (mismatch) {
      const expected = mismatch.knownFingerprints.join(', ');
      const details = {
        ...base,
        expectedFingerprint: mismatch.knownFingerprints[0]!,
        notes: [
          `known ${keyType} key(s): ${expected}`,
          ...mismatch.entries.map((e) => `recorded in ${e.source}:${e.line}`),
          'Someone could be eavesdropping (man-in-the-middle), or the host key was changed.',
        ],
      };
      if (o.allowReplace) {
        const answer = await o.prompts.ask(
          {
            hostId: o.hostId,
            kind: 'host-key-mismatch',
            title: `Replace the host key of ${o.host}?`,
            message: `The ${keyType} key presented by ${o.host} differs from the recorded one. Replace it only if you know the host key was changed.`,
            fingerprint,
            expectedFingerprint: details.expectedFingerprint,
            keyType,
          },
          o.signal,
        );
        if (answer.accept && answer.replace === true) {
          o.appStore.replace(o.host, o.port, key);
          return { fingerprint, keyType, how: 'replaced-by-user' };
        }
      }
      throw new VmdeckError('HOST_KEY_MISMATCH', `The host key of ${o.host} has changed (${keyType}). Connection refused.`, details);
    }

    const otherTypes = [...new Set([...(app.status === 'unknown' ? app.otherKeyTypes : []), ...(user.status === 'unknown' ? user.otherKeyTypes : [])])];
    const notes = otherTypes.length > 0 ? [`keys of other types are known for this host: ${otherTypes.join(', ')}`] : [];
    // As OpenSSH warns: a host known by another key type that now offers one we have never seen is not a
    // brand-new host. Say so, and never accept such a key silently (accept-new asks instead).
    const otherTypeWarning =
      otherTypes.length > 0
        ? `Warning: ${o.host} is known by its ${otherTypes.join(', ')} key, but now offers a ${keyType} key, for which no key is recorded. This can follow a server reinstall or upgrade, or be an attacker offering a key type you have not verified. Compare the fingerprint with the host's before trusting it.`
        : undefined;
    switch (otherTypeWarning && o.policy === 'accept-new' ? 'ask' : o.policy) {
      case 'yes':
        throw new VmdeckError('HOST_KEY_UNKNOWN', `The host key of ${o.host} is not known and StrictHostKeyChecking is yes.`, { ...base, notes });
      case 'accept-new':
        o.appStore.add(o.host, o.port, key);
        return { fingerprint, keyType, how: 'accepted-new' };
      case 'ask': {
        const question = `The authenticity of host ${o.host} (port ${o.port}) can't be established. ${keyType} key fingerprint is ${fingerprint}. Trust it and continue?`;
        const answer = await o.prompts.ask(
          {
            hostId: o.hostId,
            kind: 'host-key-unknown',
            title: otherTypeWarning ? `New ${keyType} key for known host ${o.host}` : `Unknown host ${o.host}`,
            message: otherTypeWarning ? `${otherTypeWarning}\n${question}` : question,
            fingerprint,
            keyType,
          },
          o.signal,
        );
        if (!answer.accept) {
          throw new VmdeckError('HOST_KEY_UNKNOWN', `The host key of ${o.host} was not accepted.`, { ...base, notes: [...notes, 'declined by the user'] });
        }
        o.appStore.add(o.host, o.port, key);
        return { fingerprint, keyType, how: 'accepted-by-user' };
      }
    }
  }

  private userEntries(): KnownHostEntry[] {
    const files = [...this.options.userKnownHostsFiles, ...this.options.globalKnownHostsFiles];
    return files.flatMap((f) => readKnownHostsFile(f).entries);
  }

  private allEntries(): KnownHostEntry[] {
    return [...this.options.appStore.entries(), ...this.userEntries()];
  }
}
