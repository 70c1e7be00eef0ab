// clip_tokenizer_hf.js TOKENIZER_JSON CORPUS_TXT - Hugging Face tokenizers
// (npm @anush008/tokenizers, Rust tokenizers under Node) on the corpus lines
// of clip_tokenizer_ref.py marked HF 1: prints "INDEX IDS" per line, the ids
// without the start and end tokens the post-processor adds.
const fs = require('fs');
const { Tokenizer } = require('@anush008/tokenizers');
(async () => {
  const [tj, corpus] = process.argv.slice(2);
  const tk = Tokenizer.fromFile(tj);
  const lines = fs.readFileSync(corpus, 'utf8').split('\n').filter(l => l.length);
  for (let i = 0; i < lines.length; i++) {
    const [hf, hex] = lines[i].split(' ');
    if (hf !== '1') continue;
    const text = hex === '-' ? '' : Buffer.from(hex, 'hex').toString('utf8');
    const ids = (await tk.encode(text, null, { addSpecialTokens: true })).getIds();
    console.log(i + ' ' + ids.slice(1, ids.length - 1).join(' '));
  }
})().catch(e => { console.error(e); process.exit(1); });
