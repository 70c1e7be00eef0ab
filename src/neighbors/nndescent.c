/* nndescent.c - approximate all-kNN by NN-descent (Dong, Moses & Li, "Efficient
 * k-nearest neighbor graph construction for generic similarity measures",
 * WWW 2011), initialised from random-projection trees, following pynndescent
 * 0.5 (pynndescent_.py: nn_descent_internal_low_memory_parallel,
 * utils.py: new_build_candidates):
 *   1. each row's graph is a bounded max-heap of k (distance, index, new flag);
 *   2. init: every pair inside every rp-tree leaf (rptree.c), then random
 *      items for rows still short of k;
 *   3. each iteration samples at most max_candidates "new" and "old"
 *      neighbours per row, forward and reverse, by random priority; the
 *      sampled new ones become old; every new-new and new-old pair of a row's
 *      candidates is a possible neighbour of both ends and is kept when it
 *      beats either end's current worst;
 *   4. stop after n_iters or when fewer than delta * k * n heap entries
 *      changed in an iteration.
 * Updates are generated in parallel against frozen thresholds, then applied
 * by owner rows (thread t owns a contiguous range), so no locks. Random
 * priorities are a hash of (seed, iteration, row, neighbour): the result does
 * not depend on the thread count or schedule. Cosine runs on L2-normalised
 * copies (distance 1 - dot), Euclidean on squared distances; the final k
 * distances are recomputed directly (extract). With storage f16 the
 * reordered copy holds half-precision rows (half the stage's largest
 * buffer), compared in float32 sums, and the final distances come from x
 * itself in float32. */
#include "core/internal.h"
#include "neighbors/neighbors.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define NND_DELTA 0.001          /* early-stop fraction (pynndescent delta) */
#define NND_MAX_CANDIDATES 60    /* cap of max_candidates (pynndescent) */
#define NND_MAX_TREES 32         /* pynndescent: "only so many trees are useful" */
#define NND_BLOCK 16384          /* rows whose updates are generated at once */
#define NND_TREE_DIM 64          /* rp-trees split a Gaussian projection to this many dims */

/* A large buffer on 2 MiB pages where the kernel allows (THP "madvise"):
 * the joins read rows at random, and 4 KiB pages would miss the TLB and
 * fault 512 times more often. Release with free(). */
static void *alloc_huge(size_t bytes, const char *what) {
    size_t align = (size_t)2 << 20, sz = (bytes + align - 1) / align * align;
    void *p = NULL;
    if (posix_memalign(&p, align, sz ? sz : align)) { emb__fail(EMB_E_NOMEM, "out of memory (%s)", what); return NULL; }
#ifdef MADV_HUGEPAGE
    madvise(p, sz, MADV_HUGEPAGE);
#endif
    return p;
}

typedef struct { int32_t p, q; float d; } nnd_update;
typedef struct { nnd_update *u; size_t n, cap; } nnd_buf;

typedef struct {
    const float *x;        /* (n, d): normalised rows for cosine (NULL with xh) */
    const uint16_t *xh;    /* (n, d) the same in half precision (storage f16), else NULL */
    int64_t n, d;
    int k, mc, nth;
    bool cosine;
    int32_t *idx;          /* (n, k) max-heap per row, root = worst */
    float *dist;           /* (n, k) 1 - cos, or squared Euclidean */
    uint8_t *flag;         /* (n, k) 1 = new (not yet used as a candidate) */
    nnd_buf *buf;          /* (nth) one per thread */
    bool nomem;
} nnd;

static inline float nnd_dist(const nnd *g, int64_t p, int64_t q) {
    if (g->xh) {
        const uint16_t *a = g->xh + (size_t)p * g->d, *b = g->xh + (size_t)q * g->d;
        return g->cosine ? 1.0f - emb__dot_h(a, b, g->d) : emb__sqdist_h(a, b, g->d);
    }
    const float *a = g->x + (size_t)p * g->d, *b = g->x + (size_t)q * g->d;
    return g->cosine ? 1.0f - emb__dot(a, b, g->d) : emb__sqdist(a, b, g->d);
}

