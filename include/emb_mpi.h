/* emb_mpi.h - embed and neighbours as MPI ranks (Open MPI, or any MPI that
 * mpirun / Slurm's srun starts). Part of embscope.h.
 *
 * Usage, in a program started as `mpirun -np R prog ...` (every rank runs
 * the same calls; error handling shortened):
 *
 *     emb_mpi_world w;
 *     emb_mpi_world_get(&w);                 // {0, 1} when run alone
 *     emb_dataset *ds;  emb_dataset_open(data, NULL, &ds);   // every rank
 *     emb_embedding e;  emb_skipped skipped = {0};
 *     emb_mpi_embed(ds, my_embed_fn, ctx, &e, &skipped, NULL);
 *     if (w.rank == 0) emb_npy_write_f32("out/embeddings.npy", e.vectors.data, e.vectors.rows, e.vectors.cols);
 *
 * Built without MPI (-DEMB_MPI=OFF, or mpicc missing) the same functions
 * exist: one process is a world of one, and a process that an MPI launcher
 * started with more than one rank gets EMB_E_UNSUPPORTED. */
#ifndef EMB_MPI_H
#define EMB_MPI_H

#include "emb_features.h"
#include "emb_neighbors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int rank;              /* 0 .. size - 1; rank 0 writes the outputs */
    int size;              /* ranks in MPI_COMM_WORLD, 1 when run alone */
    int local_size;        /* ranks on this node (MPI_COMM_TYPE_SHARED), 1 when run alone */
} emb_mpi_world;

/* This process's place. The first call made where a launcher started more
 * than one rank (OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_SIZE > 1)
 * initialises MPI (MPI_Init_thread, FUNNELED) and registers MPI_Finalize
 * with atexit; a process run alone never touches MPI. Call it from the
 * main thread. Returns EMB_OK, or EMB_E_UNSUPPORTED when launched as
 * several ranks by a build without MPI, or EMB_E_IO when MPI fails to start. */
emb_status emb_mpi_world_get(emb_mpi_world *out);

/* Collective: every rank passes its own status; every rank gets back the
 * first failing rank's status, with its message ("rank 2: ..."), or EMB_OK.
 * Alone: returns st. */
emb_status emb_mpi_agree(emb_status st);

/* What one rank did in a collective call below (for logs and bench/mpi). */
typedef struct {
    double compute_s;      /* this rank's own share of the work, wall seconds */
    double comm_s;         /* waiting for and moving data between ranks, wall seconds */
    int64_t bytes_sent;    /* payload this rank sent (rank 0: 0) */
    int64_t bytes_received;/* payload this rank received (only rank 0 receives) */
    int64_t items;         /* this rank's share: embed, items of its shard; exact kNN,
                              block pairs of the SGEMM; approximate kNN, rows of its slab */
} emb_mpi_stats;

/* One rank's share of the embed stage: the embedding of the items of shard
 * (out->n = shard->n), as emb_pixels_embed / emb_clip_embed_dataset give it
 * (shard not modified; unreadable items keep 0 and added to *skipped). */
typedef emb_status (*emb_mpi_embed_fn)(const emb_dataset *shard, void *ctx, emb_embedding *out, emb_skipped *skipped);

/* Collective: every rank passes the same dataset (as emb_dataset_open
 * gives it: items sorted by path). Rank r embeds the contiguous shard
 * [n r / R, n (r + 1) / R) with fn; rank 0 gathers the shards in order, so
 * that on rank 0 *out is the embedding of all ds->n items (keep, vectors
 * (n_kept, d) of the readable ones, pixel_hash and sizes; allocated, free
 * with emb_embedding_free) and *skipped the unreadable files in item order:
 * the same bytes as fn(ds) in one process when fn's result for an item
 * does not depend on the other items. On other ranks *out is empty (n 0,
 * every array NULL). ds is never modified (emb_dataset_apply_embedding on
 * rank 0 gives the filtered dataset). A failure on any
 * rank is returned by every rank, with that rank's message; a rank that
 * dies ends the job (Open MPI's default error handler). Returns EMB_OK,
 * fn's status, EMB_E_FORMAT (no item readable on any rank), EMB_E_NOMEM
 * or EMB_E_IO (MPI). stats may be NULL. */
emb_status emb_mpi_embed(const emb_dataset *ds, emb_mpi_embed_fn fn, void *ctx, emb_embedding *out,
                         emb_skipped *skipped, emb_mpi_stats *stats);

/* Collective: every rank passes the same x (memory-map it: each rank reads
 * the rows it needs) and params. Exact (method EXACT, or AUTO below the
 * crossover): the block pairs of emb_knn_build's blocked SGEMM (upper
 * half of the n x n products) are split into R contiguous ranges of about
 * equal GEMM cost (query blocks against the later blocks); each rank keeps
 * candidate lists for every row, rank 0 merges
 * them and recomputes the kept distances: on rank 0 *out is byte for byte
 * emb_knn_build's exact graph. Approximate: rows sorted by their
 * projection on the first principal direction, cut into R slabs widened
 * by half a slab on each side; NN-descent on each slab (one per rank),
 * the lists of rows in two slabs merged on rank 0 (recall@15 >= 0.97
 * measured up to 4 ranks, see bench/mpi; seeded, but not the bytes of a
 * one-process NN-descent). On other ranks *out is empty (n 0).
 * Returns emb_knn_build's statuses or EMB_E_IO (MPI). stats may be NULL. */
emb_status emb_mpi_knn_build(const emb_matf *x, const emb_knn_params *params, emb_knn *out,
                             emb_mpi_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
