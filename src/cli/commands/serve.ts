import path from 'node:path';
import { existsSync } from 'node:fs';
import type { CliCommand } from '../command';
import { flagNumber, flagString } from '../command';
import { ApiHost } from '../../host/api-host';
import { startWebServer } from '../../host/web-server';
import { nodeJobLauncher } from '../../host/launcher';
import { appRoot } from '../../host/app-info';
import { ensureWebBuild } from '../../host/web-build';
import { LIMITS } from '../../shared/limits';

export const command: CliCommand = {
  path: ['serve'],
  summary: 'Browser mode: serve the studio on 127.0.0.1 and print its URL',
  usage: 'facial-studio serve [--port N] [--rebuild] [--projects DIR]',
  async run(args, io) {
    const port = flagNumber(args, 'port', 0, LIMITS.port);
    const staticDir = path.join(appRoot(), 'dist-web');
    if (args.flags.rebuild || !existsSync(path.join(staticDir, 'index.html'))) {
      io.err('Building the studio UI (once)...');
      await ensureWebBuild(staticDir);
    }
    const host = new ApiHost({ mode: 'browser', launcher: nodeJobLauncher(), projectsDir: flagString(args, 'projects') });
    let server;
    try {
      server = await startWebServer({ host, staticDir, port });
    } catch (err) {
      await host.close();
      throw err;
    }
    io.out(`FACIAL Studio is running in browser mode.`);
    io.out(`Open: ${server.openUrl}`);
    io.out('(Only this machine can connect; the token in the link is the session key. Ctrl+C stops.)');
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    await host.close();
    return 0;
  },
};
