/* emb_core.h - status codes, error messages, matrices, random numbers,
 * progress callbacks, atomic output files. Part of embscope.h. */
#ifndef EMB_CORE_H
#define EMB_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    EMB_OK = 0,
    EMB_E_INVALID,     /* bad argument */
    EMB_E_IO,          /* file system */
    EMB_E_FORMAT,      /* file content */
    EMB_E_NOMEM,
    EMB_E_UNSUPPORTED,
    EMB_E_CANCELLED,
} emb_status;

const char *emb_status_str(emb_status st);  /* "file format error" */
const char *emb_errmsg(void);               /* last message on this thread */
const char *emb_version(void);              /* "0.1.0" */

/* The binary interface: bumped whenever a public struct, enum or signature
 * changes. Bindings (python/embscope) pin the number they were written for
 * and check it, and the size of each struct they mirror, when they load. */
#define EMB_ABI_VERSION 5
int emb_abi_version(void);                  /* EMB_ABI_VERSION of the library */
/* sizeof a public struct by name ("emb_tsne_params", "emb_knn", ...); 0 for
 * a name it does not know. */
size_t emb_abi_sizeof(const char *type_name);

/* A dense row-major float32 matrix. Owned by whoever filled it; release with
 * emb_matf_free(). A matrix may instead hold its rows in half precision
 * (IEEE binary16): data NULL, half set (a view, e.g. of a mapped float16
 * .npy, owned elsewhere; emb_matf_free leaves it alone). The stages of a
 * large run read such rows directly (kNN, duplicates, PCA and the label
 * classifier on it); the other functions widen them into a float32 copy
 * first (emb_matf_widen). */
typedef struct {
    float *data;          /* (rows, cols) row-major, or NULL with half */
    int64_t rows, cols;
    const uint16_t *half; /* (rows, cols) binary16 when data is NULL, else NULL */
} emb_matf;

emb_status emb_matf_alloc(emb_matf *m, int64_t rows, int64_t cols); /* zeroed */
void emb_matf_free(emb_matf *m);  /* NULL data is a no-op; leaves m zeroed */
/* x itself when it holds float32 rows (*use = x, tmp untouched), else its
 * half-precision rows widened into tmp (allocated; *use = tmp; the caller
 * frees tmp with emb_matf_free, a no-op when unused). */
emb_status emb_matf_widen(const emb_matf *x, emb_matf *tmp, const emb_matf **use);
bool emb_matf_is_half(const emb_matf *x);   /* rows in half precision */

/* Random numbers: xoshiro256** seeded by splitmix64 (Blackman & Vigna 2018).
 * Same seed, same sequence on every platform. Not thread-safe: one per thread
 * (emb_rng_jump gives independent streams). */
typedef struct { uint64_t s[4]; } emb_rng;
void     emb_rng_seed(emb_rng *r, uint64_t seed);
uint64_t emb_rng_next(emb_rng *r);
uint32_t emb_rng_below(emb_rng *r, uint32_t n);    /* uniform in [0, n) */
double   emb_rng_uniform(emb_rng *r);              /* uniform in [0, 1) */
double   emb_rng_normal(emb_rng *r);               /* standard normal */
void     emb_rng_jump(emb_rng *r);                 /* advance 2^128 steps */

/* Progress: library code reports through this callback, never prints.
 * frac in [0, 1], or < 0 when unknown; msg may be NULL. */
typedef void (*emb_progress_fn)(void *ctx, const char *stage, double frac,
                                const char *msg);
typedef struct {
    emb_progress_fn fn;   /* NULL = silent */
    void *ctx;
} emb_progress;
void emb_progress_report(const emb_progress *p, const char *stage, double frac,
                         const char *msg);

/* Number of threads to use: n > 0 as given, else all cores (OpenMP). */
int emb_threads_resolve(int n_threads);

/* SIMD level of the kernels. The CPU is probed once (thread-safe); the
 * environment variable EMB_CPU=scalar|avx2|avx512|avx512bf16|amx, read at that
 * first call, caps it (tests run every lower level on one machine). Every
 * kernel of the library asks emb_cpu_level_active(); results at different
 * levels agree to float rounding, results at one level are reproducible
 * (README: determinism). Non-x86 builds are always EMB_CPU_SCALAR. */
typedef enum {
    EMB_CPU_SCALAR = 0,      /* plain C: the reference of every kernel */
    EMB_CPU_AVX2,            /* AVX2 + FMA + F16C */
    EMB_CPU_AVX512,          /* AVX-512 F, BW, DQ, VL */
    EMB_CPU_AVX512_BF16,     /* the same + AVX512-BF16 (vdpbf16ps) */
    EMB_CPU_AMX,             /* the same + AMX-TILE and AMX-BF16, the OS granting tile state */
} emb_cpu_level;
emb_cpu_level emb_cpu_level_active(void);    /* detected, capped by EMB_CPU */
emb_cpu_level emb_cpu_level_detected(void);  /* what the CPU has */
bool emb_cpu_level_capped(void);             /* EMB_CPU lowered the level */
const char *emb_cpu_level_name(emb_cpu_level level);   /* "avx2", ... */
/* "scalar" / "avx2" / "avx512" / "avx512bf16" / "amx" -> level; false if unknown. */
bool emb_cpu_level_parse(const char *s, emb_cpu_level *out);

/* Seconds on a monotonic clock. */
double emb_now(void);

/* Atomic output: write to "<path>.tmp.<pid>" and rename over <path> when
 * complete, so a failed run leaves the previous file untouched. */
typedef struct {
    FILE *f;
    char *path;           /* final name */
    char *tmp;            /* temporary name */
} emb_outfile;
emb_status emb_outfile_open(emb_outfile *o, const char *path);
emb_status emb_outfile_commit(emb_outfile *o);  /* fclose + fsync-free rename */
void emb_outfile_abort(emb_outfile *o);         /* close + remove tmp; idempotent */

/* Join a directory and a file name into a new string (caller frees). */
char *emb_path_join(const char *dir, const char *name);
/* mkdir -p; EMB_E_IO with a message on failure. */
emb_status emb_mkdirs(const char *dir);

#ifdef __cplusplus
}
#endif
#endif
