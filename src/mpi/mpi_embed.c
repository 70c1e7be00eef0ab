/* mpi_embed.c - the embed stage as MPI ranks: rank r decodes and embeds the
 * contiguous shard [n r / R, n (r + 1) / R) of the sorted item list, rank 0
 * gathers the shards in rank order (point to point, in 1 GiB pieces) and
 * ends with what one process's embed gives: the readable items, their
 * vectors, their hashes and sizes, the skipped files in item order. */
#include "mpi/mpi_internal.h"

#include <stdlib.h>
#include <string.h>

enum { TAG_KEEP = 100, TAG_VEC, TAG_HASH, TAG_W, TAG_H, TAG_TRANSP, TAG_SKIP };

/* What a rank tells rank 0 first (int64 each). */
enum { H_N, H_KEPT, H_D, H_HASH, H_SIZE, H_TRANSP, H_SKIP_BYTES, H_COUNT };

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

/* This rank's shard: embed it, and keep[i] = 1 for its readable items. */
static emb_status embed_shard(const emb_dataset *ds, int64_t lo, int64_t hi, emb_mpi_embed_fn fn, void *ctx,
                              emb_dataset **shard, uint8_t **keep, emb_matf *vec, emb_skipped *skipped) {
    emb_status st = shard_copy(ds, lo, hi, shard);
    if (st) return st;
    size_t n = (size_t)(hi - lo);
    *keep = calloc(n ? n : 1, 1);
    if (!*keep) return emb__fail(EMB_E_NOMEM, "out of memory");
    if (n == 0) return EMB_OK;
    st = fn(*shard, ctx, vec, skipped);
    /* a shard where nothing is readable is no failure while other shards are */
    if (st == EMB_E_FORMAT && (*shard)->n == 0 && skipped->n == (int64_t)n) {
        emb_matf_free(vec);
        return EMB_OK;
    }
    if (st) return st;
    /* shard items are the readable ones in order: match them to the paths */
    for (int64_t i = 0, j = 0; i < (int64_t)n && j < (*shard)->n; i++)
        if (!strcmp(ds->path[lo + i], (*shard)->path[j])) { (*keep)[i] = 1; j++; }
    return EMB_OK;
}

/* Rank r > 0: its shard's results to rank 0, in the order rank 0 reads them. */
static emb_status send_shard(const int64_t *h, const uint8_t *keep, const emb_matf *vec, const emb_dataset *shard,
                             const char *skip, int64_t *bytes) {
    size_t m = (size_t)h[H_KEPT];
    emb_status st = emb__mpi_send(keep, (size_t)h[H_N], 0, TAG_KEEP);
    if (!st) st = emb__mpi_send(vec->data, m * (size_t)h[H_D] * sizeof(float), 0, TAG_VEC);
    if (!st && h[H_HASH]) st = emb__mpi_send(shard->pixel_hash, m * sizeof(uint64_t), 0, TAG_HASH);
    if (!st && h[H_SIZE]) st = emb__mpi_send(shard->img_w_src, m * sizeof(int32_t), 0, TAG_W);
    if (!st && h[H_SIZE]) st = emb__mpi_send(shard->img_h_src, m * sizeof(int32_t), 0, TAG_H);
    if (!st && h[H_TRANSP]) st = emb__mpi_send(shard->transparent, m, 0, TAG_TRANSP);
    if (!st) st = emb__mpi_send(skip, (size_t)h[H_SKIP_BYTES], 0, TAG_SKIP);
    *bytes = h[H_N] + (int64_t)(m * (size_t)h[H_D] * sizeof(float)) + (h[H_HASH] ? (int64_t)m * 8 : 0) +
             (h[H_SIZE] ? (int64_t)m * 8 : 0) + (h[H_TRANSP] ? (int64_t)m : 0) + h[H_SKIP_BYTES];
    return st;
}

/* Per-item fields of the full dataset (before filtering), NULL where no rank has them. */
typedef struct { uint64_t *hash; int32_t *w, *h; uint8_t *transp; } item_fields;

/* Place m values of size sz from src at the kept positions of [lo, lo + n). */
static void scatter_kept(void *dst, const void *src, size_t sz, const uint8_t *keep, int64_t lo, int64_t n) {
    if (!dst || !src) return;
    size_t j = 0;
    for (int64_t i = 0; i < n; i++)
        if (keep[lo + i]) memcpy((char *)dst + (size_t)(lo + i) * sz, (const char *)src + sz * j++, sz);
}

