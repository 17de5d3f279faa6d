/**
 * IPC channel names shared by main (ipc.ts) and the preload. Pure constants: no electron import, so the
 * preload bundle can include this file.
 */
export const CHANNEL_PREFIX = 'vmdeck:';
/** main -> renderer: (eventName, payload) for every contract event. */
export const EVENT_CHANNEL = 'vmdeck:event';
/** renderer -> main: one invoke channel per contract method. */
export const methodChannel = (method: string): string => CHANNEL_PREFIX + method;
