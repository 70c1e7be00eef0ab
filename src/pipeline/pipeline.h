/* pipeline.h - what the stages of emb_analyze_run (src/pipeline/) share:
 * messages, output paths, resource marks, and the stages only the run
 * calls. */
#ifndef EMB_PIPELINE_H
#define EMB_PIPELINE_H

#include "embscope.h"

/* One line to p->log (printf-style; no trailing newline). */
void emb__log(const emb_analyze_params *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void emb__warn(const emb_analyze_params *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* dir/name, or NULL when out of memory (emb_errmsg set). The caller frees. */
char *emb__out_path(const char *dir, const char *name);

/* After a stage of analyze: the process's CPU seconds (user + system, all
 * threads) since the previous mark into summary "cpu_s.<stage>", and its
 * peak resident memory so far into "memory.peak_rss_mb_after.<stage>"
 * (getrusage). *cpu_prev holds the previous mark (start at 0). */
void emb__resources_mark(emb_summary *s, const char *stage, double *cpu_prev);

/* Where emb__stage_dups_write puts duplicates and leakage: two CSV names,
 * the summary.json prefix of their counts (NULL: top level "duplicates",
 * "leakage"), the log line's name (findings.c). */
typedef struct { const char *dups_csv, *leak_csv, *prefix, *log_name; } emb__dups_outputs;
emb_status emb__stage_dups_write(const char *out_dir, const emb_analyze_params *p, const emb_dataset *ds,
                                 const emb_matf *x, const emb_knn *g, emb_summary *s, const emb__dups_outputs *o);

/* Detection exports (ds->box): the whole images once each as pixel vectors
 * (p's size, colour, EXIF and alpha options), their own kNN graph (k
 * neighbours), duplicates and leakage between whole images: images.csv,
 * image_duplicates.csv, image_leakage.csv, summary.json's whole_images.*.
 * Other datasets: stages_left_out.whole_images says why not (whole_images.c). */
emb_status emb__stage_whole_images(const char *out_dir, const emb_analyze_params *p, const emb_dataset *ds, int k,
                                   emb_summary *s);

/* Findings after the duplicates: outliers, label issues and class
 * overlap, image checks (findings.c). */
emb_status emb__stage_findings(const char *out_dir, const emb_analyze_params *p, const emb_dataset *ds,
                               const emb_matf *x, const emb_knn *g, const float *p_zero_shot, emb_summary *s);

/* zeroshot.c: zero-shot labels (no-op unless p->zeroshot.on; may give
 * unlabelled items labels, items.csv rewritten; on labelled data whose
 * classes the zero-shot classes all name, *p_label gets the (n, n_classes)
 * zero-shot p(class | item) for the label issues, malloc'd, else NULL); cluster_names.csv after the
 * cluster stage; searches.csv for p->zeroshot.queries. A parameter that does
 * not fit the data returns EMB_E_INVALID with *params_error set. */
emb_status emb__stage_zeroshot(const char *out_dir, const emb_analyze_params *p, emb_dataset *ds,
                               const emb_matf *vec, emb_summary *s, float **p_label, bool *params_error);
emb_status emb__stage_cluster_names(const char *out_dir, const emb_analyze_params *p, const emb_dataset *ds,
                                    const emb_matf *vec, emb_summary *s, bool *params_error);
emb_status emb__stage_searches(const char *out_dir, const emb_analyze_params *p, const emb_dataset *ds,
                               const emb_matf *vec, emb_summary *s, bool *params_error);

#endif
