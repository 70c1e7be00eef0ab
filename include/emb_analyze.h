/* emb_analyze.h - the whole analysis of a dataset in one call, as
 * `embscope analyze DATA -o OUT` runs it, and its stages one by one for
 * the programs that run only some (`embscope embed`, `dups`, `cluster`,
 * `map`, `report`). Part of embscope.h.
 *
 * Usage (error handling shortened):
 *
 *     emb_analyze_params p = emb_analyze_default_params();
 *     p.features.kind = "clip";
 *     p.features.model = "clip-vit-base-patch32/model.safetensors";
 *     p.dims = 2;
 *     emb_analyze_info info;
 *     if (emb_analyze_run("photos/", "out/", &p, &info))
 *         fprintf(stderr, "%s\n", emb_errmsg());
 *     else
 *         printf("%s\n", info.report_path);
 *
 * The stages, in order: embed (items.csv, embeddings.npy, skipped.csv,
 * annotation_issues.csv), zero-shot labels and text searches (CLIP only,
 * on request), neighbours (neighbors.npy, distances.npy), findings
 * (duplicates.csv, leakage.csv, outliers.csv, label_issues.csv,
 * image_issues.csv), clusters (clusters.csv), cluster names (on request),
 * the map (map.npy, map.csv), summary.json and report.html. Each file is
 * written under a temporary name and renamed when complete, so a failed
 * run leaves the previous results of out_dir as they were. Progress goes
 * to p->progress, one line per finished stage to p->log.
 *
 * Threads: p->n_threads workers (0 = all cores) for the library's own
 * parallel loops; OpenMP's and OpenBLAS's process-wide pools are the
 * caller's to set (the program does, from --threads). */
#ifndef EMB_ANALYZE_H
#define EMB_ANALYZE_H

