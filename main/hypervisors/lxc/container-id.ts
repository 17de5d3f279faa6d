/**
 * LXC containers have no UUID. vmdeck keys guests by UUID, so a container's id is a name-based UUID
 * (RFC 9562 version 5, SHA-1) of the host's identity, the lxcpath and the container name:
 *
 *   uuidv5(LXC_NAMESPACE, machine-id (or hostname) + "\0" + lxcpath + "\0" + name)
 *
 * Stable across refreshes, reconnects and restarts of vmdeck; the same name in root's and a user's lxcpath
 * are different guests; renaming a container (lxc-copy / lxc-move) makes a new guest. Pure TypeScript:
 * drivers do no I/O of their own and have no Node crypto.
 */
import { VmdeckError } from '../../core/errors';

/** The namespace of vmdeck's LXC container ids (a fixed random UUID). */
export const LXC_NAMESPACE = '6d1a3c52-8f0e-4c8b-9a55-3e7f1b2d4c61';

export function containerUuid(hostIdentity: string, lxcpath: string, name: string): string {
  if (hostIdentity === '') throw new VmdeckError('INTERNAL', 'a container id needs the host identity');
  return uuidV5(LXC_NAMESPACE, `${hostIdentity}\0${lxcpath}\0${name}`);
}

export function uuidV5(namespace: string, name: string): string {
  const ns = namespace.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(ns)) throw new VmdeckError('INVALID_ARGUMENT', `not a UUID: ${namespace}`);
  const nameBytes = new TextEncoder().encode(name);
  const data = new Uint8Array(16 + nameBytes.length);
  for (let i = 0; i < 16; i++) data[i] = parseInt(ns.slice(2 * i, 2 * i + 2), 16);
  data.set(nameBytes, 16);
  const h = sha1(data);
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const hex = Array.from(h.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** SHA-1 (FIPS 180-4); only for name-based UUIDs, not for anything secret. */
export function sha1(message: Uint8Array): Uint8Array {
  const bitLen = message.length * 8;
  const padded = new Uint8Array((((message.length + 8) >> 6) + 1) * 64);
  padded.set(message);
  padded[message.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLen / 2 ** 32));
  view.setUint32(padded.length - 4, bitLen >>> 0);
  let h0 = 0x67452301;
  let h1 = 0xefcdab89;
  let h2 = 0x98badcfe;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0;
  const w = new Uint32Array(80);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + 4 * i);
    for (let i = 16; i < 80; i++) {
      const x = (w[i - 3] as number) ^ (w[i - 8] as number) ^ (w[i - 14] as number) ^ (w[i - 16] as number);
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      const [f, k] = i < 20 ? [(b & c) | (~b & d), 0x5a827999] : i < 40 ? [b ^ c ^ d, 0x6ed9eba1] : i < 60 ? [(b & c) | (b & d) | (c & d), 0x8f1bbcdc] : [b ^ c ^ d, 0xca62c1d6];
      const t = (((a << 5) | (a >>> 27)) + f + e + k + (w[i] as number)) >>> 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) >>> 0;
    h1 = (h1 + b) >>> 0;
    h2 = (h2 + c) >>> 0;
    h3 = (h3 + d) >>> 0;
    h4 = (h4 + e) >>> 0;
  }
  const out = new Uint8Array(20);
  const ov = new DataView(out.buffer);
  [h0, h1, h2, h3, h4].forEach((v, i) => ov.setUint32(4 * i, v));
  return out;
}
