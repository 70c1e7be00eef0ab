/* decode_bmp.c - Windows BMP (and OS/2 1.x) to RGB, our own parser, matching
 * Pillow 9.4's BmpImagePlugin + convert("RGB"):
 * - headers: BITMAPCOREHEADER (12 bytes: u16 sizes, 3-byte palette entries),
 *   BITMAPINFOHEADER (40) and its extensions 52, 56, 64, V4 (108), V5 (124);
 *   a negative height is a top-down image;
 * - 1, 4, 8 bits: palette (entries past its end are Pillow's gray ramp
 *   v, v, v); a palette of exactly black, white is Pillow's mode "1", which
 *   unpacks the rows as 1 bit per pixel whatever the depth says;
 * - 16 bits: 5-5-5 unless BITFIELDS; 24: BGR; 32: BGRX unless BITFIELDS;
 *   BITFIELDS masks give channel = field * 255 / field_max (truncated, as
 *   Pillow's BGR;15 / BGR;16 unpackers); a 32-bit alpha mask (or all masks
 *   zero: Pillow's BGRA) gives out->alpha;
 * - RLE8 / RLE4 decoded as Pillow's BmpRleDecoder: runs clipped at the row's
 *   end, absolute runs not, delta fills with index 0, word alignment by the
 *   file offset.
 *   An end of bitmap before the last pixel is an error, as in Pillow ("not
 *   enough image data"; the format would fill the rest with index 0: a
 *   100-byte file could claim 2^28 pixels). Known differences, where Pillow
 *   9.4 departs from the format: a delta reads its two bytes once (Pillow
 *   reads two more and uses those); an RLE4 absolute run of odd length n
 *   reads (n + 1) / 2 bytes (Pillow reads n / 2 and loses the last pixel
 *   and its alignment).
 * Every size and offset is checked against the file: a truncated file is
 * an error (Pillow too, except for RLE, which it pads with zeros). */
#include "io/decode.h"

#include <stdlib.h>
#include <string.h>

enum { BI_RGB = 0, BI_RLE8 = 1, BI_RLE4 = 2, BI_BITFIELDS = 3 };