#include "emb_core.h"
#include "emb_io.h"
#include "emb_features.h"
#include "emb_neighbors.h"
#include "emb_analysis.h"
#include "emb_clip.h"
#include "emb_tsne.h"
#include "emb_report.h"
#include "emb_mpi.h"
#include "emb_umap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Messages of a run: one line per stage done (level EMB_LOG_INFO), and
 * warnings that do not stop it (EMB_LOG_WARN: files that could not be
 * read, a clusters.csv not as expected, MPI ranks' statistics). msg has no
 * trailing newline. NULL fn = silent. */
typedef enum { EMB_LOG_INFO = 0, EMB_LOG_WARN = 1 } emb_log_level;
typedef void (*emb_log_fn)(void *ctx, emb_log_level level, const char *msg);
typedef struct {
    emb_log_fn fn;
    void *ctx;
} emb_log;

/* How items become vectors (`--features`, `--model`, ...). Strings are
 * borrowed for the call. */
typedef struct {
    const char *kind;            /* "pixels" (default) or "clip" */
    emb_pixels_params pixels;    /* size, color, exif_orientation (its threads and progress: the run's) */
    const char *model;           /* clip: weights (.safetensors) */
    const char *class_names;     /* IDX: comma-separated names of labels 0, 1, ...; NULL = default */
    emb_clip_params clip;        /* batch, precision, overlap, fast_decode */
    bool alpha_bg_set;           /* composite transparency over alpha_bg (RGB) */
    uint8_t alpha_bg[3];
    emb_layout layout;           /* image folders: EMB_LAYOUT_AUTO (default) = detected */
    const char *labels;          /* labels from a CSV; "none" = unlabelled; NULL = from the folders */
    double box_margin;           /* detection exports: widen each crop by this x its size per side */
} emb_features_opts;

/* Duplicates, leakage, outliers (`--dup-threshold`, ...). */
typedef struct {
    float dup_threshold;         /* similar: cosine >= this; < 0 = the features' default */
    float copy_threshold;        /* copies; < 0 = the features' default; > 1 = none */
    emb_outlier_method outlier_method;  /* EMB_OUTLIER_AUTO (default: HELLINGER for pixels, else KNN), KNN, LOF, HELLINGER */
    float outlier_fence;         /* flag score > Q3 + fence IQR; < 0 = the method's default */
    const char *features;        /* "pixels", "clip" or NULL (vectors of unknown origin): the
                                    default thresholds; emb_analyze_run sets it from the features */
    int img_w, img_h, img_c;     /* pixel vectors' image shape (shifted copies); 0 = none (the
                                    run fills it for pixel features) */
} emb_findings_opts;

/* Clusters (`--clusters`, `--min-samples`, ...). */
typedef struct {
    const char *method;          /* "hdbscan" (default), "kmeans" or "none" */
    int k;                       /* kmeans: K; 0 = the number of classes when labelled, else 10 */
    int min_cluster_size;        /* hdbscan: 0 = max(10, N / 200) */
    int min_samples;             /* 0 = N / 100 within 10..200, or min_cluster_size up to 200 */
    int leaf;                    /* cluster selection: 1 leaf, 0 excess of mass */
    double epsilon;              /* HDBSCAN cluster_selection_epsilon (0 = off) */
} emb_clusters_opts;

/* Zero-shot labels, cluster names and text searches (CLIP's text tower). */
typedef struct {
    bool on;                     /* zero-shot labels (zero_shot.csv) */
    const char *prompts;         /* file of templates with {} (NULL: "a photo of a {}.") */
    const char *classes;         /* "a,b,c" (NULL: the dataset's classes) */
    const char *tokenizer;       /* NULL: beside the model */
    const char *vocabulary;      /* file of names for the clusters, one a line */
    const char *queries;         /* file of texts searched at analyze time, one a line */
    double weight;               /* labelled data: the zero-shot estimate's share W in 0..1 of the
                                    label-issue p, (1 - W) p + W p_zero_shot (default 0: the
                                    zero_shot_score column is recorded, not combined) */
    bool weight_set;             /* weight was given (> 0 then needs every class named) */
} emb_zeroshot_opts;

/* The t-SNE map (`--map tsne`). */
typedef struct {
    double perplexity;           /* default 30 */
    int n_iter;                  /* after early exaggeration, default 750 */
    int early_exaggeration_iter; /* default 250 */
    double theta;                /* Barnes-Hut, default 0.5 */
    emb_tsne_method method;      /* EMB_TSNE_AUTO (default) */
} emb_tsne_opts;

typedef struct {
    emb_features_opts features;
    int k;                       /* neighbours per item (default 15) */
    emb_knn_method knn_method;   /* EMB_KNN_AUTO (default): by size */
    emb_storage storage;         /* the kNN search's working copy (emb_knn_params.storage), default f32 */
    const char *map;             /* "umap" (default), "tsne" or "none" */
    int dims;                    /* map dimensions (default 3; t-SNE: 1..3) */
    emb_tsne_opts tsne;
    emb_clusters_opts clusters;
    emb_zeroshot_opts zeroshot;
    emb_findings_opts findings;
    int n_threads;               /* 0 = all cores */
    uint64_t seed;               /* default 42 */
    emb_progress progress;
    emb_log log;
    emb_mpi_world mpi;           /* {0, 1, 1} alone (default); under mpirun this rank's */
} emb_analyze_params;
emb_analyze_params emb_analyze_default_params(void);
emb_features_opts emb_features_default_opts(void);
emb_findings_opts emb_findings_default_opts(void);
emb_clusters_opts emb_clusters_default_opts(void);
emb_tsne_opts emb_tsne_default_opts(void);

/* What a run did. On failure, output_error says the failure was writing
 * into out_dir (not the input's or the parameters' fault) and
 * params_error that the parameters do not fit the data (e.g. zero-shot
 * labels of vectors that are not CLIP's). */
typedef struct {
    char report_path[4096];      /* out_dir/report.html; "" unless written */
    int64_t n_items;             /* rows of embeddings.npy */
    int64_t dims;                /* its columns */
    int64_t n_skipped;           /* files that could not be read */
    double seconds;              /* the whole run */
    bool output_error;
    bool params_error;
} emb_analyze_info;

/* Every stage on data (an IDX file or folder, an image folder, a detection
 * export, or a .npy of vectors) into out_dir (created if needed). info may
 * be NULL. Under mpirun (p->mpi.size > 1) every rank calls it: ranks > 0
 * embed and search neighbours, rank 0 runs the rest and writes.
 * Returns EMB_OK, EMB_E_INVALID (parameters), EMB_E_IO, EMB_E_FORMAT,
 * EMB_E_UNSUPPORTED or EMB_E_NOMEM; emb_errmsg() names the file. */
emb_status emb_analyze_run(const char *data, const char *out_dir, const emb_analyze_params *p,
                           emb_analyze_info *info);

/* ---- The stages, for programs that run some of them. ---- */

/* The vectors of a dataset: ds, vec (owned, or a .npy DATA's mapped
 * matrix file_vec.m), the files that could not be read. */
typedef struct {
    emb_dataset *ds;
    emb_matf vec;
    emb_npy_vectors file_vec;    /* a .npy DATA: vec is file_vec.m */
    emb_skipped skipped;
    double seconds;
} emb_analyze_vectors;
/* Open data, compute (or map) its vectors, write items.csv, embeddings.npy,
 * skipped.csv (and annotation_issues.csv) into out_dir. Under mpirun, rank
 * 0 holds the vectors. On failure *out is empty. */
emb_status emb_stage_embed(const char *data, const char *out_dir, const emb_analyze_params *p,
                           emb_analyze_vectors *out, emb_analyze_info *info);
void emb_analyze_vectors_free(emb_analyze_vectors *v);   /* NULL members are fine */

/* Duplicates (+ leakage when ds has splits) of x with its graph g:
 * duplicates.csv, leakage.csv (ds may be NULL); their counts into s (may be
 * NULL). Options: p->findings. */
emb_status emb_stage_dups(const char *out_dir, const emb_analyze_params *p, const emb_dataset *ds,
                          const emb_matf *x, const emb_knn *g, emb_summary *s);
/* The cluster stage: k-means on x, or HDBSCAN on a space of few dimensions
 * (x itself when it has at most 10 columns, else a 2-D UMAP of the graph g
 * made for clustering; g NULL: computed; cache may be NULL). clusters.csv,
 * "clusters" in s (may be NULL). Options: p->clusters. */
emb_status emb_stage_clusters(const char *out_dir, const emb_analyze_params *p, const emb_dataset *ds,
                              const emb_matf *x, const emb_knn *g, emb_umap_cache *cache, emb_summary *s);
/* t-SNE of vec into map (n, dims), allocated here: PCA to 50 first when
 * D > 100; g (may be NULL) serves for the affinities when it has 3 x
 * perplexity neighbours. Adds map.* and timings.map_s to s (may be NULL).
 * Options: p->tsne. */
emb_status emb_stage_tsne(const emb_analyze_params *p, const emb_matf *vec, const emb_knn *g, int dims,
                          emb_summary *s, emb_matf *map);
/* map.npy and map.csv (index,x,y[,z][,d4...]) of map into out_dir. */
emb_status emb_map_write_files(const char *out_dir, const emb_matf *map);
/* report.html of the results in dir (html: NULL = dir/report.html); the
 * page's path into path (size n) when not NULL. Logs through p->log. */
emb_status emb_stage_report(const char *dir, const char *html, const emb_report_params *rp,
                            const emb_analyze_params *p, char *path, size_t n);

#ifdef __cplusplus
}
#endif

#endif
