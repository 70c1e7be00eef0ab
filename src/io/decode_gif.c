/* decode_gif.c - GIF (87a, 89a) first frame via giflib, matching Pillow
 * 9.4's GifImagePlugin + convert("RGB"): the canvas is the logical screen
 * (grown to hold the frame if it reaches past it); pixels outside the
 * first frame are palette index 0, or the transparent index when the
 * frame's graphic control extension names one; the local colour table wins
 * over the global one; no table gives gray levels; indices past the table
 * are Pillow's gray ramp. The transparent index gives alpha 0 (convert("RGBA")). */
#include "io/decode.h"

#include <gif_lib.h>
#include <stdlib.h>
#include <string.h>

typedef struct { const unsigned char *b; size_t len, pos; } gif_src;

static int gif_read(GifFileType *g, GifByteType *dst, int n) {
    gif_src *s = g->UserData;
    size_t k = (size_t)n < s->len - s->pos ? (size_t)n : s->len - s->pos;
    memcpy(dst, s->b + s->pos, k);
    s->pos += k;
    return (int)k;
}

static emb_status gif_fail(const char *name, int code) {
    const char *m = GifErrorString(code);
    return emb__fail(EMB_E_FORMAT, "%s: corrupt GIF: %s", name, m ? m : "unknown error");
}

/* Read records up to the first image descriptor; *transparent = index or -1. */
static emb_status gif_first_image(GifFileType *g, const char *name, int *transparent) {
    *transparent = -1;
    for (;;) {
        GifRecordType rt;
        if (DGifGetRecordType(g, &rt) == GIF_ERROR) return gif_fail(name, g->Error);
        if (rt == IMAGE_DESC_RECORD_TYPE) {
            if (DGifGetImageDesc(g) == GIF_ERROR) return gif_fail(name, g->Error);
            return EMB_OK;
        }
        if (rt == TERMINATE_RECORD_TYPE) return emb__fail(EMB_E_FORMAT, "%s: corrupt GIF: no image in the file", name);
        if (rt != EXTENSION_RECORD_TYPE) return emb__fail(EMB_E_FORMAT, "%s: corrupt GIF: unknown record", name);
        int code;
        GifByteType *ext;
        if (DGifGetExtension(g, &code, &ext) == GIF_ERROR) return gif_fail(name, g->Error);
        if (code == GRAPHICS_EXT_FUNC_CODE && ext && ext[0] >= 4)
            *transparent = (ext[1] & 1) ? ext[4] : -1;
        while (ext) if (DGifGetExtensionNext(g, &ext) == GIF_ERROR) return gif_fail(name, g->Error);
    }
}

emb_status emb__decode_gif(const unsigned char *b, size_t len, const char *name, emb_image *out) {
    gif_src src = {b, len, 0};
    int err = 0;
    GifFileType *g = DGifOpen(&src, gif_read, &err);
    if (!g) return gif_fail(name, err);
    uint8_t *idx = NULL;
    int transparent;
    emb_status st = gif_first_image(g, name, &transparent);
    if (st) goto done;
    GifImageDesc *d = &g->Image;
    long long x1 = (long long)d->Left + d->Width, y1 = (long long)d->Top + d->Height;
    long long W = g->SWidth > x1 ? g->SWidth : x1, H = g->SHeight > y1 ? g->SHeight : y1;
    if ((st = emb__image_dims(name, W, H)) || (st = emb__image_dims(name, d->Width, d->Height))) goto done;
    size_t np = (size_t)W * H;
    if (!(idx = malloc(np))) { st = emb__fail(EMB_E_NOMEM, "%s: out of memory", name); goto done; }
    memset(idx, transparent >= 0 ? transparent : 0, np);
    /* interlaced rows come in four passes: 0, 4, 2, 1 (mod 8, 8, 4, 2) */
    static const int START[4] = {0, 4, 2, 1}, STEP[4] = {8, 8, 4, 2};
    int passes = d->Interlace ? 4 : 1;
    for (int p = 0; p < passes; p++)
        for (int y = d->Interlace ? START[p] : 0; y < d->Height; y += d->Interlace ? STEP[p] : 1)
            if (DGifGetLine(g, idx + (size_t)(d->Top + y) * W + d->Left, d->Width) == GIF_ERROR) {
                st = gif_fail(name, g->Error);
                goto done;
            }
    uint8_t pal[256][3];
    for (int i = 0; i < 256; i++) pal[i][0] = pal[i][1] = pal[i][2] = (uint8_t)i;
    ColorMapObject *cm = d->ColorMap ? d->ColorMap : g->SColorMap;
    for (int i = 0; cm && i < cm->ColorCount && i < 256; i++) {
        pal[i][0] = cm->Colors[i].Red;
        pal[i][1] = cm->Colors[i].Green;
        pal[i][2] = cm->Colors[i].Blue;
    }
    if ((st = emb__image_alloc(out, (int)W, (int)H, transparent >= 0, name))) goto done;
    for (size_t i = 0; i < np; i++) {
        memcpy(out->rgb + 3 * i, pal[idx[i]], 3);
        if (out->alpha) out->alpha[i] = idx[i] == transparent ? 0 : 255;
    }
    out->src_channels = transparent >= 0 ? 4 : 3;
done:
    free(idx);
    DGifCloseFile(g, &err);
    return st;
}
