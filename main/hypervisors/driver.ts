/**
 * One interface, three implementations: libvirt (virsh), Xen (xl, xentop, xenstore) and LXC (lxc-* tools).
 * A driver talks to exactly one host through a CommandRunner and holds no connection of its own.
 * Contract for implementers:
 *  - refresh() issues a fixed number of commands, independent of the number of guests (one bulk command
 *    per refresh: `virsh domstats`, `xl list -l` ...). Never one command per guest.
 *  - Guests are identified by UUID; GuestRef carries name and domain id for toolstacks that need them.
 *  - Every failure is a VmdeckError with a code (NOT_FOUND, PERMISSION_DENIED, INVALID_STATE, UNSUPPORTED,
 *    PARSE_ERROR, COMMAND_FAILED, TIMEOUT ...) keeping the command's stderr in details.
 */
import type { ActionOptions } from '../core/contract';
import type { Disposable, Event } from '../core/lifecycle';
import type { ConsoleDevice, DisplayDevice, Guest, GuestDetails, HostFacts, LifecycleAction, Toolstack } from '../core/models';

export interface GuestRef {
  uuid: string;
  name: string;
  domId: number | null;
}

export interface RefreshResult {
  /** hostId is filled in by the inventory; drivers may leave it ''. cpuPercent may be null (computed upstream). */
  guests: Guest[];
  facts: HostFacts;
}

/**
 * Something changed on the host. Every hint triggers one debounced bulk refresh of the host (drivers never
 * refresh one guest), so a hint carries only what is worth showing: the guest's name when the event names
 * it, and the raw line.
 */
export interface ChangeHint {
  name?: string;
  /** The raw event line, for the activity log. */
  detail?: string;
}

/** A pushed-event subscription. `onDidClose` fires when the stream ends (the caller falls back to polling). */
export interface ChangeWatch extends Disposable {
  readonly onDidClose: Event<void>;
}

export interface HypervisorDriver extends Disposable {
  readonly toolstack: Toolstack;
  /** Human-readable description of the connection in use (libvirt URI, "xl"). */
  readonly target: string;
  refresh(): Promise<RefreshResult>;
  /**
   * Start pushed change notifications (`virsh event --all --loop`, `xenstore-watch`). The inventory polls
   * at the host's interval whatever the stream sees (statistics need it, and xenstore does not announce
   * pause/unpause), so a stream only makes changes show sooner.
   */
  watch(onChange: (hint: ChangeHint) => void): Promise<ChangeWatch>;
  /** `signal` interrupts the waits an action does after its command (a shutdown's wait for power-off). */
  action(guest: GuestRef, action: LifecycleAction, options?: ActionOptions, signal?: AbortSignal): Promise<void>;
  details(guest: GuestRef): Promise<GuestDetails>;
  consoleDevices(guest: GuestRef): Promise<ConsoleDevice[]>;
  /** The argument vector that attaches to a guest's console (run in a PTY channel). */
  consoleCommand(guest: GuestRef, device?: string): readonly string[];
  /**
   * The guest's graphical consoles (VNC, SPICE) as they listen now: libvirt's live XML, xl's xenstore.
   * Empty when the guest has none or is not running. Drivers without graphical consoles leave it out.
   */
  displays?(guest: GuestRef): Promise<DisplayDevice[]>;
}

export interface DetectionResult {
  toolstack: Toolstack;
  /** libvirt only: the URI chosen and why ("configured", "LIBVIRT_DEFAULT_URI", "uri_default", "qemu:///system reachable", "fallback to session"). */
  libvirtUri?: string;
  libvirtUriSource?: string;
  warnings: string[];
}
