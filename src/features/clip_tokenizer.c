/* clip_tokenizer.c - CLIP's byte-level BPE tokenizer (Radford et al. 2021;
 * openai/CLIP simple_tokenizer.py, which the Hugging Face CLIPTokenizer and
 * its tokenizer.json reproduce). Text -> ids:
 *   1. clean: NFC, html.unescape twice, strip, every run of white space -> one
 *      space, strip, str.lower() (simple_tokenizer's basic_clean,
 *      whitespace_clean, lower);
 *   2. pre-tokenise with simple_tokenizer's pattern, written out by hand:
 *      <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
 *      (re.IGNORECASE), over code points with the Unicode classes of
 *      clip_unicode.h;
 *   3. each piece's UTF-8 bytes -> GPT-2's byte-to-unicode symbols, "</w>"
 *      on the last one, then the BPE merges, lowest rank first (a heap over
 *      (rank, position), as Hugging Face tokenizers' Word::merge_all);
 *   4. <|startoftext|> + ids + <|endoftext|>, truncated to the context with
 *      the end token kept, zero padded (clip.tokenize(truncate=True)).
 * Known shortcuts: of ftfy.fix_text only its NFC normalisation is done (no
 * mojibake repair, no quote uncurling: Hugging Face's tokenizer.json does
 * NFC alone too); str.lower()'s
 * final-sigma rule is approximated (capital sigma after a letter and not
 * before one -> final sigma); invalid UTF-8 bytes read as U+FFFD one each.
 * Files: Hugging Face tokenizer.json (model.vocab, model.merges), vocab.json
 * + merges.txt, or OpenAI's bpe_simple_vocab_16e6.txt.gz (its vocabulary
 * built as simple_tokenizer.py builds it). Every file is untrusted input:
 * sizes are capped, every id and merge checked. */
#include "core/internal.h"
#include "clip_unicode.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TOK_MAX_FILE ((size_t)256 << 20)   /* a tokenizer file above 256 MB is not CLIP's (tokenizer.json: 3.6 MB) */
#define TOK_MAX_VOCAB (1 << 24)
#define TOK_OPENAI_MERGES (49152 - 256 - 2)   /* simple_tokenizer.py: merges[1:49152-256-2+1] */
#define TOK_SOT "<|startoftext|>"
#define TOK_EOT "<|endoftext|>"
#define TOK_EOW "</w>"

struct emb_clip_tokenizer {
    int32_t n_vocab;
    char **tok;             /* (n_vocab) token strings as in the vocabulary (UTF-8) */
    uint32_t *tok_len;      /* (n_vocab) their byte lengths */
    int32_t *vh;            /* string hash: open addressing over ids, -1 empty; vh_cap a power of 2 */
    size_t vh_cap;
    uint64_t *mkey;         /* merge hash: key (a << 32 | b) + 1, 0 empty */
    int32_t *mrank, *mid;   /* rank (line order) and merged id of each slot */
    size_t mh_cap;
    int32_t n_merges;
    int32_t byte_id[256], byte_eow_id[256];   /* the symbol of each byte, and with "</w>" */
    int32_t start_id, end_id;
};