/* Four distances from p (dot products for cosine, else squared distances). */
static inline void nnd_pair4(const nnd *g, int32_t p, const int32_t *q4, float *out) {
    if (g->xh) {
        const uint16_t *rows[4];
        for (int j = 0; j < 4; j++) rows[j] = g->xh + (size_t)q4[j] * g->d;
        emb__pair4_h(g->xh + (size_t)p * g->d, rows, g->d, !g->cosine, out);
        return;
    }
    const float *rows[4];
    for (int j = 0; j < 4; j++) rows[j] = g->x + (size_t)q4[j] * g->d;
    emb__pair4(g->x + (size_t)p * g->d, rows, g->d, !g->cosine, out);
}

/* Push (d, j) into the max-heap of size k unless it is no better than the
 * root or j is there already; flag may be NULL. Returns 1 if pushed. */
static int heap_push(float *dist, int32_t *idx, uint8_t *flag, int k, float d, int32_t j, uint8_t f) {
    if (!(d < dist[0])) return 0;
    /* the membership test without an early exit, so that it vectorises
     * (k compares in one or two SIMD steps instead of a branch per slot) */
    int seen = 0;
    for (int a = 0; a < k; a++) seen |= idx[a] == j;
    if (seen) return 0;
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, c;
        if (l >= k) break;
        c = (r < k && dist[r] > dist[l]) ? r : l;
        if (!(dist[c] > d)) break;
        dist[i] = dist[c]; idx[i] = idx[c];
        if (flag) flag[i] = flag[c];
        i = c;
    }
    dist[i] = d; idx[i] = j;
    if (flag) flag[i] = f;
    return 1;
}

static inline void add_update(nnd *g, int t, int32_t p, int32_t q, float d) {
    nnd_buf *b = &g->buf[t];
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 4096;
        nnd_update *u = realloc(b->u, cap * sizeof *u);
        if (!u) { g->nomem = true; return; }
        b->u = u; b->cap = cap;
    }
    b->u[b->n++] = (nnd_update){p, q, d};
}

/* Apply every buffered update; thread t of T owns rows [n t/T, n (t+1)/T). */
static int64_t apply_updates(nnd *g) {
    int64_t c = 0;
    int k = g->k;
    #pragma omp parallel num_threads(g->nth) reduction(+ : c)
    {
        int t = omp_get_thread_num(), T = omp_get_num_threads();
        int64_t lo = g->n * t / T, hi = g->n * (t + 1) / T;
        for (int b = 0; b < g->nth; b++)
            for (size_t a = 0; a < g->buf[b].n; a++) {
                nnd_update u = g->buf[b].u[a];
                if (u.p >= lo && u.p < hi)
                    c += heap_push(g->dist + (size_t)u.p * k, g->idx + (size_t)u.p * k, g->flag + (size_t)u.p * k, k, u.d, u.q, 1);
                if (u.q >= lo && u.q < hi)
                    c += heap_push(g->dist + (size_t)u.q * k, g->idx + (size_t)u.q * k, g->flag + (size_t)u.q * k, k, u.d, u.p, 1);
            }
    }
    for (int b = 0; b < g->nth; b++) g->buf[b].n = 0;
    return c;
}

static inline float threshold(const nnd *g, int64_t p) { return g->dist[(size_t)p * g->k]; }

/* Distances from p to each of qs[0..m), four at a time; each pair that
 * beats the threshold of either end becomes an update. */
