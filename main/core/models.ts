/**
 * The domain model shared by every layer: hosts, guests, details. Plain data only (it crosses IPC).
 * Guests are keyed by UUID: names can change and Xen domain ids change on every boot.
 */

export type Toolstack = 'libvirt' | 'xen' | 'lxc';

/** A virtual machine (libvirt, Xen) or a system container (LXC, libvirt-lxc). */
export type GuestKind = 'vm' | 'container';

/** The guest's kind; guests from before the kind existed are VMs. */
export function guestKind(g: { kind?: GuestKind }): GuestKind {
  return g.kind ?? 'vm';
}

/** Normalised guest state; drivers map virsh/xl states onto these. */
export const GUEST_STATES = [
  'running',
  'blocked',
  'paused',
  'shutdown', // shutting down
  'shutoff',
  'crashed',
  'dying',
  'pmsuspended',
  'unknown',
] as const;
export type GuestState = (typeof GUEST_STATES)[number];

export interface Guest {
  hostId: string;
  uuid: string;
  name: string;
  /** Hypervisor domain id while active (libvirt id, Xen domid); null when not running. */
  domId: number | null;
  state: GuestState;
  /** Reason as the hypervisor words it (libvirt state reason, Xen shutdown reason), if known. */
  stateReason?: string;
  vcpus: number;
  maxVcpus?: number;
  /** KiB. */
  memoryKiB: number;
  maxMemoryKiB: number;
  /** Cumulative CPU time in nanoseconds. */
  cpuTimeNs: number;
  /** CPU usage over the last refresh interval, 0..100*vcpus; null until two samples exist. */
  cpuPercent: number | null;
  autostart: boolean | null;
  persistent: boolean;
  hasManagedSave?: boolean;
  osType?: string;
  arch?: string;
  /** Seconds since the guest was started, if known. */
  uptimeSec?: number | null;
  /** Xen: the Domain-0 / control domain, which has no lifecycle actions. */
  isControlDomain?: boolean;
  /** Every driver sets it; absent means 'vm' (see guestKind). */
  kind?: GuestKind;
}

export interface HostFacts {
  hostname?: string;
  cpus: number;
  memoryKiB: number;
  freeMemoryKiB: number;
  hypervisor: string;
  hypervisorVersion?: string;
  /** libvirt URI in use, when the toolstack is libvirt. */
  uri?: string;
  /** 0..100 over the last interval, null until known. */
  cpuPercent: number | null;
  memoryUsedPercent: number | null;
}

export interface GuestDiff {
  hostId: string;
  added: Guest[];
  /** UUIDs of guests that disappeared. */
  removed: string[];
  changed: Guest[];
}

export const LIFECYCLE_ACTIONS = [
  'start',
  'shutdown',
  'reboot',
  'destroy', // force off
  'reset',
  'pause',
  'resume',
  'save',
  'restore',
  'autostart-on',
  'autostart-off',
] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

export interface DiskDevice {
  device: string; // disk, cdrom, floppy, lun
  target?: string; // vda, xvda, hda
  bus?: string;
  source?: string; // file path, block device, volume
  format?: string;
  readonly?: boolean;
}

export interface NicDevice {
  mac?: string;
  type?: string; // network, bridge, user, direct ...
  source?: string; // network or bridge name
  model?: string;
  target?: string; // vif name on host
}

export interface ConsoleDevice {
  /** 'serial' | 'console' | 'pv' | 'vuart' ... */
  kind: string;
  /** The name to give to the console command (libvirt alias or devname, xl -t type / -n num). */
  devName: string;
  targetType?: string; // serial, virtio, xen
  port?: number;
  label: string;
}

export interface GraphicsDevice {
  type: string; // vnc, spice
  port?: number;
  listen?: string;
}

export interface GuestDetails {
  hostId: string;
  uuid: string;
  name: string;
  toolstack: Toolstack;
  osType?: string; // hvm, xen/pv, pvh, linux, exe
  arch?: string;
  machine?: string;
  firmware?: string; // bios, efi, pvgrub ...
  vcpus: number;
  maxVcpus?: number;
  memoryKiB: number;
  maxMemoryKiB: number;
  bootOrder: string[];
  disks: DiskDevice[];
  nics: NicDevice[];
  consoles: ConsoleDevice[];
  graphics: GraphicsDevice[];
  /** The configuration as the toolstack returns it: libvirt XML, xl JSON or the LXC config file. */
  raw: string;
  rawFormat: 'xml' | 'json' | 'lxc-config';
  kind?: GuestKind;
  /** Containers: the root filesystem ("dir:/var/lib/lxc/web/rootfs"). */
  rootfs?: string;
  /** Containers: bind and other mounts of the config (lxc.mount.entry, fstab syntax). */
  mounts?: MountEntry[];
  /** Containers: cgroup limits of the config, key without the lxc.cgroup./lxc.cgroup2. prefix ("memory.max" -> "64M"). */
  limits?: ResourceLimit[];
}

export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
  options: string;
}

export interface ResourceLimit {
  /** "memory.limit_in_bytes", "cpuset.cpus", "pids.max" ... */
  key: string;
  value: string;
  /** 'cgroup' (v1) or 'cgroup2'. */
  hierarchy: 'cgroup' | 'cgroup2';
}

// ---------------------------------------------------------------------------------------------------
// Graphical consoles (displays)

/** Where a display listens, as seen from the hypervisor host. */
export type DisplayEndpoint = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export interface DisplayDevice {
  /** Position among the guest's graphics devices (the `index` given to displays.open). */
  index: number;
  /** 'vnc' | 'spice' | what the toolstack reports. Only VNC is shown in the app; SPICE goes to an external viewer. */
  protocol: string;
  /** Absent while the guest is not running or the port is not assigned yet (autoport). */
  endpoint?: DisplayEndpoint;
  /** The display asks for a password (VNC authentication). The password itself is never read or kept. */
  hasPassword: boolean;
  autoport?: boolean;
  /** Short description for the UI: "VNC 127.0.0.1:5900", "VNC socket .../vnc.sock", "SPICE 5901". */
  label: string;
}
