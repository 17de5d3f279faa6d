/** Guests are keyed by host and UUID: names change, Xen domain ids change on every boot. */
export type GuestKey = string;

export function guestKey(hostId: string, uuid: string): GuestKey {
  return `${hostId}\u0000${uuid.toLowerCase()}`;
}

export function splitGuestKey(key: GuestKey): { hostId: string; uuid: string } {
  const i = key.indexOf('\u0000');
  return { hostId: key.slice(0, i), uuid: key.slice(i + 1) };
}
