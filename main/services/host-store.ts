/**
 * The user's hosts, persisted as versioned JSON (`hosts.json`) in the config directory.
 * Version 1 is the first format; `migrate` is where later versions upgrade older files.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { VmdeckError } from '../core/errors';
import { HostInputSchema, type HostConfig, type HostInput } from '../core/contract';
import { corruptNotice, readJsonFile, writeJsonAtomic, type StoreNotice } from './json-file';

export const HOSTS_FILE_VERSION = 1;

const StoredHost = HostInputSchema.extend({ id: z.string().min(1) });
const HostsFileSchema = z.object({ version: z.literal(HOSTS_FILE_VERSION), hosts: z.array(StoredHost) });

export class HostStore {
  private hosts: HostConfig[] = [];
  readonly path: string;
  /** Set when the file on disk was corrupt and has been moved aside (never overwritten). */
  readonly notice: StoreNotice | undefined;

  /** Throws PERMISSION_DENIED / CONFIG_ERROR naming the file when it exists but cannot be read. */
  constructor(configDir: string) {
    this.path = join(configDir, 'hosts.json');
    const read = readJsonFile(this.path, HostsFileSchema);
    if (read.kind === 'ok') this.hosts = read.value.hosts;
    this.notice = corruptNotice(this.path, read, 'vmdeck started with no hosts.');
  }

  list(): HostConfig[] {
    return this.hosts.map((h) => ({ ...h }));
  }

  get(id: string): HostConfig {
    const h = this.hosts.find((x) => x.id === id);
    if (!h) throw new VmdeckError('NOT_FOUND', `no host with id ${id}`);
    return { ...h };
  }

  add(input: HostInput): HostConfig {
    const parsed = HostInputSchema.parse(input);
    this.assertUniqueName(parsed.name);
    const host: HostConfig = { ...parsed, id: randomUUID() };
    this.hosts.push(host);
    this.save();
    return { ...host };
  }

  update(id: string, input: HostInput): HostConfig {
    const index = this.hosts.findIndex((x) => x.id === id);
    if (index < 0) throw new VmdeckError('NOT_FOUND', `no host with id ${id}`);
    const parsed = HostInputSchema.parse(input);
    this.assertUniqueName(parsed.name, id);
    const host: HostConfig = { ...parsed, id };
    this.hosts[index] = host;
    this.save();
    return { ...host };
  }

  remove(id: string): void {
    const before = this.hosts.length;
    this.hosts = this.hosts.filter((h) => h.id !== id);
    if (this.hosts.length === before) throw new VmdeckError('NOT_FOUND', `no host with id ${id}`);
    this.save();
  }

  private assertUniqueName(name: string, exceptId?: string): void {
    if (this.hosts.some((h) => h.name === name && h.id !== exceptId)) {
      throw new VmdeckError('ALREADY_EXISTS', `a host named "${name}" already exists`);
    }
  }

  private save(): void {
    writeJsonAtomic(this.path, { version: HOSTS_FILE_VERSION, hosts: this.hosts });
  }
}
