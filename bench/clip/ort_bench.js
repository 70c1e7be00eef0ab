// ort_bench.js MODEL.onnx PIXELS.npy THREADS REPEAT OUT.f32 - ONNX Runtime
// (npm onnxruntime-node, CPU execution provider, all graph optimisations)
// on a float32 (n, 3, S, S) .npy; prints one JSON line, writes raw outputs.
const fs = require('fs');
const ort = require('onnxruntime-node');

function readNpy(path) {
  const b = fs.readFileSync(path);
  const hlen = b.readUInt16LE(8);
  const header = b.toString('latin1', 10, 10 + hlen);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter(s => s.trim()).map(Number);
  const off = 10 + hlen;
  const data = new Float32Array(b.buffer.slice(b.byteOffset + off, b.byteOffset + b.length));
  return { shape, data };
}

(async () => {
  const [model, npy, threads, repeat, out] = process.argv.slice(2);
  const sess = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads), interOpNumThreads: 1,
    graphOptimizationLevel: 'all', executionMode: 'sequential' });
  const x = readNpy(npy);
  const feeds = { pixels: new ort.Tensor('float32', x.data, x.shape) };
  let best = 1e30, res;
  await sess.run(feeds);  // warm-up
  for (let r = 0; r < Number(repeat); r++) {
    const t0 = process.hrtime.bigint();
    res = await sess.run(feeds);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (dt < best) best = dt;
  }
  fs.writeFileSync(out, Buffer.from(res.vec.data.buffer));
  console.log(JSON.stringify({ images: x.shape[0], seconds: best, images_per_s: x.shape[0] / best,
                               ort_version: require('onnxruntime-node/package.json').version }));
})();
