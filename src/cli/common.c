/* common.c - option handling, messages, progress and exit codes shared by
 * the sub-commands. */
#include "cli.h"

#include <errno.h>
#include <omp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* OpenBLAS's own (cblas.h declares it too, but the program includes only
 * embscope.h): the program, not the library, sets process-wide threads. */
void openblas_set_num_threads(int n);

/* Progress on stderr. A terminal gets one line per stage, redrawn in
 * place, with the time so far and an estimate of the time left (from the
 * fraction done at the stage's average rate); anything else (a log file, a
 * pipe) gets a plain line when a stage starts, at most one a minute while it
 * runs, and one when it ends. The library reports from one thread at a
 * time per call; the lock keeps two concurrent calls' lines whole. */
typedef struct {
    pthread_mutex_t lock;
    bool tty;
    char stage[32], done_stage[32];   /* the stage running; the one that last reached 100% */
    double t0, last;
} progress_state;
static progress_state g_progress = {PTHREAD_MUTEX_INITIALIZER, false, "", "", 0, 0};
#define PROGRESS_LOG_SECONDS 60.0

static void fmt_duration(char *buf, size_t n, double s) {
    if (!(s >= 0) || s > 360000) snprintf(buf, n, "?");
    else if (s < 60) snprintf(buf, n, "%.0fs", s);
    else if (s < 3600) snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
}

static void progress_to_stderr(void *ctx, const char *stage, double frac, const char *msg) {
    progress_state *ps = ctx;
    pthread_mutex_lock(&ps->lock);
    double now = emb_now();
    bool fresh = strncmp(ps->stage, stage, sizeof ps->stage - 1) != 0, done = frac >= 1.0;
    if (fresh && done && !strncmp(ps->done_stage, stage, sizeof ps->done_stage - 1)) {   /* said already */
        pthread_mutex_unlock(&ps->lock);
        return;
    }
    if (fresh) {
        snprintf(ps->stage, sizeof ps->stage, "%s", stage);
        ps->t0 = now;
        ps->last = -1e300;
    }
    double el = now - ps->t0;
    char e1[16], e2[16], eta[40] = "";
    fmt_duration(e1, sizeof e1, el);
    if (frac > 0.02 && frac < 1.0 && el > 1.0) {   /* too early to tell below 2% or 1 s */
        fmt_duration(e2, sizeof e2, el * (1.0 - frac) / frac);
        snprintf(eta, sizeof eta, ", %s left", e2);
    }
    if (ps->tty) {
        if (frac >= 0) fprintf(stderr, "\r%-12s %5.1f%%  %s%s%s%s\033[K", stage, 100.0 * frac, e1, eta, msg ? "  " : "", msg ? msg : "");
        else fprintf(stderr, "\r%-12s %s\033[K", stage, msg ? msg : "");
        if (done) fputc('\n', stderr);
    } else if (fresh || done || now - ps->last >= PROGRESS_LOG_SECONDS) {
        if (frac >= 0) fprintf(stderr, "%-12s %5.1f%%  %s%s%s%s\n", stage, 100.0 * frac, e1, eta, msg ? "  " : "", msg ? msg : "");
        else fprintf(stderr, "%-12s %s\n", stage, msg ? msg : "");
        ps->last = now;
    }
    if (done) {
        snprintf(ps->done_stage, sizeof ps->done_stage, "%s", stage);
        ps->stage[0] = 0;
    } else if (fresh) {
        ps->done_stage[0] = 0;
    }
    fflush(stderr);
    pthread_mutex_unlock(&ps->lock);
}

/* The library's messages: a stage's line as cli_log prints it (not when
 * quiet), a warning as "embscope: ..." always. */
static void log_to_stderr(void *ctx, emb_log_level level, const char *msg) {
    const cli_common *c = ctx;
    if (level == EMB_LOG_WARN) {
        pthread_mutex_lock(&g_progress.lock);
        if (g_progress.tty && g_progress.stage[0]) fputs("\r\033[K", stderr);
        fprintf(stderr, "embscope: %s\n", msg);
        pthread_mutex_unlock(&g_progress.lock);
    } else {
        cli_log(c, "%s", msg);
    }
}

