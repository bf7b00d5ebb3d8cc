// A job process that speaks the JobManager protocol (src/host/job-messages.ts) with
// scripted behaviour, to test the manager's handling of progress, cancel and crashes.
import type { JobChildMessage, JobParentMessage } from '../../src/host/job-messages';

const send = (m: JobChildMessage) => process.send!(m);
const mode = process.env.FAKE_JOB_MODE ?? 'ok';
let cancelled = false;
process.on('message', (m: JobParentMessage) => {
  if (m.type === 'cancel') cancelled = true;
  if (m.type === 'start') void run();
});
async function run() {
  // 'hang': a stage that never looks at its signal (the manager must kill it).
  if (mode === 'hang') return void setInterval(() => undefined, 1000);
  for (let i = 1; i <= 10; i++) {
    await new Promise((r) => setTimeout(r, mode === 'slow' || mode === 'ignore-cancel' ? 200 : 20));
    if (cancelled && mode !== 'ignore-cancel') {
      send({ type: 'cancelled' });
      process.exit(0);
    }
    if (mode === 'crash' && i === 3) process.exit(3);
    if (mode === 'fail' && i === 2) {
      send({ type: 'failed', error: { code: 'bad-input', message: 'The input is bad.', hint: 'Use a good one.' } });
      process.exit(0);
    }
    send({ type: 'progress', progress: { stage: i < 5 ? 'first' : 'second', fraction: i / 10, message: `step ${i}` } });
  }
  send({ type: 'done', result: { answer: 42 } });
  setTimeout(() => process.exit(0), 20);
}
send({ type: 'ready' });