/* ---------------------------------------------------------------- hashing */
static uint64_t hash_bytes(const char *s, size_t n) {   /* FNV-1a */
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}
static uint64_t hash_u64(uint64_t x) {   /* splitmix64 finaliser */
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull; x ^= x >> 27; x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
static size_t pow2_at_least(size_t n) { size_t c = 16; while (c < 2 * n) c <<= 1; return c; }

static int32_t vocab_find(const emb_clip_tokenizer *t, const char *s, size_t n) {
    for (size_t i = hash_bytes(s, n) & (t->vh_cap - 1);; i = (i + 1) & (t->vh_cap - 1)) {
        int32_t id = t->vh[i];
        if (id < 0) return -1;
        if (t->tok_len[id] == n && !memcmp(t->tok[id], s, n)) return id;
    }
}

static bool merge_find(const emb_clip_tokenizer *t, int32_t a, int32_t b, int32_t *rank, int32_t *id) {
    uint64_t key = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 1;
    for (size_t i = hash_u64(key) & (t->mh_cap - 1);; i = (i + 1) & (t->mh_cap - 1)) {
        if (!t->mkey[i]) return false;
        if (t->mkey[i] == key) { *rank = t->mrank[i]; *id = t->mid[i]; return true; }
    }
}

void emb_clip_tokenizer_free(emb_clip_tokenizer *t) {
    if (!t) return;
    if (t->tok) for (int32_t i = 0; i < t->n_vocab; i++) free(t->tok[i]);
    free(t->tok); free(t->tok_len); free(t->vh); free(t->mkey); free(t->mrank); free(t->mid);
    free(t);
}

/* ---------------------------------------------------------------- building */
/* An empty tokenizer with room for n tokens (ids 0..n-1 set by set_token). */
static emb_clip_tokenizer *tok_new(int64_t n, int64_t n_merges) {
    emb_clip_tokenizer *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->n_vocab = (int32_t)n;
    t->tok = calloc((size_t)n ? (size_t)n : 1, sizeof *t->tok);
    t->tok_len = calloc((size_t)n ? (size_t)n : 1, sizeof *t->tok_len);
    t->vh_cap = pow2_at_least((size_t)n);
    t->vh = malloc(sizeof *t->vh * t->vh_cap);
    t->mh_cap = pow2_at_least((size_t)n_merges);
    t->mkey = calloc(t->mh_cap, sizeof *t->mkey);
    t->mrank = malloc(sizeof *t->mrank * t->mh_cap);
    t->mid = malloc(sizeof *t->mid * t->mh_cap);
    if (!t->tok || !t->tok_len || !t->vh || !t->mkey || !t->mrank || !t->mid) { emb_clip_tokenizer_free(t); return NULL; }
    memset(t->vh, 0xff, sizeof *t->vh * t->vh_cap);
    return t;
}

/* Token id = s (n bytes). EMB_E_FORMAT for an id used twice or a string given two ids. */
static emb_status set_token(emb_clip_tokenizer *t, int64_t id, const char *s, size_t n, const char *name) {
    if (id < 0 || id >= t->n_vocab) return emb__fail(EMB_E_FORMAT, "%s: token id %lld is outside 0..%d", name, (long long)id, t->n_vocab - 1);
    if (t->tok[id]) return emb__fail(EMB_E_FORMAT, "%s: token id %lld is given twice", name, (long long)id);
    if (n > 1 << 20) return emb__fail(EMB_E_FORMAT, "%s: token %lld is %zu bytes long", name, (long long)id, n);
    if (vocab_find(t, s, n) >= 0) return emb__fail(EMB_E_FORMAT, "%s: token '%.*s' has two ids", name, (int)(n < 64 ? n : 64), s);
    char *c = malloc(n + 1);
    if (!c) return emb__fail(EMB_E_NOMEM, "%s: out of memory", name);
    memcpy(c, s, n);
    c[n] = 0;
    t->tok[id] = c;
    t->tok_len[id] = (uint32_t)n;
    size_t i = hash_bytes(s, n) & (t->vh_cap - 1);
    while (t->vh[i] >= 0) i = (i + 1) & (t->vh_cap - 1);
    t->vh[i] = (int32_t)id;
    return EMB_OK;
}

/* Merge `a b` (the two halves of one merges line, or of a tokenizer.json pair)
 * of rank `rank`: both halves and their concatenation must be tokens. A pair
 * listed twice keeps its first (lowest) rank, as both references do. */
static emb_status add_merge(emb_clip_tokenizer *t, const char *a, size_t na, const char *b, size_t nb, int32_t rank,
                            const char *name) {
    int32_t ia = vocab_find(t, a, na), ib = vocab_find(t, b, nb);
    char buf[512];
    if (ia < 0 || ib < 0 || na + nb > sizeof buf)
        return emb__fail(EMB_E_FORMAT, "%s: merge %d ('%.*s' '%.*s') names a token that is not in the vocabulary", name, rank + 1,
                         (int)(na < 64 ? na : 64), a, (int)(nb < 64 ? nb : 64), b);
    memcpy(buf, a, na);
    memcpy(buf + na, b, nb);
    int32_t im = vocab_find(t, buf, na + nb);
    if (im < 0) return emb__fail(EMB_E_FORMAT, "%s: merge %d gives '%.*s', which is not in the vocabulary", name, rank + 1,
                                 (int)(na + nb < 128 ? na + nb : 128), buf);
    uint64_t key = ((uint64_t)(uint32_t)ia << 32 | (uint32_t)ib) + 1;
    size_t i = hash_u64(key) & (t->mh_cap - 1);
    while (t->mkey[i] && t->mkey[i] != key) i = (i + 1) & (t->mh_cap - 1);
    if (t->mkey[i]) return EMB_OK;
    t->mkey[i] = key;
    t->mrank[i] = rank;
    t->mid[i] = im;
    t->n_merges++;
    return EMB_OK;
}

/* GPT-2's bytes_to_unicode (simple_tokenizer.py): printable Latin-1 bytes map
 * to themselves, the other 68 to U+0100.. in byte order. */
static uint32_t byte_to_unicode(int b) {
    if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) return (uint32_t)b;
    int n = 0;
    for (int c = 0; c < b; c++)
        if (!((c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF))) n++;
    return 256u + (uint32_t)n;
}

static int utf8_put(uint32_t cp, char *o) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 63)); return 2; }
    if (cp < 0x10000) { o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | (cp >> 6 & 63)); o[2] = (char)(0x80 | (cp & 63)); return 3; }
    o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | (cp >> 12 & 63)); o[2] = (char)(0x80 | (cp >> 6 & 63)); o[3] = (char)(0x80 | (cp & 63));
    return 4;
}

/* Every byte symbol (with and without "</w>") and both special tokens must
 * be in the vocabulary: CLIP's layout. */
static emb_status finish(emb_clip_tokenizer *t, const char *name) {
    for (int32_t i = 0; i < t->n_vocab; i++)
        if (!t->tok[i]) return emb__fail(EMB_E_FORMAT, "%s: token id %d is not defined (ids must run 0..%d)", name, i, t->n_vocab - 1);
    for (int b = 0; b < 256; b++) {
        char s[8];
        int n = utf8_put(byte_to_unicode(b), s);
        memcpy(s + n, TOK_EOW, 4);
        t->byte_id[b] = vocab_find(t, s, (size_t)n);
        t->byte_eow_id[b] = vocab_find(t, s, (size_t)n + 4);
        if (t->byte_id[b] < 0 || t->byte_eow_id[b] < 0)
            return emb__fail(EMB_E_FORMAT, "%s: the byte symbol '%.*s'%s is not in the vocabulary (not CLIP's byte-level BPE)", name, n, s,
                             t->byte_id[b] < 0 ? "" : " + </w>");
    }
    t->start_id = vocab_find(t, TOK_SOT, strlen(TOK_SOT));
    t->end_id = vocab_find(t, TOK_EOT, strlen(TOK_EOT));
    if (t->start_id < 0 || t->end_id < 0) return emb__fail(EMB_E_FORMAT, "%s: no %s token", name, t->start_id < 0 ? TOK_SOT : TOK_EOT);
    return EMB_OK;
}

/* Merge lines of text [p, end) split at the first space; first_rank counts
 * from 0. Lines: "a b"; a trailing '\r' is dropped; empty lines skipped. */
