#!/usr/bin/python3
"""clip_tokenizer_ref.py OUTDIR - reference for tests/test_features_clip_tokenizer.c.

1. Learns a small byte-level BPE (400 merges) on a training text, exactly as
   CLIP's vocabulary is laid out (openai/CLIP simple_tokenizer.py: the 256
   byte symbols, the same with "</w>", one token per merge, then
   <|startoftext|> and <|endoftext|>), and writes it in the three layouts
   embscope reads: OUTDIR/bpe.txt.gz (OpenAI's bpe_simple_vocab_16e6 format),
   OUTDIR/vocab.json + OUTDIR/merges.txt, OUTDIR/tokenizer.json (Hugging
   Face's CLIP layout: NFC + \\s+ -> " " + Lowercase, the Split pattern,
   ByteLevel, RobertaProcessing, BPE with end_of_word_suffix "</w>").
2. Tokenises a corpus (Unicode, emoji, numbers, punctuation, contractions,
   HTML entities, white space, special tokens, over-long inputs) with a
   re-implementation of simple_tokenizer.SimpleTokenizer.encode (the same
   regex with the `regex` module, html.unescape twice, whitespace_clean,
   lower(), the BPE loop of simple_tokenizer.bpe); of ftfy.fix_text only its
   NFC step (unicodedata; ftfy is not installed, and Hugging Face's
   tokenizer.json does NFC alone) - and writes
   OUTDIR/corpus.txt: one line per text, "HF HEX IDS" with HF 1 when the
   Hugging Face tokenizer must agree (no HTML entity, no text where the two
   references differ), HEX the UTF-8 bytes, IDS the BPE ids without start /
   end tokens, space separated.
Versions: printed on stderr.
"""
import gzip, html, json, os, sys, unicodedata
import regex as re

PAT = re.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
                 re.IGNORECASE)


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


B2U = bytes_to_unicode()


def basic_clean(text):   # simple_tokenizer.basic_clean; of ftfy.fix_text only its NFC step
    text = unicodedata.normalize("NFC", text)
    text = html.unescape(html.unescape(text))
    return text.strip()


def whitespace_clean(text):
    text = re.sub(r"\s+", " ", text)
    return text.strip()


def get_pairs(word):
    return {(word[i], word[i + 1]) for i in range(len(word) - 1)}


class SimpleTokenizer:
    """simple_tokenizer.SimpleTokenizer, vocabulary from a merges list."""
    def __init__(self, merges):
        vocab = list(B2U.values())
        vocab = vocab + [v + "</w>" for v in vocab]
        for m in merges:
            vocab.append("".join(m))
        vocab.extend(["<|startoftext|>", "<|endoftext|>"])
        self.encoder = dict(zip(vocab, range(len(vocab))))
        self.bpe_ranks = dict(zip(merges, range(len(merges))))
        self.cache = {"<|startoftext|>": "<|startoftext|>", "<|endoftext|>": "<|endoftext|>"}

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        pairs = get_pairs(word)
        if not pairs:
            return token + "</w>"
        while True:
            bigram = min(pairs, key=lambda pair: self.bpe_ranks.get(pair, float("inf")))
            if bigram not in self.bpe_ranks:
                break
            first, second = bigram
            new_word = []
            i = 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                    new_word.extend(word[i:j])
                    i = j
                except ValueError:
                    new_word.extend(word[i:])
                    break
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new_word.append(first + second); i += 2
                else:
                    new_word.append(word[i]); i += 1
            word = tuple(new_word)
            if len(word) == 1:
                break
            pairs = get_pairs(word)
        word = " ".join(word)
        self.cache[token] = word
        return word

    def encode(self, text):
        bpe_tokens = []
        text = whitespace_clean(basic_clean(text)).lower()
        for token in re.findall(PAT, text):
            token = "".join(B2U[b] for b in token.encode("utf-8"))
            bpe_tokens.extend(self.encoder[t] for t in self.bpe(token).split(" "))
        return bpe_tokens


TRAIN = """A photo of a dog. A photo of a cat. a red car parked on the street; the cars are red!
There's a man riding a horse, and they're happy. We've seen it; I'll go, you'd say I'm late.
Two dogs playing in the snow, three birds on a wire, 2024 was a year. The quick brown fox jumps over the lazy dog.
Café crème, naïve façade, Straße, déjà vu, Ελληνικά, русский текст, 日本語のテキスト, 中文文本, 한국어, עברית, العربية.
Emoji: 😀 🐶 🚗 👍🏽 ❤️ 🇫🇷 and symbols like © ® ™ € £ ¥ — – … “quotes” ‘single’.
""" * 3


