/* mpi_embed.c - the embed stage as MPI ranks: rank r decodes and embeds the
 * contiguous shard [n r / R, n (r + 1) / R) of the sorted item list, rank 0
 * gathers the shards in rank order (point to point, in 1 GiB pieces) and
 * ends with what one process's embed gives: one emb_embedding for all the
 * items (keep mask, vectors of the readable ones, hashes and sizes), the
 * skipped files in item order. The dataset is only read. */
#include "mpi/mpi_internal.h"

#include <stdlib.h>
#include <string.h>

enum { TAG_KEEP = 100, TAG_VEC, TAG_HASH, TAG_W, TAG_H, TAG_TRANSP, TAG_SKIP };

/* What a rank tells rank 0 first (int64 each). */
enum { H_N, H_KEPT, H_D, H_KEEP, H_HASH, H_SIZE, H_TRANSP, H_SKIP_BYTES, H_COUNT };

/* Items [lo, hi) of ds as a dataset of their own (owned copies, as
 * emb_dataset_free releases them). */
static emb_status shard_copy(const emb_dataset *ds, int64_t lo, int64_t hi, emb_dataset **out) {
    int64_t n = hi - lo;
    size_t m = (size_t)(n ? n : 1);
    emb_dataset *s = calloc(1, sizeof *s);
    if (!s) return emb__fail(EMB_E_NOMEM, "out of memory (shard)");
    s->source = ds->source;
    s->layout = ds->layout;
    s->img_h = ds->img_h;
    s->img_w = ds->img_w;
    s->alpha_bg_set = ds->alpha_bg_set;
    memcpy(s->alpha_bg, ds->alpha_bg, 3);
    s->path = calloc(m, sizeof(char *));
    s->split = malloc(m);
    s->label = malloc(m * sizeof(int32_t));
    s->class_names = calloc((size_t)(ds->n_classes ? ds->n_classes : 1), sizeof(char *));
    bool ok = s->path && s->split && s->label && s->class_names;
    for (int32_t c = 0; ok && c < ds->n_classes; c++, s->n_classes++) ok = (s->class_names[c] = emb__strdup(ds->class_names[c]));
    for (int64_t i = 0; ok && i < n; i++, s->n++) ok = (s->path[i] = emb__strdup(ds->path[lo + i]));
    if (ok) {
        memcpy(s->split, ds->split + lo, (size_t)n);
        memcpy(s->label, ds->label + lo, (size_t)n * sizeof(int32_t));
    }
    size_t px = (size_t)ds->img_h * ds->img_w;
    if (ok && ds->pixels) ok = (s->pixels = malloc(m * px)) && memcpy(s->pixels, ds->pixels + (size_t)lo * px, (size_t)n * px);
    if (ok && ds->box) ok = (s->box = malloc(m * 4 * sizeof(int32_t))) && memcpy(s->box, ds->box + 4 * lo, (size_t)n * 4 * sizeof(int32_t));
    if (!ok) { emb_dataset_free(s); return emb__fail(EMB_E_NOMEM, "out of memory (shard of %lld items)", (long long)n); }
    *out = s;
    return EMB_OK;
}

/* The skipped list as "path\0reason\0..." (malloc'd, *len bytes). */
static emb_status skipped_pack(const emb_skipped *s, char **out, size_t *len) {
    size_t n = 0;
    for (int64_t i = 0; i < s->n; i++) n += strlen(s->path[i]) + strlen(s->reason[i]) + 2;
    char *b = malloc(n ? n : 1), *p = b;
    if (!b) return emb__fail(EMB_E_NOMEM, "out of memory (skipped list)");
    for (int64_t i = 0; i < s->n; i++) {
        size_t a = strlen(s->path[i]) + 1, r = strlen(s->reason[i]) + 1;
        memcpy(p, s->path[i], a);
        memcpy(p + a, s->reason[i], r);
        p += a + r;
    }
    *out = b;
    *len = n;
    return EMB_OK;
}

static emb_status skipped_unpack(const char *b, size_t len, emb_skipped *s) {
    size_t off = 0;
    while (off < len) {
        const char *path = b + off, *end = memchr(path, 0, len - off);
        if (!end || (size_t)(end + 1 - b) >= len) return emb__fail(EMB_E_FORMAT, "skipped list from a rank is cut short");
        const char *reason = end + 1, *rend = memchr(reason, 0, len - (size_t)(reason - b));
        if (!rend) return emb__fail(EMB_E_FORMAT, "skipped list from a rank is cut short");
        emb_status st = emb_skipped_add(s, path, reason);
        if (st) return st;
        off = (size_t)(rend + 1 - b);
    }
    return EMB_OK;
}

/* This rank's shard: embed it into *res (res->keep: its readable items). A
 * shard where nothing is readable is no failure while other shards are. */
