export interface DelayProxy {
  host: string;
  port: number;
  setBlackhole(on: boolean): void;
  readonly blackhole: boolean;
  close(): Promise<void>;
}
export function createDelayProxy(opts: {
  listenHost?: string;
  listenPort?: number;
  targetHost: string;
  targetPort: number;
  delayMs: number;
  blackhole?: boolean;
}): Promise<DelayProxy>;
