/* mlp.c - class probabilities of a one-hidden-layer perceptron (Rumelhart,
 * Hinton, Williams 1986), the classifier behind label_issues.c's
 * out-of-fold probabilities.
 *
 *   h = relu(x W1)          x (D) with a constant-1 column, W1 (D, H)
 *   p = softmax(h W2 + b2)  W2 (H, C)
 *
 * trained on the cross-entropy by mini-batch SGD with heavy-ball momentum,
 * a cosine-decayed step (Loshchilov, Hutter, "SGDR", ICLR 2017, without
 * restarts) and L2 weight decay (not on the biases), He-initialised (He et
 * al., ICCV 2015: W1 ~ N(0, 2 / D), W2 ~ N(0, 1 / H)). Every product is
 * emb__sgemm on one thread: one fit is a fixed sequence of operations, so
 * its bytes depend on the seed and the SIMD level only; callers run
 * independent fits (the folds) in parallel.
 * Known shortcut: no early stopping and no validation split inside a
 * fold; the epoch count is fixed (measured in bench/analysis/labels.py). */
#include "analysis/analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MLP_PREDICT_ROWS 1024

emb__mlp_params emb__mlp_default_params(void) {
    emb__mlp_params p;
    memset(&p, 0, sizeof p);
    p.hidden = 256;
    p.epochs = 20;
    p.batch = 256;
    p.lr = 0.05f;
    p.momentum = 0.9f;
    p.l2 = 1e-4f;
    return p;
}

/* rows (m, C) of logits -> softmax in place, max subtracted first. */
static void softmax_rows(float *z, int64_t m, int C) {
    for (int64_t r = 0; r < m; r++) {
        float *zr = z + (size_t)r * C, mx = zr[0], s = 0;
        for (int c = 1; c < C; c++) mx = zr[c] > mx ? zr[c] : mx;
        for (int c = 0; c < C; c++) { zr[c] = expf(zr[c] - mx); s += zr[c]; }
        float inv = 1.0f / s;
        for (int c = 0; c < C; c++) zr[c] *= inv;
    }
}

/* p (m, C) = softmax(relu(X W1) W2 + b2) for the rows X (m, D); h (m, H) scratch. */
static emb_status forward(const float *X, int64_t m, int D, int H, int C, const float *W1, const float *W2,
                          const float *b2, float *h, float *p) {
    emb_status st = emb__sgemm(false, false, m, H, D, 1.0f, X, (size_t)D, W1, (size_t)H, 0.0f, h, (size_t)H, 1);
    if (st) return st;
    #pragma omp simd  /* branch-free: half the signs are random */
    for (size_t a = 0; a < (size_t)m * H; a++) h[a] = h[a] > 0.0f ? h[a] : 0.0f;
    if ((st = emb__sgemm(false, false, m, C, H, 1.0f, h, (size_t)H, W2, (size_t)C, 0.0f, p, (size_t)C, 1))) return st;
    for (int64_t r = 0; r < m; r++)
        for (int c = 0; c < C; c++) p[(size_t)r * C + c] += b2[c];
    softmax_rows(p, m, C);
    return EMB_OK;
}

/* v = momentum v - lr (g + l2 w); w += v, for n weights (l2 = 0 for biases). */
static void sgd_step(float *w, float *v, const float *g, size_t n, float lr, float momentum, float l2) {
    #pragma omp simd
    for (size_t a = 0; a < n; a++) {
        v[a] = momentum * v[a] - lr * (g[a] + l2 * w[a]);
        w[a] += v[a];
    }
}