static emb_status embed_shard(const emb_dataset *ds, int64_t lo, int64_t hi, emb_mpi_embed_fn fn, void *ctx,
                              emb_dataset **shard, emb_embedding *res, emb_skipped *skipped) {
    memset(res, 0, sizeof *res);
    emb_status st = shard_copy(ds, lo, hi, shard);
    if (st || hi == lo) return st;
    st = fn(*shard, ctx, res, skipped);
    if (st == EMB_E_FORMAT && skipped->n == hi - lo) {
        emb_embedding_free(res);
        return EMB_OK;
    }
    if (!st && res->n != hi - lo) st = emb__fail(EMB_E_INVALID, "embed: %lld results for a shard of %lld items",
                                                 (long long)res->n, (long long)(hi - lo));
    return st;
}

/* Bytes of a shard's results as header h describes them. */
static int64_t shard_bytes(const int64_t *h) {
    int64_t n = h[H_N];
    return (h[H_KEEP] ? n : 0) + h[H_KEPT] * h[H_D] * (int64_t)sizeof(float) + (h[H_HASH] ? n * 8 : 0) +
           (h[H_SIZE] ? n * 8 : 0) + (h[H_TRANSP] ? n : 0) + h[H_SKIP_BYTES];
}

/* Rank r > 0: its shard's results to rank 0, in the order rank 0 reads them. */
static emb_status send_shard(const int64_t *h, const emb_embedding *res, const char *skip, int64_t *bytes) {
    size_t n = (size_t)h[H_N], m = (size_t)h[H_KEPT];
    emb_status st = EMB_OK;
    if (h[H_KEEP]) st = emb__mpi_send(res->keep, n, 0, TAG_KEEP);
    if (!st) st = emb__mpi_send(res->vectors.data, m * (size_t)h[H_D] * sizeof(float), 0, TAG_VEC);
    if (!st && h[H_HASH]) st = emb__mpi_send(res->pixel_hash, n * sizeof(uint64_t), 0, TAG_HASH);
    if (!st && h[H_SIZE]) st = emb__mpi_send(res->img_w_src, n * sizeof(int32_t), 0, TAG_W);
    if (!st && h[H_SIZE]) st = emb__mpi_send(res->img_h_src, n * sizeof(int32_t), 0, TAG_H);
    if (!st && h[H_TRANSP]) st = emb__mpi_send(res->transparent, n, 0, TAG_TRANSP);
    if (!st) st = emb__mpi_send(skip, (size_t)h[H_SKIP_BYTES], 0, TAG_SKIP);
    *bytes = shard_bytes(h);
    return st;
}

/* Rank 0: rank r's shard, items [lo, lo + h[H_N]), its vectors at row *row. */
static emb_status recv_shard(int r, const int64_t *h, int64_t lo, emb_embedding *out, int64_t *row,
                             emb_skipped *skipped, int64_t *bytes) {
    size_t n = (size_t)h[H_N], m = (size_t)h[H_KEPT];
    emb_status st = EMB_OK;
    if (h[H_KEEP]) st = emb__mpi_recv(out->keep + lo, n, r, TAG_KEEP);
    if (!st) st = emb__mpi_recv(out->vectors.data + (size_t)*row * out->vectors.cols, m * (size_t)h[H_D] * sizeof(float),
                                r, TAG_VEC);
    *row += (int64_t)m;
    if (!st && h[H_HASH]) st = emb__mpi_recv(out->pixel_hash + lo, n * 8, r, TAG_HASH);
    if (!st && h[H_SIZE]) st = emb__mpi_recv(out->img_w_src + lo, n * 4, r, TAG_W);
    if (!st && h[H_SIZE]) st = emb__mpi_recv(out->img_h_src + lo, n * 4, r, TAG_H);
    if (!st && h[H_TRANSP]) st = emb__mpi_recv(out->transparent + lo, n, r, TAG_TRANSP);
    char *skip = malloc(h[H_SKIP_BYTES] ? (size_t)h[H_SKIP_BYTES] : 1);
    if (!st && !skip) st = emb__fail(EMB_E_NOMEM, "out of memory (gather)");
    if (!st) st = emb__mpi_recv(skip, (size_t)h[H_SKIP_BYTES], r, TAG_SKIP);
    if (!st) st = skipped_unpack(skip, (size_t)h[H_SKIP_BYTES], skipped);
    *bytes += shard_bytes(h);
    free(skip);
    return st;
}

/* n elements of size sz from src to dst, when both exist. */
static void copy_if(void *dst, const void *src, size_t n, size_t sz) {
    if (dst && src) memcpy(dst, src, n * sz);
}

/* Rank 0's own shard, items [lo, lo + h[H_N]), into the full result. */
static emb_status own_shard(const int64_t *h, int64_t lo, const emb_embedding *res, const emb_skipped *skip0,
                            emb_embedding *out, int64_t *row, emb_skipped *skipped) {
    size_t n = (size_t)h[H_N];
    copy_if(out->keep + lo, res->keep, n, 1);
    if (h[H_KEPT]) memcpy(out->vectors.data, res->vectors.data, sizeof(float) * (size_t)h[H_KEPT] * (size_t)out->vectors.cols);
    *row = h[H_KEPT];
    copy_if(out->pixel_hash ? out->pixel_hash + lo : NULL, res->pixel_hash, n, 8);
    copy_if(out->img_w_src ? out->img_w_src + lo : NULL, res->img_w_src, n, 4);
    copy_if(out->img_h_src ? out->img_h_src + lo : NULL, res->img_h_src, n, 4);
    copy_if(out->transparent ? out->transparent + lo : NULL, res->transparent, n, 1);
    for (int64_t i = 0; i < skip0->n; i++) {
        emb_status st = emb_skipped_add(skipped, skip0->path[i], skip0->reason[i]);
        if (st) return st;
    }
    return EMB_OK;
}

