import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { secureWebPreferences, ELECTRON_CSP, isTrustedSenderUrl, isAllowedNavigation } from '../../../src/main/security';
import { repoRoot } from '../../helpers/repo';

describe('Electron security baseline', () => {
  it('renderer windows are isolated, sandboxed and without Node', () => {
    const prefs = secureWebPreferences('/app/preload.cjs');
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/app/preload.cjs',
    });
  });

  it('the Content-Security-Policy is strict', () => {
    const directives = Object.fromEntries(ELECTRON_CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(ELECTRON_CSP).not.toMatch(/unsafe-eval|\*/);
  });

  it('IPC is answered only for the app’s own page, and navigation elsewhere is blocked', () => {
    const app = 'file:///opt/facial/resources/app/out/renderer/index.html';
    expect(isTrustedSenderUrl(app, app)).toBe(true);
    expect(isTrustedSenderUrl('file:///tmp/evil.html', app)).toBe(false);
    expect(isTrustedSenderUrl('https://example.com/', app)).toBe(false);
    expect(isTrustedSenderUrl('http://localhost:5173/x', 'http://localhost:5173/')).toBe(true);
    expect(isAllowedNavigation('https://example.com/', app)).toBe(false);
    expect(isTrustedSenderUrl('not a url', app)).toBe(false);
  });

  it('the main process applies the baseline to every window and web contents', () => {
    const main = readFileSync(path.join(repoRoot, 'src/main/index.ts'), 'utf8');
    expect(main).toMatch(/webPreferences: secureWebPreferences\(/);
    expect(main).not.toMatch(/new BrowserWindow\([^)]*webPreferences:\s*\{/);
    expect(main).toMatch(/setWindowOpenHandler\([\s\S]*?action: 'deny'/);
    expect(main).toMatch(/'will-navigate'[\s\S]*?preventDefault/);
    expect(main).toMatch(/isTrustedSenderUrl\(senderUrl, rendererUrl\)/);
    expect(main).toMatch(/'Content-Security-Policy': \[ELECTRON_CSP\]/);
    expect(main).toMatch(/setPermissionRequestHandler\(.*callback\(false\)\)/);
  });

  it('the save dialog of an export answers only the app’s own page, and the bridge stays four typed functions', () => {
    const main = readFileSync(path.join(repoRoot, 'src/main/index.ts'), 'utf8');
    expect(main).toMatch(/ipcMain\.handle\(IPC_SAVE_DIALOG, async \(event, raw: unknown\) => \{\s*if \(!isTrustedSenderUrl\(event\.senderFrame\?\.url \?\? '', rendererUrl\)\) return undefined;/);
    const preload = readFileSync(path.join(repoRoot, 'src/preload/index.ts'), 'utf8');
    const exposed = /const bridge: StudioBridge = \{([\s\S]*?)\n\};/.exec(preload)![1];
    expect(exposed.match(/^ {2}(\w+)[:(]/gm)!.map((m) => m.trim().replace(/[:(]$/, ''))).toEqual(['request', 'onEvent', 'fileUrl', 'chooseSavePath']);
  });
});
