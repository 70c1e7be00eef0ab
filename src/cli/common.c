/* common.c - option handling, messages, progress and exit codes shared by
 * the sub-commands. */
#include "cli.h"

#include <errno.h>
#include <omp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* OpenBLAS's own (cblas.h declares it too, but the program includes only
 * embscope.h): the program, not the library, sets process-wide threads. */
void openblas_set_num_threads(int n);

static void progress_to_stderr(void *ctx, const char *stage, double frac, const char *msg) {
    (void)ctx;
    if (frac >= 0) fprintf(stderr, "\r%-12s %5.1f%%%s%s", stage, 100.0 * frac, msg ? "  " : "", msg ? msg : "");
    else fprintf(stderr, "\r%-12s %s", stage, msg ? msg : "");
    if (frac >= 1.0) fputc('\n', stderr);
    fflush(stderr);
}

void cli_common_init(cli_common *c) {
    memset(c, 0, sizeof *c);
    c->seed = 42;
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
    /* --threads governs both pools: OpenMP's (the library's parallel
     * regions default to it) and OpenBLAS's (its SGEMM calls) */
    if (c->n_threads > 0) {
        omp_set_num_threads(c->n_threads);
        openblas_set_num_threads(c->n_threads);
    }
    if (!c->quiet && isatty(2)) c->progress.fn = progress_to_stderr;
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
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

char *cli_out_path(const cli_common *c, const char *name) {
    char *p = emb_path_join(c->out_dir, name);
    if (!p) { fprintf(stderr, "embscope: out of memory\n"); exit(CLI_EXIT_FAIL); }
    return p;
}

void cli_features_init(cli_features *f) {
    memset(f, 0, sizeof *f);
    f->kind = "pixels";
    f->pixels = emb_pixels_default_params();
    f->clip = emb_clip_default_params();
}
