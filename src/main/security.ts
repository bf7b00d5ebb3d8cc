import type { WebPreferences } from 'electron';

/**
 * The Electron security baseline, in one place so a test can assert it:
 * isolated, sandboxed renderer without Node; a strict CSP; no navigation or new
 * windows; IPC answered only for our own renderer.
 */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
  };
}

export const ELECTRON_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: studio-file:; media-src 'self' blob: studio-file:; connect-src 'self' studio-file:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** The renderer is loaded from this origin (file:// in production, the dev server in development). */
export function isTrustedSenderUrl(senderUrl: string, rendererUrl: string): boolean {
  try {
    const a = new URL(senderUrl);
    const b = new URL(rendererUrl);
    if (a.protocol === 'file:' && b.protocol === 'file:') return a.pathname === b.pathname;
    return a.origin === b.origin;
  } catch {
    return false;
  }
}

/** Navigation away from the app's own page is never allowed. */
export function isAllowedNavigation(targetUrl: string, rendererUrl: string): boolean {
  return isTrustedSenderUrl(targetUrl, rendererUrl);
}
