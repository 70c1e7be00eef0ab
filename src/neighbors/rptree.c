/* rptree.c - one random-projection tree, the initialisation of NN-descent
 * as in pynndescent (rp_trees.py, make_euclidean_tree / make_angular_tree;
 * Dasgupta & Freund 2008): a node picks two of its items at random and splits
 * on the hyperplane between them (euclidean: through their midpoint; angular:
 * through the origin, the rows being unit vectors), items on the plane going
 * to a random side; a node of at most leaf_size items is a leaf. If a split
 * leaves one side empty (duplicates) the node is split at random instead.
 * Only the leaves are kept: the items, grouped leaf by leaf. */
#include "core/internal.h"
#include "neighbors/neighbors.h"

#include <stdlib.h>
#include <string.h>

#define RP_MAX_STACK 150  /* pending nodes before plain halving (depth bound) */
#define RP_EPS 1e-8f   /* |margin| below this: random side (pynndescent EPS) */

void emb__rptree_free(emb__rptree *t) {
    if (!t) return;
    free(t->items);
    free(t->offsets);
    memset(t, 0, sizeof *t);
}

/* Split items[0..m) in place; returns the size of the left part (1..m-1). */
static int64_t split(const float *x, int64_t d, bool angular, int32_t *items, int64_t m,
                     float *hp, uint8_t *side, int32_t *buf, emb_rng *rng) {
    int64_t a = emb_rng_below(rng, (uint32_t)m), b = emb_rng_below(rng, (uint32_t)(m - 1));
    if (b >= a) b++;
    const float *l = x + (size_t)items[a] * d, *r = x + (size_t)items[b] * d;
    float offset = 0;
    for (int64_t t = 0; t < d; t++) hp[t] = l[t] - r[t];
    if (!angular) {
        double o = 0;
        for (int64_t t = 0; t < d; t++) o -= (double)hp[t] * 0.5 * ((double)l[t] + r[t]);
        offset = (float)o;
    }
    int64_t nl = 0;
    for (int64_t i = 0; i < m; i++) {
        float mg = offset + emb__dot(x + (size_t)items[i] * d, hp, d);
        side[i] = mg > RP_EPS ? 0 : mg < -RP_EPS ? 1 : (uint8_t)(emb_rng_next(rng) >> 63);
        nl += side[i] == 0;
    }
    if (nl == 0 || nl == m) {  /* degenerate: random halves */
        nl = 0;
        for (int64_t i = 0; i < m; i++) { side[i] = (uint8_t)(emb_rng_next(rng) >> 63); nl += side[i] == 0; }
        if (nl == 0 || nl == m) { for (int64_t i = 0; i < m; i++) side[i] = i >= m / 2; nl = m / 2; }
    }
    /* stable partition: left items first, right ones via buf */
    int64_t p = 0, q = 0;
    for (int64_t i = 0; i < m; i++) {
        if (side[i] == 0) items[p++] = items[i];
        else buf[q++] = items[i];
    }
    memcpy(items + p, buf, sizeof(int32_t) * (size_t)q);
    return nl;
}

emb_status emb__rptree_build(const float *x, int64_t n, int64_t d, int leaf_size, bool angular,
                             uint64_t seed, emb__rptree *t) {
    memset(t, 0, sizeof *t);
    if (leaf_size < 2) leaf_size = 2;
    int64_t max_leaves = n + 1;
    t->items = emb__malloc(sizeof(int32_t) * (size_t)(n ? n : 1), "rp-tree items");
    t->offsets = emb__malloc(sizeof(int64_t) * (size_t)(max_leaves + 1), "rp-tree leaves");
    float *hp = emb__malloc(sizeof(float) * (size_t)d, "rp-tree hyperplane");
    uint8_t *side = emb__malloc((size_t)(n ? n : 1), "rp-tree sides");
    int32_t *buf = emb__malloc(sizeof(int32_t) * (size_t)(n ? n : 1), "rp-tree buffer");
    int64_t *stack = emb__malloc(sizeof(int64_t) * 2 * (RP_MAX_STACK + 40), "rp-tree stack");
    if (!t->items || !t->offsets || !hp || !side || !buf || !stack) {
        free(hp); free(side); free(buf); free(stack); emb__rptree_free(t);
        return EMB_E_NOMEM;
    }
    for (int64_t i = 0; i < n; i++) t->items[i] = (int32_t)i;
    emb_rng rng;
    emb_rng_seed(&rng, seed);
    /* depth-first, left child first, so leaves come out in array order; the
     * stack holds at most one pending right sibling per level and a random
     * split at worst halves a node, but a lopsided hyperplane split can go
     * deeper, so a node too deep for the stack is split at random halves */
    int sp = 0;
    stack[0] = 0; stack[1] = n; sp = 1;
    while (sp > 0) {
        sp--;
        int64_t s0 = stack[2 * sp], m = stack[2 * sp + 1];
        if (m <= leaf_size) {
            if (m > 0) t->offsets[t->n_leaves++] = s0;
            continue;
        }
        int64_t nl;
        if (sp >= RP_MAX_STACK) {  /* deep: plain halves (keeps the stack bounded) */
            nl = m / 2;
        } else {
            nl = split(x, d, angular, t->items + s0, m, hp, side, buf, &rng);
        }
        stack[2 * sp] = s0 + nl; stack[2 * sp + 1] = m - nl; sp++;   /* right, popped later */
        stack[2 * sp] = s0;      stack[2 * sp + 1] = nl;     sp++;   /* left, next */
    }
    t->offsets[t->n_leaves] = n;
    free(hp); free(side); free(buf); free(stack);
    return EMB_OK;
}