static emb_status add_merge_lines(emb_clip_tokenizer *t, const char *p, const char *end, int64_t max_lines, const char *name) {
    int32_t rank = 0;
    while (p < end && rank < max_lines) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *e = le > p && le[-1] == '\r' ? le - 1 : le;
        if (e > p) {
            const char *sp = memchr(p, ' ', (size_t)(e - p));
            if (!sp || sp == p || sp + 1 == e)
                return emb__fail(EMB_E_FORMAT, "%s: merge line %d is not two tokens separated by a space", name, rank + 1);
            emb_status st = add_merge(t, p, (size_t)(sp - p), sp + 1, (size_t)(e - sp - 1), rank, name);
            if (st) return st;
            rank++;
        }
        p = nl ? nl + 1 : end;
    }
    return EMB_OK;
}

static int64_t count_lines(const char *p, const char *end) {
    int64_t n = 0;
    for (; p < end; p++) n += *p == '\n';
    return n + 1;
}

/* OpenAI's bpe_simple_vocab_16e6.txt (inflated): line 0 a version header,
 * lines 1..48894 merges; vocabulary = the 256 byte symbols, the same + "</w>",
 * each merge joined, <|startoftext|>, <|endoftext|> (simple_tokenizer.py). */
static emb_status parse_openai(const char *buf, size_t len, const char *name, emb_clip_tokenizer **out) {
    const char *p = buf, *end = buf + len;
    while (end > p && (end[-1] == '\n' || end[-1] == '\r')) end--;   /* a final newline is no merge */
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) return emb__fail(EMB_E_FORMAT, "%s: not a BPE merges file (no lines)", name);
    p = nl + 1;
    int64_t nm = count_lines(p, end);
    if (nm > TOK_OPENAI_MERGES) nm = TOK_OPENAI_MERGES;
    emb_clip_tokenizer *t = tok_new(512 + nm + 2, nm);
    if (!t) return emb__fail(EMB_E_NOMEM, "%s: out of memory", name);
    emb_status st = EMB_OK;
    int64_t id = 0;
    int order[256], k = 0;   /* bytes_to_unicode's order: the printable bytes first, then the rest */
    for (int c = 0; c < 256; c++) if (byte_to_unicode(c) < 256) order[k++] = c;
    for (int c = 0; c < 256; c++) if (byte_to_unicode(c) >= 256) order[k++] = c;
    for (int eow = 0; eow < 2 && !st; eow++)
        for (int b = 0; b < 256 && !st; b++) {
            char s[8];
            int n = utf8_put(byte_to_unicode(order[b]), s);
            if (eow) { memcpy(s + n, TOK_EOW, 4); n += 4; }
            st = set_token(t, id++, s, (size_t)n, name);
        }
    int64_t lines = 0;
    while (!st && p < end && lines < nm) {
        const char *le = memchr(p, '\n', (size_t)(end - p));
        const char *e = le ? le : end;
        if (e > p && e[-1] == '\r') e--;
        const char *sp = memchr(p, ' ', (size_t)(e - p));
        if (!sp || sp == p || sp + 1 == e) { st = emb__fail(EMB_E_FORMAT, "%s: line %lld is not two tokens separated by a space", name, (long long)lines + 2); break; }
        char joined[512];
        size_t jn = (size_t)(sp - p) + (size_t)(e - sp - 1);
        if (jn > sizeof joined) { st = emb__fail(EMB_E_FORMAT, "%s: line %lld is too long", name, (long long)lines + 2); break; }
        memcpy(joined, p, (size_t)(sp - p));
        memcpy(joined + (sp - p), sp + 1, (size_t)(e - sp - 1));
        st = set_token(t, id++, joined, jn, name);
        lines++;
        p = le ? le + 1 : end;
    }
    t->n_vocab = (int32_t)(id + 2);   /* fewer lines than counted (a trailing newline): shrink */
    if (!st) st = set_token(t, id++, TOK_SOT, strlen(TOK_SOT), name);
    if (!st) st = set_token(t, id++, TOK_EOT, strlen(TOK_EOT), name);
    if (!st) st = add_merge_lines(t, nl + 1, end, lines, name);
    if (!st) st = finish(t, name);
    if (st) { emb_clip_tokenizer_free(t); return st; }
    *out = t;
    return EMB_OK;
}

/* A JSON number that is an id in 0..TOK_MAX_VOCAB-1 (range first: casting
 * a huge or NaN double to an integer is undefined). */
static bool json_id(const cJSON *e, int64_t *id) {
    if (!cJSON_IsNumber(e) || !(e->valuedouble >= 0 && e->valuedouble < TOK_MAX_VOCAB)) return false;
    *id = (int64_t)e->valuedouble;
    return (double)*id == e->valuedouble;
}

/* vocab (a JSON object token -> id) into a new tokenizer sized for n_merges. */
static emb_status vocab_from_json(const cJSON *vocab, const cJSON *added, int64_t n_merges, const char *name, emb_clip_tokenizer **out) {
    if (!cJSON_IsObject(vocab)) return emb__fail(EMB_E_FORMAT, "%s: the vocabulary is not a JSON object", name);
    int64_t max_id = -1, id = 0;
    for (const cJSON *e = vocab->child; e; e = e->next) {
        if (!json_id(e, &id))
            return emb__fail(EMB_E_FORMAT, "%s: vocabulary entry '%.64s' is not an id in 0..%d", name, e->string ? e->string : "", TOK_MAX_VOCAB - 1);
        if (id > max_id) max_id = id;
    }
    /* added_tokens (tokenizer.json) may define ids past the model's vocabulary */
    for (const cJSON *e = added ? added->child : NULL; e; e = e->next) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "content");
        if (!json_id(cJSON_GetObjectItemCaseSensitive(e, "id"), &id) || !cJSON_IsString(c))
            return emb__fail(EMB_E_FORMAT, "%s: an added token has no valid id and content", name);
        if (id > max_id) max_id = id;
    }
    emb_clip_tokenizer *t = tok_new(max_id + 1, n_merges);
    if (!t) return emb__fail(EMB_E_NOMEM, "%s: out of memory", name);
    emb_status st = EMB_OK;
    for (const cJSON *e = vocab->child; e && !st; e = e->next)
        st = json_id(e, &id) ? set_token(t, id, e->string, strlen(e->string), name) : EMB_E_FORMAT;
    for (const cJSON *e = added ? added->child : NULL; e && !st; e = e->next) {
        json_id(cJSON_GetObjectItemCaseSensitive(e, "id"), &id);
        const char *c = cJSON_GetObjectItemCaseSensitive(e, "content")->valuestring;
        if (t->tok[id]) {
            if (t->tok_len[id] != strlen(c) || memcmp(t->tok[id], c, t->tok_len[id]))
                st = emb__fail(EMB_E_FORMAT, "%s: added token '%.64s' has the id of '%.64s'", name, c, t->tok[id]);
        } else st = set_token(t, id, c, strlen(c), name);
    }
    if (st) { emb_clip_tokenizer_free(t); return st; }
    *out = t;
    return EMB_OK;
}