emb_status emb__mlp_fit_predict(const float *F, int D, const int32_t *y, int C, const int64_t *tr, int64_t mt,
                                const int64_t *te, int64_t me, const emb__mlp_params *prm, uint64_t seed, float *p) {
    int H = prm->hidden, B = prm->batch;
    if (H < 1 || B < 1 || prm->epochs < 1 || mt < 1) return emb__fail(EMB_E_INVALID, "classifier: bad parameters or no training rows");
    size_t n1 = (size_t)D * H, n2 = (size_t)H * C;
    int64_t PB = B > MLP_PREDICT_ROWS ? B : MLP_PREDICT_ROWS;
    float *W1 = emb__malloc(sizeof(float) * n1, "classifier"), *V1 = emb__calloc(n1, sizeof(float), "classifier"),
          *G1 = emb__malloc(sizeof(float) * n1, "classifier"), *W2 = emb__malloc(sizeof(float) * n2, "classifier"),
          *V2 = emb__calloc(n2, sizeof(float), "classifier"), *G2 = emb__malloc(sizeof(float) * n2, "classifier"),
          *b2 = emb__calloc((size_t)C, sizeof(float), "classifier"), *vb2 = emb__calloc((size_t)C, sizeof(float), "classifier"),
          *gb2 = emb__malloc(sizeof(float) * (size_t)C, "classifier"),
          *xb = emb__malloc(sizeof(float) * (size_t)PB * D, "classifier"), *hb = emb__malloc(sizeof(float) * (size_t)PB * H, "classifier"),
          *gh = emb__malloc(sizeof(float) * (size_t)B * H, "classifier"), *pb = emb__malloc(sizeof(float) * (size_t)PB * C, "classifier");
    int64_t *order = emb__malloc(sizeof(int64_t) * (size_t)mt, "classifier");
    emb_status st = EMB_OK;
    if (!W1 || !V1 || !G1 || !W2 || !V2 || !G2 || !b2 || !vb2 || !gb2 || !xb || !hb || !gh || !pb || !order) {
        st = EMB_E_NOMEM;
        goto done;
    }
    emb_rng rng;
    emb_rng_seed(&rng, seed);
    float s1 = sqrtf(2.0f / (float)D), s2 = sqrtf(1.0f / (float)H);
    for (size_t a = 0; a < n1; a++) W1[a] = s1 * (float)emb_rng_normal(&rng);
    for (size_t a = 0; a < n2; a++) W2[a] = s2 * (float)emb_rng_normal(&rng);
    for (int64_t r = 0; r < mt; r++) order[r] = tr[r];
    int64_t steps_per_epoch = (mt + B - 1) / B, steps = steps_per_epoch * prm->epochs, step = 0;
    for (int e = 0; e < prm->epochs && !st; e++) {
        for (int64_t r = mt - 1; r > 0; r--) {  /* Fisher-Yates, a new order each epoch */
            int64_t j = (int64_t)(emb_rng_uniform(&rng) * (double)(r + 1));
            int64_t t = order[r]; order[r] = order[j]; order[j] = t;
        }
        for (int64_t r0 = 0; r0 < mt && !st; r0 += B, step++) {
            int64_t m = mt - r0 < B ? mt - r0 : B;
            for (int64_t r = 0; r < m; r++) memcpy(xb + (size_t)r * D, F + (size_t)order[r0 + r] * D, sizeof(float) * D);
            if ((st = forward(xb, m, D, H, C, W1, W2, b2, hb, pb))) break;
            /* dL/dz = (p - onehot(y)) / m */
            float inv_m = 1.0f / (float)m;
            for (int64_t r = 0; r < m; r++) {
                pb[(size_t)r * C + y[order[r0 + r]]] -= 1.0f;
                for (int c = 0; c < C; c++) pb[(size_t)r * C + c] *= inv_m;
            }
            for (int c = 0; c < C; c++) {
                float s = 0;
                for (int64_t r = 0; r < m; r++) s += pb[(size_t)r * C + c];
                gb2[c] = s;
            }
            if ((st = emb__sgemm(true, false, H, C, m, 1.0f, hb, (size_t)H, pb, (size_t)C, 0.0f, G2, (size_t)C, 1))) break;
            if ((st = emb__sgemm(false, true, m, H, C, 1.0f, pb, (size_t)C, W2, (size_t)C, 0.0f, gh, (size_t)H, 1))) break;
            #pragma omp simd  /* relu' */
            for (size_t a = 0; a < (size_t)m * H; a++) gh[a] = hb[a] > 0.0f ? gh[a] : 0.0f;
            if ((st = emb__sgemm(true, false, D, H, m, 1.0f, xb, (size_t)D, gh, (size_t)H, 0.0f, G1, (size_t)H, 1))) break;
            float lr = prm->lr * 0.5f * (1.0f + cosf(3.14159265f * (float)step / (float)steps));
            /* the last row of W1 multiplies the constant-1 column: a bias, no decay */
            sgd_step(W1, V1, G1, n1 - (size_t)H, lr, prm->momentum, prm->l2);
            sgd_step(W1 + n1 - H, V1 + n1 - H, G1 + n1 - H, (size_t)H, lr, prm->momentum, 0.0f);
            sgd_step(W2, V2, G2, n2, lr, prm->momentum, prm->l2);
            sgd_step(b2, vb2, gb2, (size_t)C, lr, prm->momentum, 0.0f);
        }
    }
    for (int64_t r0 = 0; r0 < me && !st; r0 += PB) {
        int64_t m = me - r0 < PB ? me - r0 : PB;
        for (int64_t r = 0; r < m; r++) memcpy(xb + (size_t)r * D, F + (size_t)te[r0 + r] * D, sizeof(float) * D);
        if ((st = forward(xb, m, D, H, C, W1, W2, b2, hb, pb))) break;
        for (int64_t r = 0; r < m; r++) memcpy(p + (size_t)te[r0 + r] * C, pb + (size_t)r * C, sizeof(float) * C);
    }
done:
    free(W1); free(V1); free(G1); free(W2); free(V2); free(G2); free(b2); free(vb2); free(gb2);
    free(xb); free(hb); free(gh); free(pb); free(order);
    return st;
}
