// text_ort.js MODEL.onnx IDS.i32 N THREADS REPEAT OUT.f32 - ONNX Runtime
// (npm onnxruntime-node, CPU EP, all graph optimisations) on N rows of raw
// int32 token ids (N, 77), fed as int64; prints one JSON line, writes the outputs.
const fs = require('fs');
const ort = require('onnxruntime-node');
(async () => {
  const [model, idsPath, n, threads, repeat, out] = process.argv.slice(2);
  const N = Number(n), T = 77;
  const sess = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads), interOpNumThreads: 1,
    graphOptimizationLevel: 'all', executionMode: 'sequential' });
  const b = fs.readFileSync(idsPath);
  const i32 = new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + N * T * 4));
  const ids = BigInt64Array.from(i32, v => BigInt(v));
  const feeds = { ids: new ort.Tensor('int64', ids, [N, T]) };
  let best = 1e30, res;
  await sess.run(feeds);  // warm-up
  for (let r = 0; r < Number(repeat); r++) {
    const t0 = process.hrtime.bigint();
    res = await sess.run(feeds);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (dt < best) best = dt;
  }
  fs.writeFileSync(out, Buffer.from(res.vec.data.buffer));
  console.log(JSON.stringify({ texts: N, threads: Number(threads), best_s: best, texts_per_s: N / best }));
})().catch(e => { console.error(e); process.exit(1); });