/* Hugging Face tokenizer.json: model {type "BPE", vocab {token: id}, merges
 * ["a b", ...] or [["a", "b"], ...]}, added_tokens [{id, content}]. */
static emb_status parse_hf(const char *buf, size_t len, const char *name, emb_clip_tokenizer **out) {
    cJSON *root = cJSON_ParseWithLength(buf, len);
    if (!root) return emb__fail(EMB_E_FORMAT, "%s: not valid JSON", name);
    emb_status st = EMB_OK;
    emb_clip_tokenizer *t = NULL;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(model, "type");
    const cJSON *merges = cJSON_GetObjectItemCaseSensitive(model, "merges");
    const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    if (!cJSON_IsObject(model) || (type && !(cJSON_IsString(type) && !strcmp(type->valuestring, "BPE")))) {
        st = emb__fail(EMB_E_FORMAT, "%s: no BPE model (\"model\": {\"type\": \"BPE\"}) in this tokenizer.json", name);
        goto done;
    }
    if (!cJSON_IsArray(merges)) { st = emb__fail(EMB_E_FORMAT, "%s: model.merges is missing or not an array", name); goto done; }
    if (added && !cJSON_IsArray(added)) { st = emb__fail(EMB_E_FORMAT, "%s: added_tokens is not an array", name); goto done; }
    st = vocab_from_json(cJSON_GetObjectItemCaseSensitive(model, "vocab"), added, cJSON_GetArraySize(merges), name, &t);
    if (st) goto done;
    int32_t rank = 0;
    for (const cJSON *e = merges->child; e && !st; e = e->next, rank++) {
        if (cJSON_IsString(e)) {
            const char *s = e->valuestring, *sp = strchr(s, ' ');
            if (!sp || sp == s || !sp[1]) { st = emb__fail(EMB_E_FORMAT, "%s: merge %d is not two tokens separated by a space", name, rank + 1); break; }
            st = add_merge(t, s, (size_t)(sp - s), sp + 1, strlen(sp + 1), rank, name);
        } else if (cJSON_IsArray(e) && cJSON_GetArraySize(e) == 2 && cJSON_IsString(e->child) && cJSON_IsString(e->child->next)) {
            const char *a = e->child->valuestring, *b = e->child->next->valuestring;
            st = add_merge(t, a, strlen(a), b, strlen(b), rank, name);
        } else st = emb__fail(EMB_E_FORMAT, "%s: merge %d is neither \"a b\" nor [\"a\", \"b\"]", name, rank + 1);
    }
    if (!st) st = finish(t, name);
done:
    cJSON_Delete(root);
    if (st) emb_clip_tokenizer_free(t);
    else *out = t;
    return st;
}

static emb_status parse_vocab_merges(const char *vbuf, size_t vlen, const char *mbuf, size_t mlen, const char *name,
                                     emb_clip_tokenizer **out) {
    cJSON *root = cJSON_ParseWithLength(vbuf, vlen);
    if (!root) return emb__fail(EMB_E_FORMAT, "%s: vocab.json is not valid JSON", name);
    if (!mbuf) mbuf = "", mlen = 0;   /* no merges.txt given: no merges (NULL + 0 is undefined) */
    const char *p = mbuf, *end = mbuf + mlen;
    if (mlen >= 8 && !memcmp(p, "#version", 8)) {   /* the header line of merges.txt */
        const char *nl = memchr(p, '\n', mlen);
        p = nl ? nl + 1 : end;
    }
    emb_clip_tokenizer *t = NULL;
    emb_status st = vocab_from_json(root, NULL, count_lines(p, end), name, &t);
    cJSON_Delete(root);
    if (!st) st = add_merge_lines(t, p, end, INT32_MAX, name);
    if (!st) st = finish(t, name);
    if (st) { emb_clip_tokenizer_free(t); return st; }
    *out = t;
    return EMB_OK;
}

emb_status emb_clip_tokenizer_parse(emb_clip_tokenizer_format fmt, const void *a, size_t alen, const void *b, size_t blen,
                                    const char *name, emb_clip_tokenizer **out) {
    if (!out || (!a && alen) || (!b && blen)) return emb__fail(EMB_E_INVALID, "emb_clip_tokenizer_parse: bad arguments");
    if (!name) name = "tokenizer";
    if (alen > TOK_MAX_FILE || blen > TOK_MAX_FILE) return emb__fail(EMB_E_FORMAT, "%s: larger than %zu MB", name, TOK_MAX_FILE >> 20);
    switch (fmt) {
    case EMB_CLIP_TOK_HF_JSON: return parse_hf(a, alen, name, out);
    case EMB_CLIP_TOK_VOCAB_MERGES: return parse_vocab_merges(a, alen, b, blen, name, out);
    case EMB_CLIP_TOK_OPENAI_BPE: return parse_openai(a, alen, name, out);
    }
    return emb__fail(EMB_E_INVALID, "emb_clip_tokenizer_parse: unknown format %d", (int)fmt);
}

