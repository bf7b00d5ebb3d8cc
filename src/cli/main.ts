import { loadCommands } from './commands';
import { parseArgs, UsageError, type CliCommand, type CliIO } from './command';
import { createProgressBar } from './progress-bar';
import { UserError, isCancelled } from '../engine/util/errors';
import { systemErrorToUser } from '../engine/util/system-errors';
import { clip } from '../engine/util/confine';
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
    'Errors say what to do; add --debug to any command to also print the stack trace of an internal error (for a bug report).',
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
  const debug = Boolean(args.flags.debug);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nCancelling (Ctrl+C again to quit at once)...\n');
      controller.abort();
    } else process.exit(130);
  };
  // SIGTERM / SIGHUP (a closed terminal, a service manager): cancel the same way, so staging
  // folders, temp MP4s and ffmpeg children are cleaned up; leave after 10 s whatever happens.
  const onTerm = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    process.stderr.write(`\n${sig}: cancelling...\n`);
    controller.abort();
    setTimeout(() => process.exit(sig === 'SIGHUP' ? 129 : 143), 10_000).unref();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onTerm);
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
      io.err(`facial-studio ${cmd.path.join(' ')}: ${clip(err.message, 500)}\nUsage: ${cmd.usage}`);
      return 2;
    }
    if (isCancelled(err)) {
      io.err('Cancelled. Nothing was written.');
      return 130;
    }
    // Permissions, a read-only or full disk, a port in use: a message that says what to do.
    const user = err instanceof UserError ? err : systemErrorToUser(err);
    if (user) {
      if (json) io.out(JSON.stringify({ ok: false, error: { code: user.code, message: user.message, file: user.file, hint: user.hint } }));
      else io.err(`Error: ${clip(user.describe(), 2000)}`);
      if (debug) io.err(String((err as Error)?.stack ?? err));
      return 1;
    }
    // A bug: one line without --debug (the stack is for a bug report), the stack with it.
    if (debug) io.err(`Internal error: ${(err as Error)?.stack ?? String(err)}`);
    else io.err(`Internal error: ${clip((err as Error)?.message ?? String(err), 500)} (this is a bug; run again with --debug for details to report)`);
    return 70;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onTerm);
  }
}
