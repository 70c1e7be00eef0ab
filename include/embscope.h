/* embscope.h - the public API of libembscope: see and clean an image dataset
 * through embeddings.
 *
 * Usage (error handling shortened):
 *
 *     emb_dataset *ds;
 *     emb_dataset_open("/usr/share/datasets/fashion-mnist", NULL, &ds);
 *     emb_embedding e;                     // e.vectors (n_kept, d) float32, e.keep (n)
 *     emb_skipped skipped = {0};
 *     emb_pixels_params pp = emb_pixels_default_params();
 *     if (emb_pixels_embed(ds, &pp, &e, &skipped) != EMB_OK)   // ds is left as it is
 *         fprintf(stderr, "%s\n", emb_errmsg());
 *     emb_dataset_apply_embedding(ds, &e);  // drop unreadable items: row i = item i
 *     emb_npy_write_f32("out/embeddings.npy", e.vectors.data, e.vectors.rows, e.vectors.cols);
 *     emb_embedding_free(&e); emb_skipped_free(&skipped); emb_dataset_free(ds);
 *
 * Every function that can fail returns an emb_status; on failure
 * emb_errmsg() holds a message (per thread) that names the file or item.
 * One header per stage, included here: emb_core.h, emb_io.h, ... */
#ifndef EMBSCOPE_H
#define EMBSCOPE_H

#include "emb_core.h"
#include "emb_io.h"
#include "emb_features.h"
#include "emb_neighbors.h"
#include "emb_analysis.h"
#include "emb_map.h"
#include "emb_umap.h"
#include "emb_clip.h"
#include "emb_tsne.h"
#include "emb_report.h"
#include "emb_cluster.h"
#include "emb_analyze.h"
#include "emb_mpi.h"

#endif