static bool file_exists(const char *p) {
    FILE *f = fopen(p, "rb");
    if (f) fclose(f);
    return f != NULL;
}

static bool ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

/* dir + "/" + file into out (size n); false if too long. */
static bool join(char *out, size_t n, const char *dir, size_t dl, const char *file) {
    if (dl + strlen(file) + 2 > n) return false;
    memcpy(out, dir, dl);
    out[dl] = '/';
    strcpy(out + dl + 1, file);
    return true;
}

emb_status emb_clip_tokenizer_load(const char *path, emb_clip_tokenizer **out) {
    if (!path || !*path || !out) return emb__fail(EMB_E_INVALID, "no tokenizer file given");
    char p1[4096], p2[4096], dir[4096];
    size_t pl = strlen(path);
    if (pl >= sizeof p1) return emb__fail(EMB_E_INVALID, "%s: path too long", path);
    memcpy(p1, path, pl + 1);
    while (pl > 1 && p1[pl - 1] == '/') p1[--pl] = 0;
    const char *slash = strrchr(p1, '/');
    size_t dl = slash ? (size_t)(slash - p1) : 1;
    memcpy(dir, slash ? p1 : ".", dl);
    dir[dl] = 0;
    emb_clip_tokenizer_format fmt;
    p2[0] = 0;
    struct stat sb;
    if (stat(p1, &sb) == 0 && S_ISDIR(sb.st_mode)) {   /* a model folder: the first of the three layouts present */
        char d[4096];
        memcpy(d, p1, pl + 1);
        if (join(p1, sizeof p1, d, pl, "tokenizer.json") && file_exists(p1)) fmt = EMB_CLIP_TOK_HF_JSON;
        else if (join(p1, sizeof p1, d, pl, "vocab.json") && join(p2, sizeof p2, d, pl, "merges.txt") && file_exists(p1) && file_exists(p2))
            fmt = EMB_CLIP_TOK_VOCAB_MERGES;
        else if (join(p1, sizeof p1, d, pl, "bpe_simple_vocab_16e6.txt.gz") && file_exists(p1)) { fmt = EMB_CLIP_TOK_OPENAI_BPE; p2[0] = 0; }
        else return emb__fail(EMB_E_IO, "%s: no tokenizer.json, vocab.json + merges.txt or bpe_simple_vocab_16e6.txt.gz in this folder", path);
    } else if (ends_with(p1, ".json") && !ends_with(p1, "vocab.json")) fmt = EMB_CLIP_TOK_HF_JSON;
    else if (ends_with(p1, "vocab.json") || ends_with(p1, "merges.txt")) {
        fmt = EMB_CLIP_TOK_VOCAB_MERGES;
        const char *other = ends_with(p1, "vocab.json") ? "merges.txt" : "vocab.json";
        if (!join(p2, sizeof p2, dir, dl, other)) return emb__fail(EMB_E_INVALID, "%s: path too long", path);
        if (ends_with(p1, "merges.txt")) { char tmp[4096]; strcpy(tmp, p1); strcpy(p1, p2); strcpy(p2, tmp); }
    } else fmt = EMB_CLIP_TOK_OPENAI_BPE;   /* bpe_simple_vocab_16e6.txt[.gz] */
    unsigned char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    emb_status st = emb__read_file(p1, TOK_MAX_FILE, &a, &alen);
    if (!st && p2[0]) st = emb__read_file(p2, TOK_MAX_FILE, &b, &blen);
    if (!st) st = emb_clip_tokenizer_parse(fmt, a, alen, b, blen, p1, out);
    free(a);
    free(b);
    return st;
}

int emb_clip_tokenizer_vocab_size(const emb_clip_tokenizer *t) { return t->n_vocab; }
int32_t emb_clip_tokenizer_start_id(const emb_clip_tokenizer *t) { return t->start_id; }
int32_t emb_clip_tokenizer_end_id(const emb_clip_tokenizer *t) { return t->end_id; }
const char *emb_clip_tokenizer_token(const emb_clip_tokenizer *t, int32_t id) {
    return id >= 0 && id < t->n_vocab ? t->tok[id] : NULL;
}

/* ---------------------------------------------------------------- Unicode */
static bool in_ranges(const uint32_t (*r)[2], size_t n, uint32_t cp) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < r[mid][0]) hi = mid;
        else if (cp > r[mid][1]) lo = mid + 1;
        else return true;
    }
    return false;
}
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
static bool is_letter(uint32_t c) {
    if (c < 128) return (c | 32) - 'a' < 26;
    return in_ranges(CLIP_LETTER, NELEM(CLIP_LETTER), c);
}
static bool is_number(uint32_t c) { return c < 128 ? c - '0' < 10 : in_ranges(CLIP_NUMBER, NELEM(CLIP_NUMBER), c); }
static bool is_space(uint32_t c) {
    if (c < 128) return c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x1F);
    return in_ranges(CLIP_SPACE, NELEM(CLIP_SPACE), c);
}
static uint32_t lower1(uint32_t c) {
    if (c < 128) return c - 'A' < 26 ? c + 32 : c;
    size_t lo = 0, hi = NELEM(CLIP_LOWER);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (CLIP_LOWER[mid][0] < c) lo = mid + 1;
        else hi = mid;
    }
    return lo < NELEM(CLIP_LOWER) && CLIP_LOWER[lo][0] == c ? CLIP_LOWER[lo][1] : c;
}

