/**
 * How a guest is named on the xl command line. xl takes an argument made only of digits as a domain id
 * (without checking it exists) and anything else as an exact name; UUIDs are not accepted. So:
 *  - the name, normally (stable across the refresh→action gap, unlike a domid after a reboot);
 *  - the domid when the name cannot be given safely: all digits ("2024" would address domain 2024), starting
 *    with "-" (xl's getopt would read it as an option), or "(null)" (a dying domain whose name is gone).
 */
import { VmdeckError } from '../../core/errors';
import type { GuestRef } from '../driver';

export function xlDomainArg(guest: GuestRef): string {
  const nameIsSafe = guest.name !== '' && !/^\d+$/.test(guest.name) && !guest.name.startsWith('-') && guest.name !== '(null)';
  if (nameIsSafe) return guest.name;
  if (guest.domId !== null) return String(guest.domId);
  throw new VmdeckError('UNSUPPORTED', `xl cannot address the guest "${guest.name}" by name and it has no domain id`, {
    notes: ['xl reads an all-digit argument as a domain id and a leading "-" as an option.'],
  });
}

/** `xl console` device names: "pv", "serial", "vuart", optionally ":N" for the console number. */
export function xlConsoleArgs(device: string | undefined): string[] {
  if (!device) return [];
  const m = /^(pv|serial|vuart)(?::(\d+))?$/.exec(device);
  if (!m) throw new VmdeckError('INVALID_ARGUMENT', `unknown xl console device "${device}" (pv, serial, vuart, or TYPE:N)`);
  return m[2] !== undefined ? ['-t', m[1] as string, '-n', m[2]] : ['-t', m[1] as string];
}