/* Rank 0: rank r's shard, [lo, lo + h[H_N]), its vectors at row *row. */
static emb_status recv_shard(int r, const int64_t *h, int64_t lo, uint8_t *keep, emb_matf *out, int64_t *row,
                             item_fields *f, emb_skipped *skipped, int64_t *bytes) {
    size_t m = (size_t)h[H_KEPT];
    emb_status st = emb__mpi_recv(keep + lo, (size_t)h[H_N], r, TAG_KEEP);
    if (!st) st = emb__mpi_recv(out->data + (size_t)*row * out->cols, m * (size_t)h[H_D] * sizeof(float), r, TAG_VEC);
    *row += (int64_t)m;
    void *tmp = malloc(m ? m * sizeof(uint64_t) : 1);
    char *skip = malloc(h[H_SKIP_BYTES] ? (size_t)h[H_SKIP_BYTES] : 1);
    if (!tmp || !skip) { free(tmp); free(skip); return emb__fail(EMB_E_NOMEM, "out of memory (gather)"); }
    if (!st && h[H_HASH] && !(st = emb__mpi_recv(tmp, m * 8, r, TAG_HASH))) scatter_kept(f->hash, tmp, 8, keep, lo, h[H_N]);
    if (!st && h[H_SIZE] && !(st = emb__mpi_recv(tmp, m * 4, r, TAG_W))) scatter_kept(f->w, tmp, 4, keep, lo, h[H_N]);
    if (!st && h[H_SIZE] && !(st = emb__mpi_recv(tmp, m * 4, r, TAG_H))) scatter_kept(f->h, tmp, 4, keep, lo, h[H_N]);
    if (!st && h[H_TRANSP] && !(st = emb__mpi_recv(tmp, m, r, TAG_TRANSP))) scatter_kept(f->transp, tmp, 1, keep, lo, h[H_N]);
    if (!st) st = emb__mpi_recv(skip, (size_t)h[H_SKIP_BYTES], r, TAG_SKIP);
    if (!st) st = skipped_unpack(skip, (size_t)h[H_SKIP_BYTES], skipped);
    *bytes += h[H_N] + (int64_t)(m * (size_t)h[H_D] * sizeof(float)) + (h[H_HASH] ? (int64_t)m * 8 : 0) +
              (h[H_SIZE] ? (int64_t)m * 8 : 0) + (h[H_TRANSP] ? (int64_t)m : 0) + h[H_SKIP_BYTES];
    free(tmp);
    free(skip);
    return st;
}

/* Rank 0's own shard into the full arrays. */
static emb_status own_shard(const int64_t *h, int64_t lo, const uint8_t *mine, const emb_matf *vec,
                            const emb_dataset *shard, const emb_skipped *skip0, uint8_t *keep, emb_matf *out,
                            int64_t *row, item_fields *f, emb_skipped *skipped) {
    memcpy(keep + lo, mine, (size_t)h[H_N]);
    if (h[H_KEPT]) memcpy(out->data, vec->data, sizeof(float) * (size_t)h[H_KEPT] * (size_t)out->cols);
    *row = h[H_KEPT];
    scatter_kept(f->hash, shard->pixel_hash, 8, keep, lo, h[H_N]);
    scatter_kept(f->w, shard->img_w_src, 4, keep, lo, h[H_N]);
    scatter_kept(f->h, shard->img_h_src, 4, keep, lo, h[H_N]);
    scatter_kept(f->transp, shard->transparent, 1, keep, lo, h[H_N]);
    for (int64_t i = 0; i < skip0->n; i++) {
        emb_status st = emb_skipped_add(skipped, skip0->path[i], skip0->reason[i]);
        if (st) return st;
    }
    return EMB_OK;
}