def learn_merges(text, n_merges):
    """Plain BPE learning (Sennrich et al. 2016) over simple_tokenizer's pre-tokens; ties by first seen."""
    words = {}
    for token in re.findall(PAT, whitespace_clean(text).lower()):
        token = "".join(B2U[b] for b in token.encode("utf-8"))
        w = tuple(token[:-1]) + (token[-1] + "</w>",)
        words[w] = words.get(w, 0) + 1
    merges = []
    for _ in range(n_merges):
        counts = {}
        for w, c in words.items():
            for i in range(len(w) - 1):
                counts[(w[i], w[i + 1])] = counts.get((w[i], w[i + 1]), 0) + c
        if not counts:
            break
        best = max(counts.items(), key=lambda kv: kv[1])[0]
        merges.append(best)
        new = {}
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1]); i += 2
                else:
                    out.append(w[i]); i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + c
        words = new
    return merges


CORPUS = [
    "a photo of a dog.", "A Photo Of A DOG!", "a red car", "  leading and trailing spaces  ",
    "tabs\tand\nnewlines\r\nand\u00a0no-break\u2003em space", "", "   ", "x",
    "it's they're we've I'll you'd I'm don't 'tis rock'n'roll o'clock ''s '''", "IT'S THEY'RE WE'VE",
    "numbers 1234567890 3.14159 -42 1e10 ١٢٣ ½ ² Ⅻ", "2024-12-01T18:00:00Z", "$100.00, 50% off!!!",
    "punctuation: ...,;:!?()[]{}<>@#$%^&*-_=+|\\/~`\"", "a--b__c..d", "email me: someone@example.com",
    "Café crème naïve façade Straße déjà vu", "ΕΛΛΗΝΙΚΆ Ελληνικά", "Русский ТЕКСТ", "日本語のテキスト、カタカナ。",
    "中文文本，标点！", "한국어 문장", "עברית", "العربية", "हिन्दी", "ภาษาไทย",
    "emoji 😀🐶🚗 👍🏽 ❤️ 🇫🇷 👨‍👩‍👧", "🐶🐶🐶🐶🐶🐶", "symbols © ® ™ € £ ¥ — – … “quotes” ‘single’",
    "<|startoftext|>hello<|endoftext|>", "a <|endoftext|> b", "mixed\u0301 combining e\u0301",
    "zero\u200bwidth", "\u1112\u1161\u11ab\uae00 a\u0323\u0302 a\u0302\u0323 \u212b \u0344 o\u0308\u0304 \u0958 x\u0301\u0301", "\u2028line\u2029para", "ÀÉÎÕÜ ÇÑ", "İstanbul", "Ǆ ǅ ǆ ﬁ ﬀ",
    "The quick brown fox jumps over the lazy dog. " * 20, "supercalifragilisticexpialidocious" * 8,
    "a" * 300, "1" * 100, "!" * 200, " ".join(str(i) for i in range(120)),
    # HTML entities (html.unescape twice): Hugging Face's tokenizer does not unescape
    "&amp; &lt;b&gt;bold&lt;/b&gt; &quot;q&quot; &#39;s &#x27;t", "&amp;amp; double &amp;lt;", "&eacute;t&eacute; &Eacute;",
    "&notit; &notin; &copy2024 &nbsp;x &#0; &#128; &#x110000; &#xD800; &#1; &#65&#66 &bogus; &;", "AT&T R&D &",
    # the references differ: ſ after ' (re.IGNORECASE), final sigma
    "it'ſ", "ΟΔΟΣ Σ ΣΑ",
]
HF_OK = lambda s: "&" not in s and "ſ" not in s and "Σ" not in s and "<|" not in s


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    merges = learn_merges(TRAIN, 400)
    tok = SimpleTokenizer(merges)
    with gzip.open(os.path.join(out, "bpe.txt.gz"), "wt", encoding="utf-8") as f:
        f.write('"bpe_simple_vocab test"\n' + "\n".join(" ".join(m) for m in merges) + "\n")
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(tok.encoder, f, ensure_ascii=False)
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n")
    sot, eot = tok.encoder["<|startoftext|>"], tok.encoder["<|endoftext|>"]
    special = lambda i, c: {"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
                            "normalized": True, "special": True}
    tj = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [special(sot, "<|startoftext|>"), special(eot, "<|endoftext|>")],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"}, {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}, {"type": "Lowercase"}]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": PAT.pattern}, "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "RobertaProcessing", "sep": ["<|endoftext|>", eot], "cls": ["<|startoftext|>", sot],
                           "trim_offsets": False, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<|endoftext|>", "continuing_subword_prefix": "",
                  "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False,
                  "vocab": tok.encoder, "merges": [" ".join(m) for m in merges]},
    }
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False)
    with open(os.path.join(out, "corpus.txt"), "w") as f:
        for s in CORPUS:
            ids = tok.encode(s)
            f.write("%d %s %s\n" % (HF_OK(s), s.encode("utf-8").hex() or "-", " ".join(map(str, ids))))
    print("python %s, regex %s, %d merges, vocab %d, %d texts" % (sys.version.split()[0], re.__version__, len(merges),
                                                                  len(tok.encoder), len(CORPUS)), file=sys.stderr)


if __name__ == "__main__":
    main()
