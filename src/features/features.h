/* features.h - helpers of the features stage shared inside src/ and with the
 * tests, benchmarks and `embscope clip` (not part of the public API). */
#ifndef EMB_FEATURES_INTERNAL_H
#define EMB_FEATURES_INTERNAL_H

#include "embscope.h"

/* The naive area resize (rows first, one sequential sum per value) that
 * emb_resize_area is tested against; same contract as emb_resize_area. */
emb_status emb__resize_area_naive(const uint8_t *src, int w, int h, int c,
                                  float *dst, int ow, int oh);

/* *e for n items: vectors (n, d) (one row per item until emb__embed_finish),
 * keep and pixel_hash zeroed, and with sizes img_w_src, img_h_src and
 * transparent. On failure *e is empty. Shared by the pixel and CLIP embedders. */
emb_status emb__embedding_alloc(emb_embedding *e, int64_t n, int64_t d, bool sizes);

/* After embedding every item of ds into e's rows, keep the rows with
 * e->keep[i] != 0: move them up in order, zero the per-item fields of the
 * others and list them in skipped with why[i] (or "unreadable"). ds is only
 * read (its paths). EMB_E_FORMAT when none is left. */
emb_status emb__embed_finish(const emb_dataset *ds, emb_embedding *e, char *const *why, emb_skipped *skipped);

/* The straightforward CLIP image forward pass (loops, no BLAS), float32
 * weights only: the reference the fast one (emb_clip_embed) is tested against. */
emb_status emb_clip_embed_naive(const emb_clip *m, const float *pixels, int64_t n, float *out);

/* The straightforward CLIP text forward pass over all context positions
 * (float32 weights only): the reference of emb_clip_text_embed. */
emb_status emb_clip_text_embed_naive(const emb_clip_text *m, const int32_t *ids, int64_t n, float *out);

/* Throughput of the GEMM behind one precision (embscope's kernel at
 * emb_cpu_level_active(), or with blas the linked BLAS's SGEMM; BF16: the
 * bf16 kernel of the level) on an (m, k) x (k, n) product, best of repeated
 * runs over about `seconds`, in GFLOP/s. */
double emb_clip_gemm_gflops(emb_clip_precision prec, bool blas, int m, int n, int k, int n_threads, double seconds);
/* The GEMM kernel the linear layers of `prec` run at emb_cpu_level_active()
 * ("amx tdpbf16ps 32x32 (...)", "avx512 6x64", ...), for benchmark output. */
const char *emb_clip_gemm_kernel_name(emb_clip_precision prec);

#endif
