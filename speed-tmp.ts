import { extractAudioFeatures } from './src/engine/audio';
import { generateFromFeatures, loadGanPersona } from './src/engine/gan';
(async () => {
  const p = await loadGanPersona('/tmp/gan-work/aoc');
  const a = await extractAudioFeatures('/work/shared/data/obama2.wav', { fps: 25 });
  const T = 1500;
  const rep = (x: Float32Array, per: number) => { const o = new Float32Array(T * per); for (let t = 0; t < T; t++) o.set(x.subarray((t % a.frameCount) * per, (t % a.frameCount + 1) * per), t * per); return o; };
  const audio = { frameCount: T, features: rep(a.features, 464), speech: rep(a.speech, 1), rmsDb: rep(a.rmsDb, 1), encoderId: a.encoderId };
  for (const implicit of ['auto', 'model'] as const) {
    const t00 = performance.now();
    await generateFromFeatures(p, audio, { implicit });
    const first = (performance.now() - t00) / 1000;
    const times: number[] = [];
    for (let i = 0; i < 5; i++) { const t0 = performance.now(); await generateFromFeatures(p, audio, { implicit }); times.push((performance.now() - t0) / 1000); }
    times.sort();
    console.log(implicit, '60 s of audio: first call', first.toFixed(3), 's; then median', times[2].toFixed(3), 's =', (60 / times[2]).toFixed(0), 'x real time');
  }
})();
