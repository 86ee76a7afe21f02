/** The webview side of VS Code's messaging, typed by the protocol. */
import type { WebviewToHost } from '../../src/protocol/messages';
import type { Preferences } from './view/app';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Host {
  post(message: WebviewToHost): void;
  preferences(): Preferences;
  savePreferences(p: Preferences): void;
}

/** acquireVsCodeApi may be called once per page; call this once. */
export function connectHost(): Host {
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    preferences: () => {
      const s = api.getState();
      return s && typeof s === 'object' ? (s as Preferences) : {};
    },
    savePreferences: (p) => api.setState(p),
  };
}
