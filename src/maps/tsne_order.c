/* tsne_order.c - a locality order of the points for the t-SNE optimiser.
 *
 * The attractive term reads y_j for every entry of P, the FFT spreads and
 * interpolates point by point: in input order a row's neighbours are
 * anywhere in the 70k-point arrays and most reads miss the near caches.
 * Numbering the points in Cuthill-McKee order (breadth first over P's graph,
 * each component from a node of least degree, neighbours taken by
 * ascending degree; Cuthill & McKee 1969) puts a row's neighbours within a
 * few thousand indices of it. The optimiser runs on the renumbered P and
 * maps the result back; only the order of floating-point sums changes. */
#include "core/internal.h"
#include "maps/tsne.h"

#include <stdlib.h>
#include <string.h>

typedef struct { int32_t deg, node; } deg_node;

static int by_degree(const void *a, const void *b) {
    const deg_node *x = a, *y = b;
    if (x->deg != y->deg) return x->deg < y->deg ? -1 : 1;
    return (x->node > y->node) - (x->node < y->node);
}

emb_status emb__tsne_locality_order(const emb_tsne_affinities *P, int32_t *perm) {
    int64_t n = P->n;
    uint8_t *seen = emb__calloc((size_t)n, 1, "t-SNE order");
    deg_node *by = emb__malloc((size_t)n * sizeof *by, "t-SNE order");
    int64_t maxdeg = 0;
    for (int64_t i = 0; i < n; i++)
        if (P->row_ptr[i + 1] - P->row_ptr[i] > maxdeg) maxdeg = P->row_ptr[i + 1] - P->row_ptr[i];
    deg_node *nb = emb__malloc((size_t)(maxdeg ? maxdeg : 1) * sizeof *nb, "t-SNE order");
    if (!seen || !by || !nb) { free(seen); free(by); free(nb); return EMB_E_NOMEM; }
    for (int64_t i = 0; i < n; i++) by[i] = (deg_node){(int32_t)(P->row_ptr[i + 1] - P->row_ptr[i]), (int32_t)i};
    qsort(by, (size_t)n, sizeof *by, by_degree);
    int64_t head = 0, tail = 0;   /* perm[head..tail) is the queue */
    for (int64_t s = 0; s < n; s++) {
        int32_t root = by[s].node;
        if (seen[root]) continue;
        seen[root] = 1;
        perm[tail++] = root;
        while (head < tail) {
            int32_t i = perm[head++];
            int64_t m = 0;
            for (int64_t e = P->row_ptr[i]; e < P->row_ptr[i + 1]; e++) {
                int32_t j = P->col[e];
                if (seen[j]) continue;
                seen[j] = 1;
                nb[m++] = (deg_node){(int32_t)(P->row_ptr[j + 1] - P->row_ptr[j]), j};
            }
            qsort(nb, (size_t)m, sizeof *nb, by_degree);
            for (int64_t q = 0; q < m; q++) perm[tail++] = nb[q].node;
        }
    }
    free(seen); free(by); free(nb);
    return EMB_OK;
}

/* out = P with rows and columns renumbered: new row r is old row perm[r];
 * inv is perm's inverse. A row's entries keep their order. */
emb_status emb__tsne_affinities_permute(const emb_tsne_affinities *P, const int32_t *perm,
                                        const int32_t *inv, int nth, emb_tsne_affinities *out) {
    int64_t n = P->n, nnz = P->row_ptr[n];
    memset(out, 0, sizeof *out);
    out->n = n;
    out->row_ptr = emb__malloc((size_t)(n + 1) * sizeof *out->row_ptr, "t-SNE affinities");
    out->col = emb__malloc((size_t)(nnz ? nnz : 1) * sizeof *out->col, "t-SNE affinities");
    out->val = emb__malloc((size_t)(nnz ? nnz : 1) * sizeof *out->val, "t-SNE affinities");
    if (!out->row_ptr || !out->col || !out->val) { emb_tsne_affinities_free(out); return EMB_E_NOMEM; }
    out->row_ptr[0] = 0;
    for (int64_t r = 0; r < n; r++) {
        int32_t i = perm[r];
        out->row_ptr[r + 1] = out->row_ptr[r] + (P->row_ptr[i + 1] - P->row_ptr[i]);
    }
#pragma omp parallel for schedule(dynamic, 1024) num_threads(nth)
    for (int64_t r = 0; r < n; r++) {
        int32_t i = perm[r];
        int64_t o = out->row_ptr[r];
        for (int64_t e = P->row_ptr[i]; e < P->row_ptr[i + 1]; e++, o++) {
            out->col[o] = inv[P->col[e]];
            out->val[o] = P->val[e];
        }
    }
    return EMB_OK;
}
