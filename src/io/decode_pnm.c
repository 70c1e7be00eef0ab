/* decode_pnm.c - Netpbm PBM / PGM / PPM (P1-P6, maxval 1..65535), our own
 * parser, matching Pillow 9.4's PpmImagePlugin + convert("RGB"):
 * - header tokens separated by whitespace, '#' comments to the end of the
 *   line, tokens of at most 10 characters; one whitespace byte, then the
 *   raster (P4-P6);
 * - P1 / P4 bits: 1 is black, 0 white; P1 digits need no separators;
 * - samples with maxval 255 as stored; others (2-byte big-endian above 255)
 *   scaled as Pillow's PpmDecoder: round(v / maxval * 255), half to even;
 * - a plain (P2/P3) sample above maxval is an error, a binary one clips to
 *   255, as in Pillow.
 * Known difference: Pillow opens 16-bit PGM as mode I and convert("RGB")
 * clips it to 255; we scale it as PPM's channels, which keeps the image.
 * Pillow pads a short raster with black; we refuse a truncated file. */
#include "io/decode.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct { const unsigned char *b; size_t len, pos; } pnm_src;

static void skip_space_comments(pnm_src *s) {
    while (s->pos < s->len) {
        unsigned char c = s->b[s->pos];
        if (c == '#') {
            while (s->pos < s->len && s->b[s->pos] != '\n' && s->b[s->pos] != '\r') s->pos++;
        } else if (isspace(c)) {
            s->pos++;
        } else break;
    }
}

/* A decimal header token; consumes the one whitespace byte after it. */
static bool header_int(pnm_src *s, long *v) {
    skip_space_comments(s);
    size_t start = s->pos;
    long x = 0;
    while (s->pos < s->len && isdigit(s->b[s->pos]) && s->pos - start < 10) x = x * 10 + (s->b[s->pos++] - '0');
    if (s->pos == start || s->pos >= s->len || !isspace(s->b[s->pos])) return false;
    s->pos++;
    *v = x;
    return true;
}

/* A plain-format sample: digits after whitespace and comments. */
static bool plain_int(pnm_src *s, long *v) {
    skip_space_comments(s);
    size_t start = s->pos;
    long x = 0;
    while (s->pos < s->len && isdigit(s->b[s->pos]) && s->pos - start < 10) x = x * 10 + (s->b[s->pos++] - '0');
    if (s->pos == start) return false;
    *v = x;
    return true;
}

emb_status emb__decode_pnm(const unsigned char *b, size_t len, const char *name, emb_image *out) {
    pnm_src s = {b, len, 3};
    int kind = b[1] - '0';
    bool bits = kind == 1 || kind == 4, plain = kind <= 3;
    int ch = (kind == 3 || kind == 6) ? 3 : 1;
    long w, h, maxval = 1;
    s.pos = 2;
    if (!header_int(&s, &w) || !header_int(&s, &h) || (!bits && !header_int(&s, &maxval)))
        return emb__fail(EMB_E_FORMAT, "%s: corrupt PNM: bad header", name);
    if (!bits && (maxval < 1 || maxval > 65535))
        return emb__fail(EMB_E_FORMAT, "%s: corrupt PNM: maxval %ld (1 to 65535)", name, maxval);
    emb_status st = emb__image_dims(name, w, h);
    if (st) return st;
    /* sizes against the file before allocating: a binary raster needs its
     * bytes, a plain one at least a character per sample */
    size_t np0 = (size_t)w * h, left = len - s.pos;
    size_t need = bits ? (plain ? np0 : ((size_t)w + 7) / 8 * h) : np0 * ch * (plain || maxval < 256 ? 1 : 2);
    if (left < need) return emb__fail(EMB_E_FORMAT, "%s: corrupt PNM: file is truncated (%zu bytes for %ld x %ld)", name, left, w, h);
    if ((st = emb__image_alloc(out, (int)w, (int)h, false, name))) return st;
    out->src_channels = ch;
    size_t np = (size_t)w * h;
    uint8_t *px = out->rgb;
    if (bits) {
        size_t rowbytes = ((size_t)w + 7) / 8;
        if (!plain && (len - s.pos) / rowbytes < (size_t)h)
            return emb__fail(EMB_E_FORMAT, "%s: corrupt PNM: file is truncated", name);
        for (size_t i = 0; i < np; i++) {
            int bit;
            if (plain) {
                skip_space_comments(&s);
                if (s.pos >= len || (b[s.pos] != '0' && b[s.pos] != '1'))
                    return emb__fail(EMB_E_FORMAT, "%s: corrupt PNM: pixel %zu is not 0 or 1", name, i);
                bit = b[s.pos++] - '0';
            } else {
                size_t y = i / w, x = i % w;
                bit = b[s.pos + y * rowbytes + x / 8] >> (7 - x % 8) & 1;
            }
            memset(px + 3 * i, bit ? 0 : 255, 3);
        }
        return EMB_OK;
    }
    if (!plain && maxval == 255) {          /* the common case: bytes as stored */
        const unsigned char *src = b + s.pos;
        if (ch == 3) memcpy(px, src, np * 3);
        else for (size_t i = 0; i < np; i++) px[3 * i] = px[3 * i + 1] = px[3 * i + 2] = src[i];
        return EMB_OK;
    }
    /* sample -> 8 bits, as Pillow's min(255, round(v / maxval * 255)); a
     * binary sample above maxval clips (a plain one is an error, below) */
    uint8_t *lut = malloc(65536);
    if (!lut) return emb__fail(EMB_E_NOMEM, "%s: out of memory", name);
    for (long v = 0; v < 65536; v++)
        lut[v] = v > maxval ? 255 : maxval == 255 ? (uint8_t)v : (uint8_t)rint((double)v / maxval * 255.0);
    int bps = maxval > 255 ? 2 : 1;
    size_t ns = np * ch;
    if (!plain && (len - s.pos) / (size_t)bps / ch < np) {
        free(lut);
        return emb__fail(EMB_E_FORMAT, "%s: corrupt PNM: file is truncated", name);
    }
    for (size_t i = 0; i < ns; i++) {
        long v;
        if (plain) {
            if (!plain_int(&s, &v)) { st = emb__fail(EMB_E_FORMAT, "%s: corrupt PNM: sample %zu missing", name, i); break; }
        } else {
            const unsigned char *p = b + s.pos + i * bps;
            v = bps == 2 ? (p[0] << 8 | p[1]) : p[0];
        }
        if (plain && v > maxval) { st = emb__fail(EMB_E_FORMAT, "%s: corrupt PNM: sample %ld above maxval %ld", name, v, maxval); break; }
        if (ch == 3) px[i] = lut[v];
        else memset(px + 3 * i, lut[v], 3);
    }
    free(lut);
    return st;
}