/* Rank 0: allocate the gathered result from every rank's header; arrays
 * that no rank has stay NULL, shards without one leave zeros. */
static emb_status alloc_result(const emb_dataset *ds, const int64_t *hs, int size, emb_embedding *out) {
    int64_t kept = 0, d = 0, any[3] = {0, 0, 0};
    for (int r = 0; r < size; r++) {
        const int64_t *h = hs + (size_t)r * H_COUNT;
        kept += h[H_KEPT];
        if (h[H_KEPT] && d && h[H_D] != d)
            return emb__fail(EMB_E_FORMAT, "rank %d made %lld-d vectors, rank 0's shards %lld-d", r, (long long)h[H_D], (long long)d);
        if (h[H_KEPT]) d = h[H_D];
        any[0] |= h[H_HASH], any[1] |= h[H_SIZE], any[2] |= h[H_TRANSP];
    }
    if (kept == 0) return emb__fail(EMB_E_FORMAT, "no readable image among %lld files", (long long)ds->n);
    size_t n = (size_t)(ds->n ? ds->n : 1);
    memset(out, 0, sizeof *out);
    out->n = ds->n;
    out->keep = calloc(n, 1);
    if (any[0]) out->pixel_hash = calloc(n, sizeof(uint64_t));
    if (any[1]) out->img_w_src = calloc(n, sizeof(int32_t)), out->img_h_src = calloc(n, sizeof(int32_t));
    if (any[2]) out->transparent = calloc(n, 1);
    if (!out->keep || (any[0] && !out->pixel_hash) || (any[1] && (!out->img_w_src || !out->img_h_src)) ||
        (any[2] && !out->transparent))
        return emb__fail(EMB_E_NOMEM, "out of memory (gathering %lld items)", (long long)ds->n);
    return emb_matf_alloc(&out->vectors, kept, d);
}

emb_status emb_mpi_embed(const emb_dataset *ds, emb_mpi_embed_fn fn, void *ctx, emb_embedding *out,
                         emb_skipped *skipped, emb_mpi_stats *stats) {
    emb_mpi_world w;
    emb_status st = emb_mpi_world_get(&w);
    if (st) return st;
    memset(out, 0, sizeof *out);
    emb_mpi_stats S = {0};
    int64_t lo = emb__mpi_lo(ds->n, w.rank, w.size), hi = emb__mpi_lo(ds->n, w.rank + 1, w.size);
    emb_dataset *shard = NULL;
    emb_embedding res = {0};
    emb_skipped skip0 = {0};
    char *skip = NULL;
    size_t skip_len = 0;
    int64_t *hs = NULL;
    double t0 = emb_now();
    st = embed_shard(ds, lo, hi, fn, ctx, &shard, &res, &skip0);
    if (!st) st = skipped_pack(&skip0, &skip, &skip_len);
    S.compute_s = emb_now() - t0;
    S.items = hi - lo;
    double t1 = emb_now();
    if ((st = emb_mpi_agree(st))) goto done;
    int64_t kept = res.vectors.rows;
    int64_t h[H_COUNT] = {hi - lo, kept, kept ? res.vectors.cols : 0, res.keep != NULL, res.pixel_hash != NULL,
                          res.img_w_src != NULL, res.transparent != NULL, (int64_t)skip_len};
    hs = malloc(sizeof(int64_t) * H_COUNT * (size_t)w.size);
    if (!hs) { st = emb__fail(EMB_E_NOMEM, "out of memory"); }
    if ((st = emb_mpi_agree(st))) goto done;
    if (MPI_Allgather(h, H_COUNT, MPI_INT64_T, hs, H_COUNT, MPI_INT64_T, MPI_COMM_WORLD) != MPI_SUCCESS) {
        st = emb__fail(EMB_E_IO, "MPI_Allgather failed");
        goto done;
    }
    if (w.rank == 0) st = alloc_result(ds, hs, w.size, out);
    if ((st = emb_mpi_agree(st))) goto done;
    if (w.rank == 0) {
        int64_t row = 0;
        st = own_shard(h, lo, &res, &skip0, out, &row, skipped);
        for (int r = 1; !st && r < w.size; r++)
            st = recv_shard(r, hs + (size_t)r * H_COUNT, emb__mpi_lo(ds->n, r, w.size), out, &row, skipped,
                            &S.bytes_received);
    } else {
        st = send_shard(h, &res, skip, &S.bytes_sent);
    }
    st = emb_mpi_agree(st);
done:
    S.comm_s = emb_now() - t1;
    if (st) emb_embedding_free(out);
    if (stats) *stats = S;
    emb_dataset_free(shard);
    emb_embedding_free(&res);
    emb_skipped_free(&skip0);
    free(skip);
    free(hs);
    return st;
}