void cli_common_init(cli_common *c) {
    memset(c, 0, sizeof *c);
    c->seed = 42;
    c->mpi.size = 1;
    c->mpi.local_size = 1;
}

bool cli_parse_int(const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

bool cli_parse_float(const char *s, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi)) return false;
    *out = v;
    return true;
}

int cli_common_opt(cli_common *c, int opt, const char *arg) {
    long v;
    switch (opt) {
    case 'o': c->out_dir = arg; return 1;
    case CLI_OPT_THREADS:
        if (!cli_parse_int(arg, 0, 4096, &v)) { fprintf(stderr, "embscope: --threads: '%s' is not a number of threads\n", arg); return -1; }
        c->n_threads = (int)v;
        return 1;
    case CLI_OPT_SEED: {
        char *end;
        errno = 0;
        unsigned long long s = strtoull(arg, &end, 10);
        if (errno || end == arg || *end) { fprintf(stderr, "embscope: --seed: '%s' is not a non-negative integer\n", arg); return -1; }
        c->seed = s;
        return 1;
    }
    case CLI_OPT_QUIET: c->quiet = true; return 1;
    }
    return 0;
}

void cli_common_finish(cli_common *c) {
    /* under mpirun / srun with several ranks: start MPI; rank 0 alone logs */
    emb_status st = emb_mpi_world_get(&c->mpi);
    if (st) exit(cli_fail(st));
    if (c->mpi.rank > 0) c->quiet = true;
    /* no --threads under mpirun: share the node's cores among its ranks */
    if (c->n_threads == 0 && c->mpi.local_size > 1) {
        c->n_threads = emb_threads_resolve(0) / c->mpi.local_size;
        if (c->n_threads < 1) c->n_threads = 1;
    }
    /* --threads governs both pools: OpenMP's (the library's parallel
     * regions default to it) and OpenBLAS's (its SGEMM calls) */
    if (c->n_threads > 0) {
        omp_set_num_threads(c->n_threads);
        openblas_set_num_threads(c->n_threads);
    }
    c->log.fn = log_to_stderr;
    c->log.ctx = c;
    if (!c->quiet) {
        g_progress.tty = isatty(2);
        c->progress.fn = progress_to_stderr;
        c->progress.ctx = &g_progress;
    }
}

int cli_fail(emb_status st) {
    fprintf(stderr, "embscope: %s (%s)\n", emb_errmsg(), emb_status_str(st));
    switch (st) {
    case EMB_E_INVALID: case EMB_E_FORMAT: case EMB_E_UNSUPPORTED: return CLI_EXIT_INPUT;
    case EMB_E_IO: return CLI_EXIT_INPUT;
    default: return CLI_EXIT_FAIL;
    }
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "embscope %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'embscope %s --help'.\n", cmd);
    return CLI_EXIT_USAGE;
}

void cli_log(const cli_common *c, const char *fmt, ...) {
    if (c->quiet) return;
    pthread_mutex_lock(&g_progress.lock);
    if (g_progress.tty && g_progress.stage[0]) fputs("\r\033[K", stderr);   /* over the progress line */
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    pthread_mutex_unlock(&g_progress.lock);
}

char *cli_out_path(const cli_common *c, const char *name) {
    char *p = emb_path_join(c->out_dir, name);
    if (!p) { fprintf(stderr, "embscope: out of memory\n"); exit(CLI_EXIT_FAIL); }
    return p;
}

void cli_features_init(cli_features *f) { *f = emb_features_default_opts(); }

emb_analyze_params cli_params(const cli_common *c) {
    emb_analyze_params p = emb_analyze_default_params();
    p.n_threads = c->n_threads;
    p.seed = c->seed;
    p.progress = c->progress;
    p.log = c->log;
    p.mpi = c->mpi;
    return p;
}