/* UTF-8 -> code points (n + 1 slots, 0-terminated not needed); invalid or
 * overlong sequences, surrogates: U+FFFD for each byte. Returns the count. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *o) {
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        uint32_t cp;
        int len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        bool ok = len > 0 && i + (size_t)len <= n;
        cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
        for (int j = 1; ok && j < len; j++) {
            if ((s[i + j] & 0xC0) != 0x80) ok = false;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                   (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
        if (ok) { o[k++] = cp; i += (size_t)len; }
        else { o[k++] = 0xFFFD; i++; }
    }
    return k;
}

/* ---------------------------------------------------------------- html.unescape */
static int entity_cmp(const char *name, const uint32_t *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!c) return -1;                /* name shorter */
        if (c != s[i]) return c < s[i] ? -1 : 1;
    }
    return name[n] ? 1 : 0;
}
static const clip_html_entity *entity_find(const uint32_t *s, size_t n) {
    size_t lo = 0, hi = NELEM(CLIP_HTML5);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = entity_cmp(CLIP_HTML5[mid].name, s, n);
        if (!c) return &CLIP_HTML5[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}
static bool hexval(uint32_t c, int *v) {
    if (c - '0' < 10) *v = (int)(c - '0');
    else if ((c | 32) - 'a' < 6) *v = (int)((c | 32) - 'a' + 10);
    else return false;
    return true;
}

/* Python's html.unescape over code points in[0..n) into out (at most n
 * code points: a reference is never shorter than what replaces it). */
static size_t html_unescape(const uint32_t *in, size_t n, uint32_t *out) {
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (in[i] != '&') { out[k++] = in[i++]; continue; }
        size_t j = i + 1;
        if (j < n && in[j] == '#') {   /* #[0-9]+;? | #[xX][0-9a-fA-F]+;? */
            bool hex = j + 1 < n && (in[j + 1] | 32) == 'x';
            size_t d = j + 1 + hex, e = d;
            uint64_t num = 0;
            int v;
            while (e < n && (hex ? hexval(in[e], &v) : (in[e] - '0' < 10 && ((v = (int)(in[e] - '0')), 1)))) {
                num = num * (hex ? 16 : 10) + (uint64_t)v;
                if (num > 0x110000) num = 0x110000;   /* saturate: > 0x10FFFF is all the same */
                e++;
            }
            if (e == d) { out[k++] = in[i++]; continue; }   /* "&#" without digits: kept */
            if (e < n && in[e] == ';') e++;
            uint32_t cp = (uint32_t)num;
            bool done = false;
            for (size_t f = 0; f < NELEM(CLIP_HTML_CHARREF_FIX); f++)
                if (CLIP_HTML_CHARREF_FIX[f][0] == cp) { out[k++] = CLIP_HTML_CHARREF_FIX[f][1]; done = true; break; }
            if (!done) {
                if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) out[k++] = 0xFFFD;
                else {
                    bool bad = false;
                    for (size_t f = 0; f < NELEM(CLIP_HTML_INVALID_CP) && !bad; f++) bad = CLIP_HTML_INVALID_CP[f] == cp;
                    if (!bad) out[k++] = cp;
                }
            }
            i = e;
            continue;
        }
        /* [^\t\n\f <&#;]{1,32};? */
        size_t e = j;
        while (e < n && e - j < 32 && in[e] != '\t' && in[e] != '\n' && in[e] != '\f' && in[e] != ' ' && in[e] != '<' &&
               in[e] != '&' && in[e] != '#' && in[e] != ';')
            e++;
        if (e == j) { out[k++] = in[i++]; continue; }
        if (e < n && in[e] == ';') e++;
        size_t len = e - j;   /* s = in[j..e) */
        const clip_html_entity *ent = entity_find(in + j, len);
        size_t used = len;
        for (size_t x = len - 1; !ent && x > 1; x--) { ent = entity_find(in + j, x); used = x; }
        if (!ent) { out[k++] = in[i++]; continue; }   /* '&' + s unchanged */
        out[k++] = ent->cp[0];
        if (ent->cp[1]) out[k++] = ent->cp[1];
        i = j + used;
    }
    return k;
}

/* ---------------------------------------------------------------- NFC */
/* Unicode normalization form C (UAX #15): full canonical decomposition
 * (Hangul syllables algorithmically, sec. 3.12 of the Unicode standard),
 * canonical ordering of combining marks, canonical composition of
 * unblocked pairs (the sample code of UAX #15), over the tables of
 * clip_unicode.h. */
enum { HANGUL_S = 0xAC00, HANGUL_L = 0x1100, HANGUL_V = 0x1161, HANGUL_T = 0x11A7,
       HANGUL_LN = 19, HANGUL_VN = 21, HANGUL_TN = 28, HANGUL_NN = 21 * 28, HANGUL_SN = 19 * 21 * 28 };

static uint32_t ccc_of(uint32_t c) {
    if (c < 0x300) return 0;
    size_t lo = 0, hi = NELEM(CLIP_CCC);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (CLIP_CCC[mid][0] < c) lo = mid + 1;
        else hi = mid;
    }
    return lo < NELEM(CLIP_CCC) && CLIP_CCC[lo][0] == c ? CLIP_CCC[lo][1] : 0;
}
static const uint32_t *nfd_of(uint32_t c) {
    if (c < 0xC0) return NULL;
    size_t lo = 0, hi = NELEM(CLIP_NFD);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (CLIP_NFD[mid][0] < c) lo = mid + 1;
        else hi = mid;
    }
    return lo < NELEM(CLIP_NFD) && CLIP_NFD[lo][0] == c ? CLIP_NFD[lo] + 1 : NULL;
}
static uint32_t compose(uint32_t a, uint32_t b) {
    if (a - HANGUL_L < HANGUL_LN && b - HANGUL_V < HANGUL_VN) return HANGUL_S + ((a - HANGUL_L) * HANGUL_VN + b - HANGUL_V) * HANGUL_TN;
    if (a - HANGUL_S < HANGUL_SN && (a - HANGUL_S) % HANGUL_TN == 0 && b - HANGUL_T - 1 < HANGUL_TN - 1) return a + b - HANGUL_T;
    size_t lo = 0, hi = NELEM(CLIP_COMPOSE);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const uint32_t *e = CLIP_COMPOSE[mid];
        if (e[0] < a || (e[0] == a && e[1] < b)) lo = mid + 1;
        else hi = mid;
    }
    return lo < NELEM(CLIP_COMPOSE) && CLIP_COMPOSE[lo][0] == a && CLIP_COMPOSE[lo][1] == b ? CLIP_COMPOSE[lo][2] : 0;
}

