/** Hosts that live for one run only (the CLI's `--ssh-config FILE`). */
import { randomUUID } from 'node:crypto';
import { HostInputSchema, type HostConfig, type HostInput } from '../core/contract';
import { VmdeckError } from '../core/errors';
import type { HostCatalog } from './host-registry';

export class MemoryHostCatalog implements HostCatalog {
  private hosts: HostConfig[] = [];

  list(): HostConfig[] {
    return [...this.hosts];
  }

  add(input: HostInput): HostConfig {
    const host = { ...HostInputSchema.parse(input), id: randomUUID() };
    this.hosts.push(host);
    return host;
  }

  update(id: string, input: HostInput): HostConfig {
    const i = this.hosts.findIndex((h) => h.id === id);
    if (i < 0) throw new VmdeckError('NOT_FOUND', `no host with id ${id}`);
    const host = { ...HostInputSchema.parse(input), id };
    this.hosts[i] = host;
    return host;
  }

  remove(id: string): void {
    this.hosts = this.hosts.filter((h) => h.id !== id);
  }
}