static unsigned u16le(const unsigned char *p) { return p[0] | (unsigned)p[1] << 8; }
static uint32_t u32le(const unsigned char *p) {
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

typedef struct {
    long long w, h;
    bool top_down;
    unsigned bits;
    uint32_t compression, colors;
    uint32_t mask[4];        /* r, g, b, a */
    size_t palette_at;       /* file offset of the palette */
    int pal_entry;           /* 3 (core header) or 4 bytes */
    size_t data_at;          /* file offset of the pixels */
} bmp_info;

static emb_status bmp_header(const unsigned char *b, size_t len, const char *name, bmp_info *bi) {
    if (len < 18) return emb__fail(EMB_E_FORMAT, "%s: corrupt BMP: file ends inside the header", name);
    uint32_t hsize = u32le(b + 14);
    if (hsize != 12 && hsize != 40 && hsize != 52 && hsize != 56 && hsize != 64 && hsize != 108 && hsize != 124)
        return emb__fail(EMB_E_FORMAT, "%s: corrupt BMP: unknown header size %u", name, (unsigned)hsize);
    if (len < 14 + (size_t)hsize) return emb__fail(EMB_E_FORMAT, "%s: corrupt BMP: file ends inside the header", name);
    const unsigned char *h = b + 14;
    memset(bi, 0, sizeof *bi);
    size_t pos = 14 + hsize;
    if (hsize == 12) {
        bi->w = u16le(h + 4);
        bi->h = u16le(h + 6);
        bi->bits = u16le(h + 10);
        bi->pal_entry = 3;
    } else {
        bi->w = (int32_t)u32le(h + 4);
        bi->h = (int32_t)u32le(h + 8);
        bi->bits = u16le(h + 14);
        bi->compression = u32le(h + 16);
        bi->colors = u32le(h + 32);
        bi->pal_entry = 4;
        if (bi->h < 0) { bi->top_down = true; bi->h = -bi->h; }
        if (bi->compression == BI_BITFIELDS) {
            if (hsize >= 52) {
                for (int k = 0; k < 3; k++) bi->mask[k] = u32le(h + 40 + 4 * k);
                if (hsize >= 56) bi->mask[3] = u32le(h + 52);
            } else {                        /* three masks follow a 40-byte header */
                if (len < pos + 12) return emb__fail(EMB_E_FORMAT, "%s: corrupt BMP: file ends inside the colour masks", name);
                for (int k = 0; k < 3; k++) bi->mask[k] = u32le(b + pos + 4 * k);
                pos += 12;
            }
        }
    }
    bi->palette_at = pos;
    uint32_t off = u32le(b + 10);
    bi->data_at = off;
    if (bi->w <= 0) return emb__fail(EMB_E_FORMAT, "%s: corrupt BMP: width %lld", name, bi->w);
    return emb__image_dims(name, bi->w, bi->h);
}

/* A contiguous bit field: shift and maximum value; false for a gap. */
static bool mask_field(uint32_t m, int *shift, uint32_t *max) {
    *shift = 0;
    *max = 0;
    if (!m) return true;
    while (!(m & 1)) { m >>= 1; (*shift)++; }
    if (m & (m + 1)) return false;           /* not of the form 0..01..1 */
    *max = m;
    return true;
}

/* Palette to RGB: n entries, then Pillow's gray ramp up to 256. */
static void bmp_palette(const unsigned char *p, uint32_t n, int entry, uint8_t pal[256][3]) {
    for (int i = 0; i < 256; i++) pal[i][0] = pal[i][1] = pal[i][2] = (uint8_t)i;
    for (uint32_t i = 0; i < n; i++) {
        pal[i][0] = p[entry * i + 2];
        pal[i][1] = p[entry * i + 1];
        pal[i][2] = p[entry * i + 0];
    }
}

/* RLE8 / RLE4 into idx (w*h indices in file row order), as Pillow's
 * BmpRleDecoder. Returns false when the data or an end-of-bitmap marker
 * comes before the image is full. */
static bool bmp_rle(const unsigned char *b, size_t len, size_t pos, bool rle4, size_t w, size_t total, uint8_t *idx) {
    size_t n = 0, x = 0;
#define PUT(v) do { if (n < total) idx[n] = (uint8_t)(v); n++; } while (0)
    while (n < total) {
        if (pos > len || len - pos < 2) return false;   /* the alignment step may pass the end */
        unsigned count = b[pos], byte = b[pos + 1];
        pos += 2;
        if (count) {                                 /* a run of one (RLE4: two alternating) value */
            size_t k = x + count > w ? (w > x ? w - x : 0) : count;
            for (size_t i = 0; i < k; i++) PUT(rle4 ? (i % 2 ? byte & 15 : byte >> 4) : byte);
            x += k;
        } else if (byte == 0) {                      /* end of line */
            n = (n + w - 1) / w * w;
            x = 0;
        } else if (byte == 1) {                      /* end of bitmap before the last pixel */
            return false;                            /* Pillow: "not enough image data" */
        } else if (byte == 2) {                      /* delta: right, up */
            if (len - pos < 2) return false;
            n += b[pos] + (size_t)b[pos + 1] * w;
            pos += 2;
            x = n % w;
        } else {                                     /* absolute run of byte pixels */
            size_t nbytes = rle4 ? (byte + 1) / 2 : byte;
            if (len - pos < nbytes) return false;
            for (size_t i = 0; i < byte; i++) {
                unsigned v = b[pos + (rle4 ? i / 2 : i)];
                PUT(rle4 ? (i % 2 ? v & 15 : v >> 4) : v);
            }
            pos += nbytes;
            x += byte;
            if (pos % 2) pos++;                      /* word alignment, by file offset */
        }
    }
#undef PUT
    return true;
}

/* One uncompressed row (file order) to RGB (+ alpha): palette indices (or
 * Pillow's mode "1" bits), BGR, or bit fields with shift / max per channel. */
typedef struct { unsigned bits; bool mode1; const uint8_t (*pal)[3]; int shift[4]; uint32_t maxv[4]; } bmp_row_fmt;

static void bmp_raw_row(const bmp_row_fmt *f, const unsigned char *src, int w, uint8_t *dst, uint8_t *da) {
    unsigned bits = f->bits;
    if (bits == 8 && !f->mode1) {            /* the common palette case */
        for (int x = 0; x < w; x++) memcpy(dst + 3 * x, f->pal[src[x]], 3);
        return;
    }
    for (int x = 0; x < w; x++, dst += 3) {
        if (f->mode1) { memset(dst, (src[x >> 3] >> (7 - (x & 7)) & 1) ? 255 : 0, 3); continue; }
        if (bits <= 8) {
            unsigned per = 8 / bits, v = src[x / per] >> (bits * (per - 1 - x % per)) & ((1u << bits) - 1);
            memcpy(dst, f->pal[v], 3);
            continue;
        }
        if (bits == 24) { dst[0] = src[3 * x + 2]; dst[1] = src[3 * x + 1]; dst[2] = src[3 * x]; continue; }
        uint32_t v = bits == 16 ? u16le(src + 2 * x) : u32le(src + 4 * x);
        for (int c = 0; c < 4; c++) {
            uint32_t fv = f->maxv[c] ? (v >> f->shift[c]) & f->maxv[c] : 0;
            uint8_t o = f->maxv[c] ? (uint8_t)((uint64_t)fv * 255 / f->maxv[c]) : 0;
            if (c < 3) dst[c] = o;
            else if (da) da[x] = o;
        }
    }
}

emb_status emb__decode_bmp(const unsigned char *b, size_t len, const char *name, emb_image *out) {
    bmp_info bi;
    emb_status st = bmp_header(b, len, name, &bi);
    if (st) return st;
    unsigned bits = bi.bits;
    bool rle = bi.compression == BI_RLE8 || bi.compression == BI_RLE4;
    if (bi.compression > BI_BITFIELDS)
        return emb__fail(EMB_E_UNSUPPORTED, "%s: BMP compression %u (embedded JPEG/PNG) is not supported", name, (unsigned)bi.compression);
    if (bits != 1 && bits != 4 && bits != 8 && bits != 16 && bits != 24 && bits != 32)
        return emb__fail(EMB_E_FORMAT, "%s: corrupt BMP: %u bits per pixel", name, bits);
    if ((bi.compression == BI_RLE8 && bits != 8) || (bi.compression == BI_RLE4 && bits != 4))
        return emb__fail(EMB_E_FORMAT, "%s: corrupt BMP: RLE%u with %u bits per pixel", name, bi.compression == BI_RLE8 ? 8u : 4u, bits);
    uint8_t pal[256][3];
    bool mode1 = false;
    if (bits <= 8) {
        uint32_t n = bi.colors ? bi.colors : 1u << bits;
        if (n > 256) return emb__fail(EMB_E_FORMAT, "%s: corrupt BMP: palette of %u colours", name, (unsigned)n);
        if (bi.palette_at > len || (len - bi.palette_at) / bi.pal_entry < n)
            return emb__fail(EMB_E_FORMAT, "%s: corrupt BMP: file ends inside the palette", name);
        bmp_palette(b + bi.palette_at, n, bi.pal_entry, pal);
        mode1 = n == 2 && !memcmp(pal[0], "\0\0\0", 3) && !memcmp(pal[1], "\xff\xff\xff", 3);
        if (!bi.data_at) bi.data_at = bi.palette_at + (size_t)bi.pal_entry * n;
    } else if (!bi.data_at) {
        bi.data_at = bi.palette_at;
    }
    if (bi.data_at >= len) return emb__fail(EMB_E_FORMAT, "%s: corrupt BMP: pixel data offset %zu beyond the file's %zu bytes", name, bi.data_at, len);
    int w = (int)bi.w, h = (int)bi.h;
    /* masks: defaults per depth; alpha only from BITFIELDS (Pillow's BGRA) */
    uint32_t m[4] = {0x7c00, 0x3e0, 0x1f, 0};
    if (bits == 32) { m[0] = 0xff0000; m[1] = 0xff00; m[2] = 0xff; }
    if (bi.compression == BI_BITFIELDS && bits >= 16) {
        if (!(bi.mask[0] | bi.mask[1] | bi.mask[2] | bi.mask[3])) {
            if (bits == 32) m[3] = 0xff000000u;      /* Pillow: all-zero masks read as BGRA */
        } else memcpy(m, bi.mask, sizeof m);
    }
    bmp_row_fmt rf = {bits, mode1, (const uint8_t (*)[3])pal, {0}, {0}};
    for (int c = 0; c < 4; c++)
        if (!mask_field(m[c], &rf.shift[c], &rf.maxv[c]))
            return emb__fail(EMB_E_FORMAT, "%s: corrupt BMP: colour mask 0x%08x has a gap", name, (unsigned)m[c]);
    bool alpha = bits == 32 && m[3] != 0 && bi.compression == BI_BITFIELDS;
    size_t np = (size_t)w * h;
    size_t stride = (((size_t)w * bits + 31) / 32) * 4, rowbytes = ((size_t)w * (mode1 ? 1 : bits) + 7) / 8;
    /* sizes against the file before allocating: a 100-byte file may claim 2^28 pixels */
    if (!rle && (len - bi.data_at < rowbytes || (len - bi.data_at - rowbytes) / stride < (size_t)h - 1))
        return emb__fail(EMB_E_FORMAT, "%s: corrupt BMP: file is truncated (%zu bytes of pixels for %d rows of %zu)",
                         name, len - bi.data_at, h, stride);
    if ((st = emb__image_alloc(out, w, h, alpha, name))) return st;
    out->src_channels = bits <= 8 ? (mode1 ? 1 : 3) : alpha ? 4 : 3;
    if (rle) {
        uint8_t *idx = calloc(np, 1);
        if (!idx) return emb__fail(EMB_E_NOMEM, "%s: out of memory", name);
        bool ok = bmp_rle(b, len, bi.data_at, bi.compression == BI_RLE4, (size_t)w, np, idx);
        for (int r = 0; ok && r < h; r++) {
            uint8_t *dst = out->rgb + (size_t)(bi.top_down ? r : h - 1 - r) * w * 3;
            for (int x = 0; x < w; x++) memcpy(dst + 3 * x, pal[idx[(size_t)r * w + x]], 3);
        }
        free(idx);
        return ok ? EMB_OK : emb__fail(EMB_E_FORMAT, "%s: corrupt BMP: RLE data (or an end-of-bitmap marker) ends before the image does", name);
    }
    for (int r = 0; r < h; r++) {
        const unsigned char *src = b + bi.data_at + (size_t)r * stride;
        size_t y = (size_t)(bi.top_down ? r : h - 1 - r);
        uint8_t *dst = out->rgb + y * w * 3, *da = alpha ? out->alpha + y * w : NULL;
        bmp_raw_row(&rf, src, w, dst, da);
    }
    return EMB_OK;
}
