/* check.h - assertions for the tests: each prints expected, actual,
 * tolerance and file:line, counts failures; check_exit() returns non-zero if
 * any failed (llm.c's test_gpt2.c style, without its unconditional 0). */
#ifndef EMB_CHECK_H
#define EMB_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

extern int check_failures, check_count;

bool check_true(bool ok, const char *expr, const char *file, int line);
bool check_eq_i64(long long exp, long long got, const char *expr, const char *file, int line);
bool check_close(double exp, double got, double rtol, double atol, const char *expr, const char *file, int line);
bool check_eq_i32_arr(const int32_t *exp, const int32_t *got, size_t n, const char *expr, const char *file, int line);
bool check_close_f32_arr(const float *exp, const float *got, size_t n, double rtol, double atol,
                         const char *expr, const char *file, int line);
bool check_str_contains(const char *hay, const char *needle, const char *expr, const char *file, int line);
int check_exit(void);   /* prints the tally; 0 only if every check passed */

#define CHECK(c) check_true((c), #c, __FILE__, __LINE__)
#define CHECK_EQ(exp, got) check_eq_i64((long long)(exp), (long long)(got), #got, __FILE__, __LINE__)
#define CHECK_CLOSE(exp, got, rtol, atol) check_close((exp), (got), (rtol), (atol), #got, __FILE__, __LINE__)
#define CHECK_EQ_I32(exp, got, n) check_eq_i32_arr((exp), (got), (n), #got, __FILE__, __LINE__)
#define CHECK_CLOSE_F32(exp, got, n, rtol, atol) check_close_f32_arr((exp), (got), (n), (rtol), (atol), #got, __FILE__, __LINE__)
#define CHECK_CONTAINS(hay, needle) check_str_contains((hay), (needle), #hay, __FILE__, __LINE__)

/* Helpers: run a shell command and capture stdout (caller frees). */
char *check_run(const char *cmd, int *status);
/* A fresh temporary directory for this test (removed by check_exit). */
const char *check_tmpdir(void);
/* "<tmpdir>/<name>", malloc'd (caller frees). */
char *check_tmp_path(const char *name);
/* Read a whole file (malloc'd, caller frees); NULL and *len = 0 if it cannot be opened. */
void *check_read_file(const char *path, size_t *len);
/* The same as a NUL-terminated string (caller frees), NULL if absent. */
char *check_read_text(const char *path);
/* Run cmd (a reference script) and check each output line "NAME WANT GOT"
 * for WANT == GOT, and its exit status 0; what names the case in messages.
 * strict: a line of another form fails the test (else it is printed).
 * Returns the number of NAME WANT GOT lines. */
int check_ref_lines(const char *cmd, const char *what, bool strict);
/* Write bytes to a file; true on success. */
bool check_write_file(const char *path, const void *data, size_t len);
/* Python 3 with numpy (Debian's), from $PYTHON or /usr/bin/python3. */
const char *check_python(void);
/* An (n, d) matrix of standard normal values from emb_rng seeded with seed
 * (free with emb_matf_free). */
#include "emb_core.h"
emb_matf check_random_matrix(int64_t n, int64_t d, uint64_t seed);

#endif
