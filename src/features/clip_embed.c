/* clip_embed.c - CLIP vectors for a dataset: decode + preprocess a batch of
 * images in parallel, one batched forward pass, repeat. Unreadable images are
 * skipped and listed as emb_pixels_embed does. */
#include "clip_internal.h"
#include "features/features.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Message of the last error without the leading "path: ". */
static char *reason(const char *path) {
    const char *m = emb_errmsg();
    size_t pl = strlen(path);
    if (!strncmp(m, path, pl) && m[pl] == ':' && m[pl + 1] == ' ') m += pl + 2;
    return strdup(m);
}

emb_status emb_clip_embed_dataset(emb_dataset *ds, const emb_clip *m, const emb_clip_params *params,
                                  emb_matf *out, emb_skipped *skipped) {
    emb_clip_params p = params ? *params : emb_clip_default_params();
    if (p.batch <= 0) p.batch = 32;
    memset(out, 0, sizeof *out);
    if (ds->source == EMB_SOURCE_VECTORS) return emb__fail(EMB_E_INVALID, "a vectors dataset has no images to embed");
    const int S = m->info.image_size, E = m->info.dim, nt = emb_threads_resolve(p.n_threads);
    const size_t img = (size_t)3 * S * S;
    int64_t n = ds->n;
    emb_status st = emb_matf_alloc(out, n, E);
    if (st) return st;
    emb_clip_ws *ws = emb_clip_ws_new(m, p.batch);
    float *px = malloc(sizeof(float) * img * (size_t)p.batch), *vec = malloc(sizeof(float) * (size_t)E * p.batch);
    int64_t *slot_item = malloc(sizeof(int64_t) * (size_t)p.batch);
    uint8_t *keep = calloc((size_t)n, 1);
    char **why = calloc((size_t)n, sizeof(char *));
    bool is_folder = ds->source == EMB_SOURCE_FOLDER;
    ds->pixel_hash = calloc((size_t)n, sizeof(uint64_t));
    if (is_folder) {
        ds->img_w_src = calloc((size_t)n, sizeof(int32_t));
        ds->img_h_src = calloc((size_t)n, sizeof(int32_t));
    }
    if (!ws || !px || !vec || !slot_item || !keep || !why || !ds->pixel_hash || (is_folder && (!ds->img_w_src || !ds->img_h_src))) {
        st = emb__fail(EMB_E_NOMEM, "out of memory");
        goto done;
    }
    for (int64_t i0 = 0; i0 < n; i0 += p.batch) {
        int cnt = (int)(n - i0 < p.batch ? n - i0 : p.batch);
        #pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
        for (int j = 0; j < cnt; j++) {
            int64_t i = i0 + j;
            emb_image im;
            emb_status s = emb_dataset_image(ds, i, &im);
            if (s == EMB_OK) {
                /* IDX: hash of the gray bytes, as emb_pixels_embed */
                if (ds->source == EMB_SOURCE_IDX)
                    ds->pixel_hash[i] = emb_pixels_hash(ds->pixels + (size_t)i * ds->img_w * ds->img_h, ds->img_w, ds->img_h, 1);
                else {
                    ds->pixel_hash[i] = emb_pixels_hash(im.rgb, im.w, im.h, 3);
                    ds->img_w_src[i] = im.w;
                    ds->img_h_src[i] = im.h;
                }
                s = emb_clip_preprocess(&im, S, NULL, px + (size_t)j * img);
                emb_image_free(&im);
            }
            if (s == EMB_OK) keep[i] = 1;
            else why[i] = reason(ds->path[i]);
        }
        int ok = 0;
        for (int j = 0; j < cnt; j++) {
            if (!keep[i0 + j]) continue;
            if (ok != j) memcpy(px + (size_t)ok * img, px + (size_t)j * img, sizeof(float) * img);
            slot_item[ok++] = i0 + j;
        }
        if (ok && (st = emb_clip_embed(m, ws, px, ok, vec))) goto done;
        for (int j = 0; j < ok; j++)
            memcpy(out->data + (size_t)slot_item[j] * E, vec + (size_t)j * E, sizeof(float) * (size_t)E);
        if (p.progress.fn) emb_progress_report(&p.progress, "embed", (double)(i0 + cnt) / n, NULL);
    }
    st = emb__embed_compact(ds, out, keep, why, skipped);
done:
    if (why) for (int64_t i = 0; i < n; i++) free(why[i]);
    free(why); free(keep); free(slot_item); free(px); free(vec);
    emb_clip_ws_free(ws);
    if (st) emb_matf_free(out);
    return st;
}