/* Rank 0: allocate the gathered result from every rank's header. */
static emb_status alloc_result(const emb_dataset *ds, const int64_t *hs, int size, emb_matf *out, uint8_t **keep,
                               item_fields *f) {
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
    *keep = calloc(n, 1);
    if (any[0]) f->hash = calloc(n, sizeof(uint64_t));
    if (any[1]) f->w = calloc(n, sizeof(int32_t)), f->h = calloc(n, sizeof(int32_t));
    if (any[2]) f->transp = calloc(n, 1);
    if (!*keep || (any[0] && !f->hash) || (any[1] && (!f->w || !f->h)) || (any[2] && !f->transp))
        return emb__fail(EMB_E_NOMEM, "out of memory (gathering %lld items)", (long long)ds->n);
    return emb_matf_alloc(out, kept, d);
}

static void fields_free(item_fields *f) {
    free(f->hash);
    free(f->w);
    free(f->h);
    free(f->transp);
    memset(f, 0, sizeof *f);
}

/* Rank 0: the per-item fields go to ds, then ds keeps its readable items. */
static emb_status apply_fields(emb_dataset *ds, item_fields *f, const uint8_t *keep) {
    free(ds->pixel_hash), ds->pixel_hash = f->hash;
    free(ds->img_w_src), ds->img_w_src = f->w;
    free(ds->img_h_src), ds->img_h_src = f->h;
    free(ds->transparent), ds->transparent = f->transp;
    memset(f, 0, sizeof *f);
    return emb_dataset_filter(ds, keep);
}

emb_status emb_mpi_embed(emb_dataset *ds, emb_mpi_embed_fn fn, void *ctx, emb_matf *out,
                         emb_skipped *skipped, emb_mpi_stats *stats) {
    emb_mpi_world w;
    emb_status st = emb_mpi_world_get(&w);
    if (st) return st;
    memset(out, 0, sizeof *out);
    emb_mpi_stats S = {0};
    int64_t lo = emb__mpi_lo(ds->n, w.rank, w.size), hi = emb__mpi_lo(ds->n, w.rank + 1, w.size);
    emb_dataset *shard = NULL;
    uint8_t *mine = NULL, *keep = NULL;
    emb_matf vec = {0};
    emb_skipped skip0 = {0};
    char *skip = NULL;
    size_t skip_len = 0;
    int64_t *hs = NULL;
    item_fields f = {0};
    double t0 = emb_now();
    st = embed_shard(ds, lo, hi, fn, ctx, &shard, &mine, &vec, &skip0);
    if (!st) st = skipped_pack(&skip0, &skip, &skip_len);
    S.compute_s = emb_now() - t0;
    S.items = hi - lo;
    double t1 = emb_now();
    if ((st = emb_mpi_agree(st))) goto done;
    int64_t h[H_COUNT] = {hi - lo, vec.rows, vec.rows ? vec.cols : 0, shard->pixel_hash != NULL,
                          shard->img_w_src != NULL, shard->transparent != NULL, (int64_t)skip_len};
    hs = malloc(sizeof(int64_t) * H_COUNT * (size_t)w.size);
    if (!hs) { st = emb__fail(EMB_E_NOMEM, "out of memory"); }
    if ((st = emb_mpi_agree(st))) goto done;
    if (MPI_Allgather(h, H_COUNT, MPI_INT64_T, hs, H_COUNT, MPI_INT64_T, MPI_COMM_WORLD) != MPI_SUCCESS) {
        st = emb__fail(EMB_E_IO, "MPI_Allgather failed");
        goto done;
    }
    if (w.rank == 0) st = alloc_result(ds, hs, w.size, out, &keep, &f);
    if ((st = emb_mpi_agree(st))) goto done;
    if (w.rank == 0) {
        int64_t row = 0;
        st = own_shard(h, lo, mine, &vec, shard, &skip0, keep, out, &row, &f, skipped);
        for (int r = 1; !st && r < w.size; r++)
            st = recv_shard(r, hs + (size_t)r * H_COUNT, emb__mpi_lo(ds->n, r, w.size), keep, out, &row, &f, skipped,
                            &S.bytes_received);
        if (!st) st = apply_fields(ds, &f, keep);
    } else {
        st = send_shard(h, mine, &vec, shard, skip, &S.bytes_sent);
    }
    st = emb_mpi_agree(st);
done:
    S.comm_s = emb_now() - t1;
    if (st) emb_matf_free(out);
    if (stats) *stats = S;
    emb_dataset_free(shard);
    emb_matf_free(&vec);
    emb_skipped_free(&skip0);
    fields_free(&f);
    free(mine);
    free(keep);
    free(skip);
    free(hs);
    return st;
}