static void join_one(nnd *g, int tid, int32_t p, const int32_t *qs, int m) {
    float tp = threshold(g, p), out[4];
    for (int b = 0; b < m; b += 4) {
        int32_t q4[4];
        for (int j = 0; j < 4; j++) q4[j] = qs[b + j < m ? b + j : m - 1];
        nnd_pair4(g, p, q4, out);
        for (int j = 0; j < 4 && b + j < m; j++) {
            float d = g->cosine ? 1.0f - out[j] : out[j];
            if (d < tp || d < threshold(g, qs[b + j])) add_update(g, tid, p, qs[b + j], d);
        }
    }
}

/* Every pair in every leaf of the tree. */
static void init_from_tree(nnd *g, const emb__rptree *t) {
    #pragma omp parallel for num_threads(g->nth) schedule(dynamic, 64)
    for (int64_t l = 0; l < t->n_leaves; l++) {
        int tid = omp_get_thread_num();
        const int32_t *it = t->items + t->offsets[l];
        int64_t m = t->offsets[l + 1] - t->offsets[l];
        for (int64_t a = 0; a + 1 < m; a++) join_one(g, tid, it[a], it + a + 1, (int)(m - a - 1));
    }
    apply_updates(g);
}

static inline uint64_t mix64(uint64_t z) {   /* splitmix64 finaliser */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Rows still short of k neighbours get random ones (pynndescent init_random). */
static void init_random(nnd *g, uint64_t seed) {
    int k = g->k;
    #pragma omp parallel for num_threads(g->nth) schedule(dynamic, 256)
    for (int64_t i = 0; i < g->n; i++) {
        float *dist = g->dist + (size_t)i * k;
        int32_t *idx = g->idx + (size_t)i * k;
        uint64_t h = mix64(seed ^ mix64((uint64_t)i + 0x9e3779b97f4a7c15ULL));
        for (int tries = 0; idx[0] < 0 && tries < 64 * k; tries++) {
            h = mix64(h + 0x9e3779b97f4a7c15ULL);
            int64_t j = (int64_t)(h % (uint64_t)g->n);
            if (j == i) continue;
            heap_push(dist, idx, g->flag + (size_t)i * k, k, nnd_dist(g, i, j), (int32_t)j, 1);
        }
    }
}

/* Sample new / old candidates (random priority, forward and reverse), then
 * mark the sampled new neighbours old. newc, oldc (n, mc), -1 = empty. */
static void build_candidates(nnd *g, int32_t *newc, float *newp, int32_t *oldc, float *oldp, uint64_t seed) {
    int k = g->k, mc = g->mc;
    size_t cnt = (size_t)g->n * mc;
    for (size_t a = 0; a < cnt; a++) { newc[a] = oldc[a] = -1; newp[a] = oldp[a] = INFINITY; }
    #pragma omp parallel num_threads(g->nth)
    {
        int t = omp_get_thread_num(), T = omp_get_num_threads();
        int64_t lo = g->n * t / T, hi = g->n * (t + 1) / T;
        for (int64_t i = 0; i < g->n; i++)
            for (int j = 0; j < k; j++) {
                int32_t q = g->idx[(size_t)i * k + j];
                if (q < 0) continue;
                bool own_i = i >= lo && i < hi, own_q = q >= lo && q < hi;
                if (!own_i && !own_q) continue;
                float pri = (float)(mix64(seed ^ ((uint64_t)i << 32 | (uint32_t)q)) >> 40) * (1.0f / 16777216.0f);
                int32_t *c = g->flag[(size_t)i * k + j] ? newc : oldc;
                float *pr = g->flag[(size_t)i * k + j] ? newp : oldp;
                if (own_i) heap_push(pr + (size_t)i * mc, c + (size_t)i * mc, NULL, mc, pri, q, 0);
                if (own_q) heap_push(pr + (size_t)q * mc, c + (size_t)q * mc, NULL, mc, pri, (int32_t)i, 0);
            }
    }
    #pragma omp parallel for num_threads(g->nth) schedule(static)
    for (int64_t i = 0; i < g->n; i++)
        for (int j = 0; j < k; j++) {
            size_t s = (size_t)i * k + j;
            if (!g->flag[s]) continue;
            for (int a = 0; a < mc; a++)
                if (newc[(size_t)i * mc + a] == g->idx[s]) { g->flag[s] = 0; break; }
        }
}

/* One pass of local joins; returns the number of heap changes. */
static int64_t local_join(nnd *g, const int32_t *newc, const int32_t *oldc) {
    int mc = g->mc;
    int64_t c = 0;
    for (int64_t b0 = 0; b0 < g->n; b0 += NND_BLOCK) {
        int64_t b1 = b0 + NND_BLOCK < g->n ? b0 + NND_BLOCK : g->n;
        #pragma omp parallel for num_threads(g->nth) schedule(dynamic, 32)
        for (int64_t i = b0; i < b1; i++) {
            int tid = omp_get_thread_num();
            const int32_t *nw = newc + (size_t)i * mc, *od = oldc + (size_t)i * mc;
            int32_t qs[2 * NND_MAX_CANDIDATES];
            for (int a = 0; a < mc; a++) {
                int32_t p = nw[a];
                if (p < 0) continue;
                int m = 0;
                for (int b = a + 1; b < mc; b++) if (nw[b] >= 0) qs[m++] = nw[b];
                for (int b = 0; b < mc; b++) if (od[b] >= 0 && od[b] != p) qs[m++] = od[b];
                join_one(g, tid, p, qs, m);
            }
        }
        c += apply_updates(g);
    }
    return c;
}

/* Each row's final distances, recomputed directly on the reordered rows
 * (cache-friendly; for cosine the rows are unit vectors, a zero row stays
 * zero and gets distance 1), sorted ascending by (distance, index) and
 * written to out with the indices mapped back through perm. */
static void extract(const nnd *g, const int32_t *perm, const emb_matf *x0, const float *norms, emb_knn *out) {
    int k = g->k;
    #pragma omp parallel for num_threads(g->nth) schedule(static)
    for (int64_t i = 0; i < g->n; i++) {
        float *d = out->dist + (size_t)perm[i] * k;
        int32_t *x = out->idx + (size_t)perm[i] * k;
        for (int a = 0; a < k; a++) {
            int32_t j = g->idx[(size_t)i * k + a];
            if (j < 0) { x[a] = -1; d[a] = INFINITY; continue; }
            if (g->xh && !x0->data) {   /* half-precision input: the working copy's rows are all there is */
                const uint16_t *xi = g->xh + (size_t)i * g->d, *xj = g->xh + (size_t)j * g->d;
                d[a] = g->cosine ? 1.0f - fminf(fmaxf(emb__dot_h(xi, xj, g->d), -1.0f), 1.0f) : sqrtf(emb__sqdist_h(xi, xj, g->d));
            } else if (g->xh) {   /* storage f16: the distance of the float32 rows themselves */
                const float *xi = x0->data + (size_t)perm[i] * g->d, *xj = x0->data + (size_t)perm[j] * g->d;
                if (g->cosine) {
                    float ni = norms[perm[i]], nj = norms[perm[j]];
                    float c = ni > 0 && nj > 0 ? emb__dot(xi, xj, g->d) / (ni * nj) : 0.0f;
                    d[a] = 1.0f - fminf(fmaxf(c, -1.0f), 1.0f);
                } else {
                    d[a] = sqrtf(emb__sqdist(xi, xj, g->d));
                }
            } else {
                const float *xi = g->x + (size_t)i * g->d, *xj = g->x + (size_t)j * g->d;
                d[a] = g->cosine ? 1.0f - fminf(fmaxf(emb__dot(xi, xj, g->d), -1.0f), 1.0f) : sqrtf(emb__sqdist(xi, xj, g->d));
            }
            x[a] = perm[j];
        }
        for (int a = 1; a < k; a++) {
            float dv = d[a]; int32_t xv = x[a]; int p = a;
            while (p > 0 && (x[p - 1] < 0 || (xv >= 0 && (dv < d[p - 1] || (dv == d[p - 1] && xv < x[p - 1]))))) {
                d[p] = d[p - 1]; x[p] = x[p - 1]; p--;
            }
            d[p] = dv; x[p] = xv;
        }
    }
}

/* proj (n, pd) = rows (unit rows for cosine) times a Gaussian d x pd matrix. */
static emb_status project(const emb_matf *x, const float *norms, bool cosine, int64_t pd, uint64_t seed,
                          int nth, float *proj) {
    int64_t n = x->rows, d = x->cols;
    if (pd == d) {
        #pragma omp parallel for num_threads(nth) schedule(static)
        for (int64_t i = 0; i < n; i++) {
            float s = cosine && norms[i] > 0 ? 1.0f / norms[i] : 1.0f;
            for (int64_t t = 0; t < d; t++) proj[(size_t)i * d + t] = x->data[(size_t)i * d + t] * s;
        }
        return EMB_OK;
    }
    float *r = emb__malloc(sizeof(float) * (size_t)d * pd, "projection");
    if (!r) return EMB_E_NOMEM;
    emb_rng rng;
    emb_rng_seed(&rng, seed ^ 0x70726f6aULL);
    for (int64_t a = 0; a < d * pd; a++) r[a] = (float)emb_rng_normal(&rng);
    emb_status st = emb__sgemm_fast(false, false, n, pd, d, 1.0f, x->data, (size_t)d, r, (size_t)pd, 0.0f, proj, (size_t)pd, nth);
    free(r);
    if (st) return st;
    if (cosine) {
        #pragma omp parallel for num_threads(nth) schedule(static)
        for (int64_t i = 0; i < n; i++) {
            float s = norms[i] > 0 ? 1.0f / norms[i] : 0.0f;
            for (int64_t t = 0; t < pd; t++) proj[(size_t)i * pd + t] *= s;
        }
    }
    return EMB_OK;
}

/* proj (n, pd) from half-precision rows xh (n, d), already unit rows for
 * cosine: blocks of rows widened to float32, then the same Gaussian matrix
 * product as project(). */
#define NND_PROJ_BLOCK 4096
static emb_status project_half(const uint16_t *xh, int64_t n, int64_t d, int64_t pd, uint64_t seed, int nth, float *proj) {
    float *r = pd == d ? NULL : emb__malloc(sizeof(float) * (size_t)d * pd, "projection");
    float *wide = emb__malloc(sizeof(float) * (size_t)NND_PROJ_BLOCK * d, "projection");
    emb_status st = (pd == d || r) && wide ? EMB_OK : EMB_E_NOMEM;
    if (!st && r) {
        emb_rng rng;
        emb_rng_seed(&rng, seed ^ 0x70726f6aULL);
        for (int64_t a = 0; a < d * pd; a++) r[a] = (float)emb_rng_normal(&rng);
    }
    for (int64_t i0 = 0; i0 < n && !st; i0 += NND_PROJ_BLOCK) {
        int64_t m = n - i0 < NND_PROJ_BLOCK ? n - i0 : NND_PROJ_BLOCK;
        float *dst = r ? wide : proj + (size_t)i0 * pd;
        #pragma omp parallel for num_threads(nth) schedule(static)
        for (int64_t i = 0; i < m; i++) emb__f16_widen(xh + (size_t)(i0 + i) * d, dst + (size_t)i * d, d);
        if (r) st = emb__sgemm_fast(false, false, m, pd, d, 1.0f, wide, (size_t)d, r, (size_t)pd, 0.0f,
                                    proj + (size_t)i0 * pd, (size_t)pd, nth);
    }
    free(r);
    free(wide);
    return st;
}

/* rows (n rows of rb bytes): row i becomes the old row perm[i], in place,
 * one cycle of the permutation at a time through a one-row buffer. */
static emb_status permute_rows(void *rows_, int64_t n, size_t rb, const int32_t *perm) {
    unsigned char *rows = rows_;
    uint8_t *done = emb__calloc((size_t)(n + 7) / 8, 1, "permutation");
    unsigned char *hold = emb__malloc(rb ? rb : 1, "permutation");
    if (!done || !hold) { free(done); free(hold); return EMB_E_NOMEM; }
    for (int64_t s0 = 0; s0 < n; s0++) {
        if (done[s0 >> 3] >> (s0 & 7) & 1) continue;
        memcpy(hold, rows + (size_t)s0 * rb, rb);   /* the cycle's first row, overwritten first */
        int64_t i = s0;
        for (;;) {
            done[i >> 3] |= (uint8_t)(1u << (i & 7));
            int64_t j = perm[i];
            if (j == s0) { memcpy(rows + (size_t)i * rb, hold, rb); break; }
            memcpy(rows + (size_t)i * rb, rows + (size_t)j * rb, rb);
            i = j;
        }
    }
    free(done);
    free(hold);
    return EMB_OK;
}

emb_status emb__knn_nndescent(const emb_matf *x, const emb_knn_params *p, emb_knn *out) {
    int64_t n = x->rows, d = x->cols;
    int k = p->k;
    if (n - 1 < k) return emb__fail(EMB_E_INVALID, "NN-descent needs more than k = %d items (got %lld)", k, (long long)n);
    emb__simd_init();
    nnd g;
    memset(&g, 0, sizeof g);
    g.n = n; g.d = d; g.k = k;
    g.mc = k < NND_MAX_CANDIDATES ? k : NND_MAX_CANDIDATES;
    g.nth = emb_threads_resolve(p->n_threads);
    g.cosine = p->metric == EMB_METRIC_COSINE;
    /* pynndescent: 5 + n^(1/4) trees; half as many here (10 for 70,000): on
     * Fashion-MNIST the recall is the same (0.983 vs 0.984, NN-descent makes
     * up the difference) for less time */
    int n_trees = (5 + (int)lround(pow((double)n, 0.25))) / 2;
    if (n_trees < 2) n_trees = 2;
    if (n_trees > NND_MAX_TREES) n_trees = NND_MAX_TREES;
    int leaf_size = k > 10 ? k : 10;
    int n_iters = (int)lround(log2((double)n));
    if (n_iters < 5) n_iters = 5;

    emb_status st = EMB_OK;
    float *norms = NULL, *xp = NULL, *proj = NULL;
    uint16_t *xh = NULL;
    bool half_in = emb_matf_is_half(x);    /* the rows themselves in half precision */
    bool half = p->storage == EMB_STORAGE_F16 || half_in;
    int32_t *perm = NULL;
    int32_t *newc = NULL, *oldc = NULL;
    float *newp = NULL, *oldp = NULL;
    emb__rptree *trees = NULL;
    size_t cnt = (size_t)n * k, ccnt = (size_t)n * g.mc;
    g.idx = emb__malloc(cnt * sizeof(int32_t), "NN-descent graph");
    g.dist = emb__malloc(cnt * sizeof(float), "NN-descent graph");
    g.flag = emb__malloc(cnt, "NN-descent graph");
    g.buf = emb__calloc((size_t)g.nth, sizeof(nnd_buf), "NN-descent updates");
    trees = emb__calloc((size_t)g.nth, sizeof(emb__rptree), "rp-trees");
    if (!g.idx || !g.dist || !g.flag || !g.buf || !trees) { st = EMB_E_NOMEM; goto done; }
    for (size_t a = 0; a < cnt; a++) { g.idx[a] = -1; g.dist[a] = INFINITY; g.flag[a] = 1; }
    if (half_in) norms = emb__malloc(sizeof(float) * (size_t)n, "norms");   /* computed with the copy below */
    else if ((st = emb__row_norms(x, g.nth, &norms))) goto done;
    if (!norms) { st = EMB_E_NOMEM; goto done; }
    /* trees split a random projection to NND_TREE_DIM dimensions (JL): the
     * splits cost n x NND_TREE_DIM per level instead of n x d */
    int64_t pd = d > 2 * NND_TREE_DIM ? NND_TREE_DIM : d;
    perm = emb__malloc(sizeof(int32_t) * (size_t)n, "permutation");
    if (half) xh = alloc_huge(sizeof(uint16_t) * (size_t)n * d, "reordered vectors (f16)");
    else xp = alloc_huge(sizeof(float) * (size_t)n * d, "reordered vectors");
    proj = emb__malloc(sizeof(float) * (size_t)n * pd, "projected vectors");
    if (!perm || !(xp || xh) || !proj) { st = EMB_E_NOMEM; goto done; }
    emb_progress_report(&p->progress, "neighbors", 0.0, half_in ? "reading the half-precision rows" : "projection");
    if (half_in) {
        /* half-precision rows: one pass over them, in their order, into the
         * (unit, for cosine) working copy, which alone is read from then on
         * (the input may be a 10 GB mapping: it is not held at the peak);
         * the projection from the copy; the copy reordered in place */
        const int64_t blk = 1 << 16;   /* rows read, then their pages given back */
        float *wide = emb__malloc(sizeof(float) * (size_t)d * g.nth, "norms");
        if (!wide) { st = EMB_E_NOMEM; goto done; }
        for (int64_t i0 = 0; i0 < n; i0 += blk) {
            int64_t i1 = n - i0 < blk ? n : i0 + blk;
            #pragma omp parallel for num_threads(g.nth) schedule(static)
            for (int64_t i = i0; i < i1; i++) {
                float *w = wide + (size_t)omp_get_thread_num() * d;
                const uint16_t *src = x->half + (size_t)i * d;
                uint16_t *dst = xh + (size_t)i * d;
                emb__f16_widen(src, w, d);
                double ss = 0;
                for (int64_t t = 0; t < d; t++) ss += (double)w[t] * w[t];
                norms[i] = (float)sqrt(ss);
                if (!g.cosine) { memcpy(dst, src, sizeof(uint16_t) * (size_t)d); continue; }
                float inv_norm = norms[i] > 0 ? 1.0f / norms[i] : 0.0f;
                for (int64_t t = 0; t < d; t++) dst[t] = emb__f32_to_f16(w[t] * inv_norm);
            }
            emb__release_pages(x->half + (size_t)i0 * d, sizeof(uint16_t) * (size_t)(i1 - i0) * d);
            emb_progress_report(&p->progress, "neighbors", 0.05 * (double)i1 / (double)n, NULL);
        }
        free(wide);
        if ((st = project_half(xh, n, d, pd, p->seed, g.nth, proj))) goto done;
    } else if ((st = project(x, norms, g.cosine, pd, p->seed, g.nth, proj))) {
        goto done;
    }
    /* reorder items by the leaves of tree 0 so that neighbours sit close in
     * memory: the local joins then read mostly cached rows */
    if ((st = emb__rptree_build(proj, n, pd, leaf_size, g.cosine, mix64(p->seed + 0x51ed2701u), &trees[0]))) goto done;
    memcpy(perm, trees[0].items, sizeof(int32_t) * (size_t)n);
    emb__rptree_free(&trees[0]);
    if (half_in) {
        if ((st = permute_rows(xh, n, sizeof(uint16_t) * (size_t)d, perm))) goto done;
    } else {
        #pragma omp parallel for num_threads(g.nth) schedule(static)
        for (int64_t i = 0; i < n; i++) {
            const float *src = x->data + (size_t)perm[i] * d;
            float inv_norm = g.cosine ? (norms[perm[i]] > 0 ? 1.0f / norms[perm[i]] : 0.0f) : 1.0f;
            if (xh) for (int64_t t = 0; t < d; t++) xh[(size_t)i * d + t] = emb__f32_to_f16(src[t] * inv_norm);
            else for (int64_t t = 0; t < d; t++) xp[(size_t)i * d + t] = src[t] * inv_norm;
        }
    }
    /* the projection in the same order, permuted in place (row i <- row
     * perm[i], cycle by cycle): a second n x pd copy would be 256 MB at
     * 1M rows, at the stage's memory peak */
    if ((st = permute_rows(proj, n, sizeof(float) * (size_t)pd, perm))) goto done;
    g.x = xp;
    g.xh = xh;

    /* forest: g.nth trees at a time, built in parallel, then their leaves */
    for (int t0 = 0; t0 < n_trees && !st; t0 += g.nth) {
        int nb = n_trees - t0 < g.nth ? n_trees - t0 : g.nth;
        emb_status tst = EMB_OK;
        #pragma omp parallel for num_threads(g.nth) schedule(dynamic, 1) reduction(max : tst)
        for (int t = 0; t < nb; t++) {
            emb_status s1 = emb__rptree_build(proj, n, pd, leaf_size, g.cosine, mix64(p->seed + 0x51ed2701u * (uint64_t)(t0 + t + 1)), &trees[t]);
            if (s1 > tst) tst = s1;
        }
        if (tst) { st = emb__fail(tst, "NN-descent: out of memory building rp-trees"); goto done; }
        for (int t = 0; t < nb; t++) { init_from_tree(&g, &trees[t]); emb__rptree_free(&trees[t]); }
        if (g.nomem) { st = emb__fail(EMB_E_NOMEM, "NN-descent: out of memory"); goto done; }
        emb_progress_report(&p->progress, "neighbors", 0.05 + 0.15 * (double)(t0 + nb) / n_trees, "rp-trees");
    }
    /* only the trees read the projection: released before the joins, which
     * hold the stage's peak (1M x 512: 256 MB of 4.9 GB) */
    free(proj);
    proj = NULL;
    /* the candidate lists only now, after the projection is gone: 16 n k
     * bytes that were at the peak with it (2.4 GB at 10M rows) */
    newc = emb__malloc(ccnt * sizeof(int32_t), "candidates");
    oldc = emb__malloc(ccnt * sizeof(int32_t), "candidates");
    newp = emb__malloc(ccnt * sizeof(float), "candidates");
    oldp = emb__malloc(ccnt * sizeof(float), "candidates");
    if (!newc || !oldc || !newp || !oldp) { st = EMB_E_NOMEM; goto done; }
    init_random(&g, mix64(p->seed ^ 0xabcdef12345ULL));
    emb_progress_report(&p->progress, "neighbors", 0.2, "rp-trees");

    for (int it = 0; it < n_iters; it++) {
        build_candidates(&g, newc, newp, oldc, oldp, mix64(p->seed + 0x9e3779b97f4a7c15ULL * (uint64_t)(it + 1)));
        int64_t c = local_join(&g, newc, oldc);
        if (g.nomem) { st = emb__fail(EMB_E_NOMEM, "NN-descent: out of memory"); goto done; }
        emb_progress_report(&p->progress, "neighbors", 0.2 + 0.8 * (it + 1) / n_iters, NULL);
        if ((double)c <= NND_DELTA * k * (double)n) break;
    }

    if ((st = emb__knn_alloc(out, n, k, p->metric))) goto done;
    extract(&g, perm, x, norms, out);
    out->method = EMB_KNN_APPROX;
done:
    if (trees) for (int t = 0; t < g.nth; t++) emb__rptree_free(&trees[t]);
    free(trees);
    if (g.buf) for (int t = 0; t < g.nth; t++) free(g.buf[t].u);
    free(g.buf);
    free(g.idx); free(g.dist); free(g.flag);
    free(newc); free(oldc); free(newp); free(oldp);
    free(norms); free(perm); free(xp); free(xh); free(proj);
    return st;
}
