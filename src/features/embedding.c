/* embedding.c - the result of an embedder (emb_embedding, emb_features.h):
 * allocated and compacted here for the pixel and CLIP embedders, released,
 * and applied to a dataset for callers that want the filtered dataset. */
#include "core/internal.h"
#include "features/features.h"

#include <stdlib.h>
#include <string.h>

void emb_embedding_free(emb_embedding *e) {
    if (!e) return;
    emb_matf_free(&e->vectors);
    free(e->keep);
    free(e->pixel_hash);
    free(e->img_w_src);
    free(e->img_h_src);
    free(e->transparent);
    memset(e, 0, sizeof *e);
}

emb_status emb__embedding_alloc(emb_embedding *e, int64_t n, int64_t d, bool sizes) {
    memset(e, 0, sizeof *e);
    e->n = n;
    size_t m = (size_t)(n ? n : 1);
    emb_status st = emb_matf_alloc(&e->vectors, n, d);
    if (st) return st;
    e->keep = calloc(m, 1);
    e->pixel_hash = calloc(m, sizeof(uint64_t));
    if (sizes) {
        e->img_w_src = calloc(m, sizeof(int32_t));
        e->img_h_src = calloc(m, sizeof(int32_t));
        e->transparent = calloc(m, 1);
    }
    if (!e->keep || !e->pixel_hash || (sizes && (!e->img_w_src || !e->img_h_src || !e->transparent))) {
        emb_embedding_free(e);
        return emb__fail(EMB_E_NOMEM, "out of memory (embedding of %lld items)", (long long)n);
    }
    return EMB_OK;
}

emb_status emb__embed_finish(const emb_dataset *ds, emb_embedding *e, char *const *why, emb_skipped *skipped) {
    int64_t n = e->n, d = e->vectors.cols, kept = 0;
    for (int64_t i = 0; i < n; i++) {
        if (e->keep[i]) {
            if (kept != i)
                memmove(e->vectors.data + (size_t)kept * d, e->vectors.data + (size_t)i * d, sizeof(float) * (size_t)d);
            kept++;
            continue;
        }
        /* what a failed item got before failing (a hash, a size) is not kept */
        e->pixel_hash[i] = 0;
        if (e->img_w_src) e->img_w_src[i] = e->img_h_src[i] = 0;
        if (e->transparent) e->transparent[i] = 0;
        emb_status st = emb_skipped_add(skipped, ds->path[i], why[i] ? why[i] : "unreadable");
        if (st) return st;
    }
    e->vectors.rows = kept;
    if (kept == 0) return emb__fail(EMB_E_FORMAT, "no readable image among %lld files", (long long)n);
    return EMB_OK;
}

/* A copy of the n elements of size sz at src, or NULL (then *ok = false). */
static void *copy_of(const void *src, size_t n, size_t sz, bool *ok) {
    if (!src) return NULL;
    void *d = malloc(n ? n * sz : 1);
    if (d) memcpy(d, src, n * sz);
    else *ok = false;
    return d;
}

emb_status emb_dataset_apply_embedding(emb_dataset *ds, const emb_embedding *e) {
    if (!ds || !e || !e->keep || e->n != ds->n)
        return emb__fail(EMB_E_INVALID, "embedding of %lld items applied to a dataset of %lld",
                         e ? (long long)e->n : -1LL, ds ? (long long)ds->n : -1LL);
    size_t n = (size_t)ds->n;
    bool ok = true;
    uint64_t *hash = copy_of(e->pixel_hash, n, sizeof(uint64_t), &ok);
    int32_t *w = copy_of(e->img_w_src, n, sizeof(int32_t), &ok), *h = copy_of(e->img_h_src, n, sizeof(int32_t), &ok);
    uint8_t *transp = copy_of(e->transparent, n, 1, &ok);
    if (!ok) {
        free(hash), free(w), free(h), free(transp);
        return emb__fail(EMB_E_NOMEM, "out of memory (applying an embedding of %lld items)", (long long)n);
    }
    if (hash) free(ds->pixel_hash), ds->pixel_hash = hash;
    if (w) free(ds->img_w_src), ds->img_w_src = w;
    if (h) free(ds->img_h_src), ds->img_h_src = h;
    if (transp) free(ds->transparent), ds->transparent = transp;
    return emb_dataset_filter(ds, e->keep);
}
