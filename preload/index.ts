/**
 * The preload: exposes exactly the contract as `window.vmdeck` (see bridge.ts), nothing generic: no
 * ipcRenderer, no arbitrary channel. Built as CommonJS (sandboxed preloads cannot load ES modules) and
 * self-contained: the only module it requires at run time is 'electron'.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridgeApi } from './bridge';

const api = createBridgeApi(ipcRenderer, {
  hasUserActivation: () => {
    const activation = (globalThis.navigator as (Navigator & { userActivation?: { isActive: boolean } }) | undefined)
      ?.userActivation;
    // Chromium has had navigator.userActivation for years; without it, fall back to main's own checks.
    return activation === undefined ? true : activation.isActive;
  },
  reportListenerError: (error) => console.error('vmdeck: event listener failed', error),
});

contextBridge.exposeInMainWorld('vmdeck', api);
