import { loadCommands } from './commands';
import { parseArgs, UsageError, type CliCommand, type CliIO } from './command';
import { createProgressBar } from './progress-bar';
import { UserError, isCancelled } from '../engine/util/errors';
import { appVersion } from '../host/app-info';

function usage(commands: CliCommand[]): string {
  const rows = commands.map((c) => `  ${c.path.join(' ').padEnd(18)} ${c.summary}`);
  return [
    `facial-studio ${appVersion()}: audio to talking-head video (FACIAL), locally.`,
    '',
    'Usage: facial-studio <command> [options]',
    '',
    'Commands:',
    ...rows,
    '',
    'Run `facial-studio <command> --help` for the options of one command.',
  ].join('\n');
}

/** Finds the command whose path is the longest prefix of the positionals. */
function match(commands: CliCommand[], words: string[]): CliCommand | undefined {
  return commands
    .filter((c) => c.path.every((w, i) => words[i] === w))
    .sort((a, b) => b.path.length - a.path.length)[0];
}

export async function main(argv: string[]): Promise<number> {
  const commands = await loadCommands();
  const args = parseArgs(argv);
  const cmd = match(commands, args.positionals);
  if (!cmd) {
    if (args.positionals.length === 0 || args.flags.help || args.positionals[0] === 'help') {
      console.log(usage(commands));
      return 0;
    }
    console.error(`Unknown command "${args.positionals.join(' ')}".\n\n${usage(commands)}`);
    return 2;
  }
  if (args.flags.help) {
    console.log(`${cmd.summary}\n\nUsage: ${cmd.usage}`);
    return 0;
  }
  const rest = { ...args, positionals: args.positionals.slice(cmd.path.length) };
  const json = Boolean(args.flags.json);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nCancelling (Ctrl+C again to quit at once)...\n');
      controller.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  const io: CliIO = {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    progress: (label) => createProgressBar(label, process.stderr, !json),
    withProgress: async (label, work) => {
      const bar = createProgressBar(label, process.stderr, !json);
      try {
        return await work(bar.onProgress);
      } finally {
        bar.done();
      }
    },
    signal: controller.signal,
    json,
  };
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`facial-studio ${cmd.path.join(' ')}: ${err.message}\nUsage: ${cmd.usage}`);
      return 2;
    }
    if (isCancelled(err)) {
      io.err('Cancelled. Nothing was written.');
      return 130;
    }
    if (err instanceof UserError) {
      if (json) io.out(JSON.stringify({ ok: false, error: { code: err.code, message: err.message, file: err.file, hint: err.hint } }));
      else io.err(`Error: ${err.describe()}`);
      return 1;
    }
    io.err(`Internal error: ${(err as Error)?.stack ?? String(err)}`);
    return 70;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
