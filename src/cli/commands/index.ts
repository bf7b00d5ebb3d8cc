import type { CliCommand } from '../command';

/**
 * Every CLI command, one module each in this folder. A command is listed here
 * only once it works end to end.
 */
export async function loadCommands(): Promise<CliCommand[]> {
  const modules = await Promise.all([
    import('./doctor'),
    import('./features'),
    import('./serve'),
    import('./bench'),
    import('./persona-build'),
    import('./train-gan'),
    import('./generate'),
    import('./eval'),
    import('./train-renderer'),
    import('./train-residual'),
    import('./render'),
    import('./quality'),
    import('./demo'),
  ]);
  return modules.map((m) => m.command);
}
