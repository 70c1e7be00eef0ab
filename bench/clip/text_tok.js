// text_tok.js TOKENIZER_JSON CORPUS REPEAT [IDS_OUT] - Hugging Face tokenizers (npm
// @anush008/tokenizers, Rust) on every line of CORPUS with one encodeBatch
// call (run with TOKENIZERS_PARALLELISM=false RAYON_NUM_THREADS=1: one
// thread, and no per-line crossing of the JS binding), best of REPEAT;
// prints tokens/s as one JSON line; with IDS_OUT, the ids of each line
// (space-separated, a line per text) go there, for text_report.py.
const fs = require('fs');
const { Tokenizer } = require('@anush008/tokenizers');
(async () => {
  const [tj, corpus, repeat, idsOut] = process.argv.slice(2);
  const tk = Tokenizer.fromFile(tj);
  const lines = fs.readFileSync(corpus, 'utf8').split('\n').filter(l => l.length);
  let best = 1e30, tokens = 0, enc = null;
  for (let r = 0; r < Number(repeat); r++) {
    tokens = 0;
    const t0 = process.hrtime.bigint();
    enc = await tk.encodeBatch(lines, { addSpecialTokens: false });
    for (const e of enc) tokens += e.getLength();
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (dt < best) best = dt;
  }
  if (idsOut) fs.writeFileSync(idsOut, enc.map(e => Array.from(e.getIds()).join(' ') + '\n').join(''));
  console.log(JSON.stringify({ lines: lines.length, tokens, best_s: best, tokens_per_s: tokens / best }));
})().catch(e => { console.error(e); process.exit(1); });