/* NFC of in[0..n) into out (4n slots: no code point decomposes into more than 4). */
static size_t nfc(const uint32_t *in, size_t n, uint32_t *out) {
    size_t k = 0;
    bool simple = true;
    for (size_t i = 0; i < n && simple; i++) simple = in[i] < 0x300;   /* Latin-1 and the rest below U+0300 is NFC */
    if (simple) { memcpy(out, in, sizeof *in * n); return n; }
    for (size_t i = 0; i < n; i++) {
        uint32_t c = in[i];
        const uint32_t *d;
        if (c - HANGUL_S < HANGUL_SN) {
            uint32_t si = c - HANGUL_S;
            out[k++] = HANGUL_L + si / HANGUL_NN;
            out[k++] = HANGUL_V + si % HANGUL_NN / HANGUL_TN;
            if (si % HANGUL_TN) out[k++] = HANGUL_T + si % HANGUL_TN;
        } else if ((d = nfd_of(c))) {
            for (int j = 0; j < 4 && d[j]; j++) out[k++] = d[j];
        } else out[k++] = c;
    }
    for (size_t i = 1; i < k; i++) {   /* canonical order: stable by combining class within runs of marks */
        uint32_t cc = ccc_of(out[i]);
        for (size_t j = i; cc && j > 0 && ccc_of(out[j - 1]) > cc; j--) { uint32_t t = out[j]; out[j] = out[j - 1]; out[j - 1] = t; }
    }
    if (!k) return 0;
    size_t sp = 0, w = 1;
    uint32_t last = ccc_of(out[0]) ? 256 : 0;
    for (size_t i = 1; i < k; i++) {
        uint32_t ch = out[i], cc = ccc_of(ch), comp = compose(out[sp], ch);
        if (comp && (last < cc || last == 0)) { out[sp] = comp; continue; }
        if (cc == 0) sp = w;
        last = cc;
        out[w++] = ch;
    }
    return w;
}

/* basic_clean (ftfy.fix_text's NFC step only) + whitespace_clean + lower:
 * in[0..n) (4n + 1 slots, overwritten) -> out (8n + 1 slots). */
static size_t clean_text(uint32_t *in, size_t n, uint32_t *tmp, uint32_t *out) {
    n = nfc(in, n, tmp);
    n = html_unescape(tmp, n, in);
    n = html_unescape(in, n, tmp);
    memcpy(in, tmp, sizeof *in * n);
    size_t k = 0;
    bool pending = false;
    for (size_t i = 0; i < n; i++) {
        if (is_space(in[i])) { pending = k > 0; continue; }
        if (pending) { out[k++] = ' '; pending = false; }
        uint32_t c = in[i];
        if (c == CLIP_LOWER_I_DOT) { out[k++] = 'i'; out[k++] = 0x307; continue; }
        if (c == 0x3A3) {   /* final sigma, simplified: after a letter and not before one */
            bool before = i > 0 && is_letter(in[i - 1]), after = i + 1 < n && is_letter(in[i + 1]);
            out[k++] = before && !after ? 0x3C2 : 0x3C3;
            continue;
        }
        out[k++] = lower1(c);
    }
    return k;
}

/* ---------------------------------------------------------------- BPE */
typedef struct { int32_t rank, pos; } heap_ent;
static bool heap_less(heap_ent a, heap_ent b) { return a.rank < b.rank || (a.rank == b.rank && a.pos < b.pos); }
static void heap_push(heap_ent *h, int *n, heap_ent e) {
    int i = (*n)++;
    while (i > 0 && heap_less(e, h[(i - 1) / 2])) { h[i] = h[(i - 1) / 2]; i = (i - 1) / 2; }
    h[i] = e;
}
static heap_ent heap_pop(heap_ent *h, int *n) {
    heap_ent top = h[0], last = h[--*n];
    int i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && heap_less(h[c + 1], h[c])) c++;
        if (!heap_less(h[c], last)) break;
        h[i] = h[c];
        i = c;
    }
    if (*n) h[i] = last;
    return top;
}

typedef struct {
    int32_t *sym, *prev, *next;   /* (cap) symbols of the word, a linked list */
    heap_ent *heap;               /* (3 cap): m - 1 pairs at first, at most 2 more per merge */
    int cap;
} bpe_buf;

static bool bpe_reserve(bpe_buf *b, size_t n) {
    if (n <= (size_t)b->cap) return true;
    if (n > (size_t)INT32_MAX / 4) return false;
    int cap = (int)n;
    int32_t *s = realloc(b->sym, sizeof *s * (size_t)cap);
    if (s) b->sym = s;
    int32_t *p = realloc(b->prev, sizeof *p * (size_t)cap);
    if (p) b->prev = p;
    int32_t *q = realloc(b->next, sizeof *q * (size_t)cap);
    if (q) b->next = q;
    heap_ent *h = realloc(b->heap, sizeof *h * 3 * (size_t)cap);
    if (h) b->heap = h;
    if (!s || !p || !q || !h) return false;
    b->cap = cap;
    return true;
}

static void try_pair(const emb_clip_tokenizer *t, bpe_buf *b, int *hn, int pos) {
    int nx = b->next[pos];
    int32_t rank, id;
    if (nx >= 0 && merge_find(t, b->sym[pos], b->sym[nx], &rank, &id)) heap_push(b->heap, hn, (heap_ent){rank, pos});
}

