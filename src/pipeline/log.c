/* log.c - messages of a run through its emb_log callback, output paths and
 * the resource marks in summary.json. */
#include "pipeline/pipeline.h"

#include "core/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static void vlog(const emb_analyze_params *p, emb_log_level level, const char *fmt, va_list ap) {
    if (!p || !p->log.fn) return;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    p->log.fn(p->log.ctx, level, msg);
}

void emb__log(const emb_analyze_params *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vlog(p, EMB_LOG_INFO, fmt, ap);
    va_end(ap);
}

void emb__warn(const emb_analyze_params *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vlog(p, EMB_LOG_WARN, fmt, ap);
    va_end(ap);
}

char *emb__out_path(const char *dir, const char *name) {
    char *p = emb_path_join(dir, name);
    if (!p) emb__fail(EMB_E_NOMEM, "%s/%s: out of memory", dir, name);
    return p;
}

void emb__resources_mark(emb_summary *s, const char *stage, double *cpu_prev) {
    struct rusage ru;
    if (!s || getrusage(RUSAGE_SELF, &ru) != 0) return;
    double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
    char key[96];
    snprintf(key, sizeof key, "cpu_s.%s", stage);
    emb_summary_set_number(s, key, cpu - *cpu_prev);
    *cpu_prev = cpu;
    snprintf(key, sizeof key, "memory.peak_rss_mb_after.%s", stage);
    emb_summary_set_number(s, key, (double)ru.ru_maxrss / 1024.0);   /* Linux: KiB */
}
