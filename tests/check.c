/* check.c - see check.h. */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int check_failures, check_count;

static bool report(bool ok, const char *file, int line, const char *expr) {
    check_count++;
    if (!ok) {
        check_failures++;
        fprintf(stderr, "FAIL %s:%d: %s\n", file, line, expr);
    }
    return ok;
}

bool check_true(bool ok, const char *expr, const char *file, int line) { return report(ok, file, line, expr); }

bool check_eq_i64(long long exp, long long got, const char *expr, const char *file, int line) {
    bool ok = exp == got;
    if (!ok) fprintf(stderr, "  expected %lld, got %lld\n", exp, got);
    return report(ok, file, line, expr);
}

bool check_close(double exp, double got, double rtol, double atol, const char *expr, const char *file, int line) {
    bool ok = fabs(exp - got) <= atol + rtol * fabs(exp);
    if (!ok) fprintf(stderr, "  expected %.9g, got %.9g (rtol %g, atol %g)\n", exp, got, rtol, atol);
    return report(ok, file, line, expr);
}

bool check_eq_i32_arr(const int32_t *exp, const int32_t *got, size_t n, const char *expr, const char *file, int line) {
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < n; i++) if (exp[i] != got[i]) { if (!bad) first = i; bad++; }
    if (bad) fprintf(stderr, "  %zu of %zu differ; first at [%zu]: expected %d, got %d\n", bad, n, first, exp[first], got[first]);
    return report(bad == 0, file, line, expr);
}

bool check_close_f32_arr(const float *exp, const float *got, size_t n, double rtol, double atol,
                         const char *expr, const char *file, int line) {
    size_t bad = 0, first = 0;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)exp[i] - got[i]);
        if (!(e <= atol + rtol * fabs(exp[i]))) { if (!bad) first = i; bad++; }
        if (e > worst) worst = e;
    }
    if (bad) fprintf(stderr, "  %zu of %zu outside rtol %g atol %g; first at [%zu]: expected %.9g, got %.9g; max abs err %.3g\n",
                     bad, n, rtol, atol, first, exp[first], got[first], worst);
    return report(bad == 0, file, line, expr);
}

bool check_str_contains(const char *hay, const char *needle, const char *expr, const char *file, int line) {
    bool ok = hay && strstr(hay, needle);
    if (!ok) fprintf(stderr, "  '%s' does not contain '%s'\n", hay ? hay : "(null)", needle);
    return report(ok, file, line, expr);
}

static char tmpdir[256];

const char *check_tmpdir(void) {
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/embscope-test-XXXXXX");
        if (!mkdtemp(tmpdir)) { perror("mkdtemp"); exit(1); }
    }
    return tmpdir;
}

char *check_tmp_path(const char *name) {
    const char *dir = check_tmpdir();
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p) { perror("malloc"); exit(1); }
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int check_exit(void) {
    if (tmpdir[0] && !getenv("EMB_KEEP_TMP")) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_failures ? 1 : 0;
}

char *check_run(const char *cmd, int *status) {
    FILE *p = popen(cmd, "r");
    if (!p) { if (status) *status = -1; return NULL; }
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += r;
        if (cap - len < 2) { cap *= 2; char *nb = realloc(buf, cap); if (!nb) { free(buf); buf = NULL; break; } buf = nb; }
    }
    if (buf) buf[len] = 0;
    int s = pclose(p);
    if (status) *status = WIFEXITED(s) ? WEXITSTATUS(s) : -1;
    return buf;
}

void *check_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *b = malloc(n > 0 ? (size_t)n : 1);
    if (b) *len = fread(b, 1, n > 0 ? (size_t)n : 0, f);
    fclose(f);
    return b;
}

char *check_read_text(const char *path) {
    size_t len = 0;
    char *b = check_read_file(path, &len), *t = b ? realloc(b, len + 1) : NULL;
    if (!t) { free(b); return NULL; }
    t[len] = 0;
    return t;
}

int check_ref_lines(const char *cmd, const char *what, bool strict) {
    int status = 0, lines = 0;
    char *res = check_run(cmd, &status);
    if (!CHECK_EQ(0, status)) fprintf(stderr, "  %s: %s\n", what, res ? res : "");
    char *save, *line = res ? strtok_r(res, "\n", &save) : NULL;
    for (; line; line = strtok_r(NULL, "\n", &save)) {
        char name[64];
        long long want, got;
        if (sscanf(line, "%63s %lld %lld", name, &want, &got) != 3) {
            if (strict) CHECK(!"unparsed reference line");
            fprintf(stderr, "  %s\n", line);
            continue;
        }
        if (!CHECK_EQ(want, got)) fprintf(stderr, "  %s: %s\n", what, name);
        lines++;
    }
    free(res);
    return lines;
}

bool check_write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return (fclose(f) == 0) && ok;
}

const char *check_python(void) {
    const char *p = getenv("PYTHON");
    return p && *p ? p : "/usr/bin/python3";
}

emb_matf check_random_matrix(int64_t n, int64_t d, uint64_t seed) {
    emb_matf x;
    emb_matf_alloc(&x, n, d);
    emb_rng r;
    emb_rng_seed(&r, seed);
    for (int64_t i = 0; i < n * d; i++) x.data[i] = (float)emb_rng_normal(&r);
    return x;
}