/* BPE of one pre-token (bytes s, n > 0) appended to ids[*k..cap); returns false when out of memory. */
static bool bpe_word(const emb_clip_tokenizer *t, bpe_buf *b, const unsigned char *s, size_t n, int32_t *ids, int64_t *k, int64_t cap) {
    if (!bpe_reserve(b, n)) return false;
    int m = (int)n, hn = 0;
    for (int i = 0; i < m; i++) {
        b->sym[i] = i == m - 1 ? t->byte_eow_id[s[i]] : t->byte_id[s[i]];
        b->prev[i] = i - 1;
        b->next[i] = i + 1 < m ? i + 1 : -1;
    }
    for (int i = 0; i + 1 < m; i++) try_pair(t, b, &hn, i);
    while (hn) {
        heap_ent e = heap_pop(b->heap, &hn);
        int pos = e.pos, nx = b->next[pos];
        int32_t rank, id;
        /* stale: the symbol was merged away, or its right neighbour changed */
        if (b->sym[pos] < 0 || nx < 0 || !merge_find(t, b->sym[pos], b->sym[nx], &rank, &id) || rank != e.rank) continue;
        b->sym[pos] = id;
        b->sym[nx] = -1;
        b->next[pos] = b->next[nx];
        if (b->next[nx] >= 0) b->prev[b->next[nx]] = pos;
        if (b->prev[pos] >= 0) try_pair(t, b, &hn, b->prev[pos]);
        try_pair(t, b, &hn, pos);
    }
    for (int i = 0; i >= 0; i = b->next[i]) {
        if (*k < cap) ids[*k] = b->sym[i];
        ++*k;
    }
    return true;
}

static bool match_ascii(const uint32_t *c, size_t n, size_t i, const char *lit) {
    for (size_t j = 0; lit[j]; j++)
        if (i + j >= n || c[i + j] != (unsigned char)lit[j]) return false;
    return true;
}

/* Length of the contraction at c[i] ("'s", "'t", "'re", "'ve", "'m", "'ll",
 * "'d", case-insensitive as re.IGNORECASE folds: U+017F long s is an s), or 0. */
static size_t contraction(const uint32_t *c, size_t n, size_t i) {
    if (c[i] != '\'' || i + 1 >= n) return 0;
    uint32_t a = c[i + 1] < 128 ? c[i + 1] | 32 : c[i + 1], b = i + 2 < n && c[i + 2] < 128 ? c[i + 2] | 32 : i + 2 < n ? c[i + 2] : 0;
    if (a == 's' || a == 0x17F || a == 't' || a == 'm' || a == 'd') return 2;
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
}

/* Clean + pre-tokenise + BPE text into ids[0..cap); with stop, stops once
 * past cap ids. Returns the number of ids (> cap when stopped early, else
 * the exact count), -1 out of memory. */
static int64_t encode(const emb_clip_tokenizer *t, const char *text, int64_t cap, int32_t *ids, bool stop) {
    size_t n = strlen(text);
    if (n > SIZE_MAX / 64 - 4) return -1;
    uint32_t *cp = malloc(sizeof *cp * (4 * n + 1)), *tmp = malloc(sizeof *tmp * (4 * n + 1)), *cl = malloc(sizeof *cl * (8 * n + 1));
    unsigned char *u8 = malloc(32 * n + 8);
    bpe_buf b = {0};
    int64_t k = -1;
    if (!cp || !tmp || !cl || !u8) goto done;
    size_t m = utf8_decode((const unsigned char *)text, n, cp);
    m = clean_text(cp, m, tmp, cl);
    k = 0;
    for (size_t i = 0; i < m && (!stop || k <= cap);) {
        size_t e;
        if (match_ascii(cl, m, i, TOK_SOT) || match_ascii(cl, m, i, TOK_EOT)) {
            bool sot = match_ascii(cl, m, i, TOK_SOT);
            if (k < cap) ids[k] = sot ? t->start_id : t->end_id;
            k++;
            i += strlen(sot ? TOK_SOT : TOK_EOT);
            continue;
        }
        if ((e = contraction(cl, m, i))) e += i;
        else if (is_letter(cl[i])) for (e = i + 1; e < m && is_letter(cl[e]); e++) {}
        else if (is_number(cl[i])) e = i + 1;
        else if (!is_space(cl[i])) for (e = i + 1; e < m && !is_space(cl[e]) && !is_letter(cl[e]) && !is_number(cl[e]); e++) {}
        else { i++; continue; }
        size_t nb = 0;
        for (size_t j = i; j < e; j++) nb += (size_t)utf8_put(cl[j], (char *)u8 + nb);
        if (!bpe_word(t, &b, u8, nb, ids, &k, cap)) { k = -1; goto done; }
        i = e;
    }
done:
    free(cp); free(tmp); free(cl); free(u8);
    free(b.sym); free(b.prev); free(b.next); free(b.heap);
    return k;
}

int64_t emb_clip_tokenize_all(const emb_clip_tokenizer *t, const char *text, int32_t *ids, int64_t cap) {
    if (!t || !text || cap < 0 || (cap && !ids)) { emb__fail(EMB_E_INVALID, "emb_clip_tokenize_all: bad arguments"); return -1; }
    int64_t k = encode(t, text, cap, ids, false);
    if (k < 0) emb__fail(EMB_E_NOMEM, "out of memory tokenizing a text of %zu bytes", strlen(text));
    return k;
}

emb_status emb_clip_tokenize(const emb_clip_tokenizer *t, const char *text, int context, int32_t *ids, int *n_tokens, bool *truncated) {
    if (!t || !text || !ids || context < 2) return emb__fail(EMB_E_INVALID, "emb_clip_tokenize: bad arguments (context %d)", context);
    ids[0] = t->start_id;
    int64_t k = encode(t, text, context - 2, ids + 1, true);
    if (k < 0) return emb__fail(EMB_E_NOMEM, "out of memory tokenizing a text of %zu bytes", strlen(text));
    int used = (int)(k < context - 2 ? k : context - 2);
    ids[1 + used] = t->end_id;
    for (int i = used + 2; i < context; i++) ids[i] = 0;
    if (n_tokens) *n_tokens = used + 2;
    if (truncated) *truncated = k > context - 2;
    return EMB_OK;
}
