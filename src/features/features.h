/* features.h - helpers of the features stage shared inside src/ and with the
 * tests (not part of the public API). */
#ifndef EMB_FEATURES_INTERNAL_H
#define EMB_FEATURES_INTERNAL_H

#include "embscope.h"

/* The naive area resize (rows first, one sequential sum per value) that
 * emb_resize_area is tested against; same contract as emb_resize_area. */
emb_status emb__resize_area_naive(const uint8_t *src, int w, int h, int c,
                                  float *dst, int ow, int oh);

/* After embedding every item of ds into out (n rows of d floats), keep the
 * rows with keep[i] != 0: move them up in order, list the others in skipped
 * with why[i] (or "unreadable"), drop them from ds. EMB_E_FORMAT when none
 * is left. Shared by the pixel and CLIP embedders. */
emb_status emb__embed_compact(emb_dataset *ds, emb_matf *out, const uint8_t *keep,
                              char *const *why, emb_skipped *skipped);

#endif
