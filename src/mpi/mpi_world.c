/* mpi_world.c - starting MPI when a launcher (mpirun, srun) started this
 * process as one of several ranks, and the transfers the stage shares.
 * The MPI calls are the standard's (MPI 3.1); tested with Open MPI 4.1.
 * Without MPI (-DEMB_MPI=OFF) one process is a world of one, and a process
 * that a launcher started as one of several ranks says so instead of doing
 * the whole job R times. */
#include "core/internal.h"

#include <stdlib.h>
#include <string.h>

static int launched_size(void) {
    const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && atoi(v) > 0) return atoi(v);
    }
    return 1;
}

#ifdef EMB_HAVE_MPI
#include "mpi/mpi_internal.h"

#define MPI_PIECE ((size_t)1 << 30)   /* bytes per MPI call: counts are int */

static void finalize(void) {
    int fin = 0;
    MPI_Finalized(&fin);
    if (!fin) MPI_Finalize();
}

emb_status emb_mpi_world_get(emb_mpi_world *out) {
    out->rank = 0;
    out->size = 1;
    out->local_size = 1;
    int init = 0;
    MPI_Initialized(&init);
    if (!init) {
        if (launched_size() <= 1) return EMB_OK;   /* alone: MPI stays untouched */
        int provided;
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            return emb__fail(EMB_E_IO, "MPI_Init_thread failed");
        atexit(finalize);
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &out->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &out->size);
    static int local_size;   /* set once, from the main thread (MPI_THREAD_FUNNELED) */
    if (!local_size) {
        MPI_Comm node;
        local_size = 1;
        if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
            MPI_Comm_size(node, &local_size);
            MPI_Comm_free(&node);
        }
    }
    out->local_size = local_size;
    return EMB_OK;
}

emb_status emb__mpi_send(const void *buf, size_t n, int peer, int tag) {
    for (size_t off = 0; off < n; off += MPI_PIECE) {
        int m = (int)(n - off < MPI_PIECE ? n - off : MPI_PIECE);
        if (MPI_Send((const char *)buf + off, m, MPI_BYTE, peer, tag, MPI_COMM_WORLD) != MPI_SUCCESS)
            return emb__fail(EMB_E_IO, "MPI_Send of %zu bytes to rank %d failed", n, peer);
    }
    return EMB_OK;
}

emb_status emb__mpi_recv(void *buf, size_t n, int peer, int tag) {
    for (size_t off = 0; off < n; off += MPI_PIECE) {
        int m = (int)(n - off < MPI_PIECE ? n - off : MPI_PIECE);
        if (MPI_Recv((char *)buf + off, m, MPI_BYTE, peer, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return emb__fail(EMB_E_IO, "MPI_Recv of %zu bytes from rank %d failed", n, peer);
    }
    return EMB_OK;
}

emb_status emb_mpi_agree(emb_status st) {
    int init = 0;
    MPI_Initialized(&init);
    if (!init) return st;
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int mine = st ? rank : size, first = size;
    if (MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS)
        return emb__fail(EMB_E_IO, "MPI_Allreduce failed");
    if (first == size) return EMB_OK;
    char msg[512];
    int code = (int)st;
    snprintf(msg, sizeof msg, "%s", emb_errmsg());
    MPI_Bcast(&code, 1, MPI_INT, first, MPI_COMM_WORLD);
    MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, first, MPI_COMM_WORLD);
    msg[sizeof msg - 1] = 0;
    if (rank == first) return st;
    return emb__fail((emb_status)code, "rank %d: %s", first, msg);
}

#else  /* no MPI */

emb_status emb_mpi_world_get(emb_mpi_world *out) {
    out->rank = 0;
    out->size = 1;
    out->local_size = 1;
    if (launched_size() > 1)
        return emb__fail(EMB_E_UNSUPPORTED, "started as %d MPI ranks, but this embscope was built without MPI "
                         "(configure with -DEMB_MPI=ON, needs libopenmpi-dev)", launched_size());
    return EMB_OK;
}

emb_status emb_mpi_agree(emb_status st) { return st; }

static emb_status alone(void) {
    return emb__fail(EMB_E_UNSUPPORTED, "this embscope was built without MPI (-DEMB_MPI=ON)");
}

emb_status emb_mpi_embed(const emb_dataset *ds, emb_mpi_embed_fn fn, void *ctx, emb_embedding *out,
                         emb_skipped *skipped, emb_mpi_stats *stats) {
    (void)ds, (void)fn, (void)ctx, (void)out, (void)skipped, (void)stats;
    return alone();
}

emb_status emb_mpi_knn_build(const emb_matf *x, const emb_knn_params *params, emb_knn *out,
                             emb_mpi_stats *stats) {
    (void)x, (void)params, (void)out, (void)stats;
    return alone();
}
#endif
