/* mpi_internal.h - helpers shared by the MPI stage (src/mpi/,  built with
 * -DEMB_MPI=ON): large transfers in pieces, and one status for all ranks. */
#ifndef EMB_MPI_INTERNAL_H
#define EMB_MPI_INTERNAL_H

#include <mpi.h>

#include "core/internal.h"

/* Send / receive n bytes (any size: MPI counts are int) to / from rank peer. */
emb_status emb__mpi_send(const void *buf, size_t n, int peer, int tag);
emb_status emb__mpi_recv(void *buf, size_t n, int peer, int tag);
/* First rank's share of n items among size ranks: [lo(r), lo(r + 1)). */
static inline int64_t emb__mpi_lo(int64_t n, int r, int size) { return (int64_t)((__int128)n * r / size); }

#endif
