/* cli.h - what the sub-commands of the embscope program share. */
#ifndef EMB_CLI_H
#define EMB_CLI_H

#include "embscope.h"

#include <getopt.h>

/* Exit codes. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_USAGE 1     /* bad command line */
#define CLI_EXIT_INPUT 2     /* bad or unreadable input, nothing usable */
#define CLI_EXIT_FAIL 3      /* out of memory, output not writable, ... */

/* Options every command takes. */
typedef struct {
    const char *out_dir;     /* -o */
    int n_threads;           /* --threads, 0 = all cores (mpirun: the node's cores / its ranks) */
    uint64_t seed;           /* --seed */
    bool quiet;              /* --quiet */
    emb_progress progress;   /* stderr progress, unless quiet */
    emb_mpi_world mpi;       /* {0, 1} alone; under mpirun: this rank (src/mpi/) */
} cli_common;

/* Long options shared by all commands; ids >= CLI_OPT_BASE. */
enum { CLI_OPT_BASE = 1000, CLI_OPT_THREADS, CLI_OPT_SEED, CLI_OPT_QUIET, CLI_OPT_HELP };
#define CLI_COMMON_LONGOPTS \
    {"output", required_argument, 0, 'o'}, {"threads", required_argument, 0, CLI_OPT_THREADS}, \
    {"seed", required_argument, 0, CLI_OPT_SEED}, {"quiet", no_argument, 0, CLI_OPT_QUIET},     \
    {"help", no_argument, 0, 'h'}
#define CLI_COMMON_HELP                                                              \
    "  -o, --output DIR   output folder (created if needed)\n"                      \
    "      --threads N    worker threads (default: all cores; under mpirun,\n"     \
    "                     the cores of a node / its ranks)\n"                      \
    "      --seed N       random seed for reproducible runs (default 42)\n"         \
    "      --quiet        no progress on stderr\n"                                  \
    "  -h, --help         this help\n"

void cli_common_init(cli_common *c);
/* Handle a common option; returns 1 if handled, 0 if not common, -1 on a bad
 * value (message printed). */
int cli_common_opt(cli_common *c, int opt, const char *arg);
/* After parsing: apply threads, set up progress. */
void cli_common_finish(cli_common *c);

/* Print "embscope: <msg>" for a failed status, return its exit code. */
int cli_fail(emb_status st);
int cli_usage_error(const char *cmd, const char *fmt, ...);
bool cli_parse_int(const char *s, long lo, long hi, long *out);
bool cli_parse_float(const char *s, double lo, double hi, double *out);
/* Progress line on stderr ("stage  42%"), only when stderr is a terminal. */
void cli_log(const cli_common *c, const char *fmt, ...);
/* After a stage of analyze: the process's CPU seconds (user + system, all
 * threads) since the previous mark into summary "cpu_s.<stage>", and its
 * peak resident memory so far into "memory.peak_rss_mb_after.<stage>"
 * (getrusage). *cpu_prev holds the previous mark (start at 0). */
void cli_resources_mark(emb_summary *s, const char *stage, double *cpu_prev);
/* Path in the output folder (caller frees). */
char *cli_out_path(const cli_common *c, const char *name);

/* Features chosen on the command line. */
typedef struct {
    const char *kind;        /* "pixels" (default) or "clip" */
    emb_pixels_params pixels;
    const char *model;       /* --model for clip */
    const char *class_names; /* --class-names */
    emb_clip_params clip;    /* --precision, --batch for clip */
    bool alpha_bg_set;       /* --alpha-background given */
    uint8_t alpha_bg[3];
    emb_layout layout;       /* --layout (folders), AUTO by default */
    const char *labels;      /* --labels FILE, or "none" */
    double box_margin;       /* --box-margin F (detection exports) */
} cli_features;
void cli_features_init(cli_features *f);
enum { CLI_OPT_FEATURES = 1100, CLI_OPT_PIXELS_SIZE, CLI_OPT_PIXELS_COLOR, CLI_OPT_MODEL, CLI_OPT_CLASS_NAMES,
       CLI_OPT_PRECISION, CLI_OPT_BATCH, CLI_OPT_FAST_DECODE, CLI_OPT_NO_OVERLAP, CLI_OPT_ALPHA_BG,
       CLI_OPT_EXIF_ORIENTATION, CLI_OPT_LAYOUT, CLI_OPT_LABELS, CLI_OPT_BOX_MARGIN };
#define CLI_FEATURES_LONGOPTS \
    {"features", required_argument, 0, CLI_OPT_FEATURES}, {"pixels-size", required_argument, 0, CLI_OPT_PIXELS_SIZE}, \
    {"pixels-color", no_argument, 0, CLI_OPT_PIXELS_COLOR}, {"model", required_argument, 0, CLI_OPT_MODEL},            \
    {"class-names", required_argument, 0, CLI_OPT_CLASS_NAMES},                                                      \
    {"precision", required_argument, 0, CLI_OPT_PRECISION}, {"batch", required_argument, 0, CLI_OPT_BATCH}, \
    {"fast-decode", no_argument, 0, CLI_OPT_FAST_DECODE}, {"no-overlap", no_argument, 0, CLI_OPT_NO_OVERLAP}, \
    {"alpha-background", required_argument, 0, CLI_OPT_ALPHA_BG}, {"exif-orientation", no_argument, 0, CLI_OPT_EXIF_ORIENTATION}, \
    {"layout", required_argument, 0, CLI_OPT_LAYOUT}, {"labels", required_argument, 0, CLI_OPT_LABELS},         \
    {"box-margin", required_argument, 0, CLI_OPT_BOX_MARGIN}
#define CLI_FEATURES_HELP                                                                        \
    "  --features KIND     pixels (default): brightness vectors; clip: CLIP image embeddings\n" \
    "  --model PATH        clip: weights (.safetensors, Hugging Face or OpenAI/OpenCLIP names)\n" \
    "  --precision P       clip: f32 (default) or bf16 (faster; AVX512-BF16 where present)\n" \
    "  --batch N           clip: images per forward pass (default 32)\n"                      \
    "  --fast-decode       clip: decode large JPEGs at 1/2 size or less with libjpeg-turbo's\n" \
    "                      DCT scaling (shorter side kept >= 2 x the model's image size);\n"  \
    "                      faster, vectors close to (not equal to) the exact pipeline's\n"    \
    "  --no-overlap        clip: decode a batch only after the previous forward pass (by\n"   \
    "                      default the next batch is decoded meanwhile; same vectors)\n"     \
    "  --pixels-size N     image folders: resize to N x N by area averaging (default 32)\n"    \
    "  --pixels-color      image folders: RGB vectors instead of grayscale\n"                  \
    "  --alpha-background C  images with transparency are composited over C (white,\n"   \
    "                      black, gray or #rrggbb; default white) for pixel vectors,\n"   \
    "                      thumbnails and image checks; CLIP drops alpha (as PIL's\n"     \
    "                      convert(\"RGB\")) unless this option is given\n"               \
    "  --exif-orientation  pixels: turn JPEGs upright by their EXIF orientation first\n"   \
    "                      (thumbnails always are; default off, as PIL's open())\n"       \
    "  --class-names LIST  IDX: comma-separated names of labels 0, 1, ... (default: the\n"     \
    "                      digits, or Fashion-MNIST's names when the path says fashion)\n"   \
    "  --layout L          image folders: flat, class, split-class, recursive, coco, yolo\n" \
    "                      or voc (default: detected; summary.json says which and why)\n"   \
    "  --labels FILE       labels from a CSV instead of the folders: path,label[,split]\n"  \
    "                      (paths relative to DATA) or one-hot (filename,class1,class2,...);\n" \
    "                      'none': no labels (folders that are not classes)\n"              \
    "  --box-margin F      detection exports: widen each box's crop by F x its width and\n"  \
    "                      height on each side (default 0)\n"
/* Returns 1 if handled, 0 if not a features option, -1 on a bad value. */
int cli_features_opt(cli_features *f, int opt, const char *arg);

/* The embed stage: open DATA, compute (or load) the vectors, write
 * items.csv, embeddings.npy and skipped.csv into the output folder. */
typedef struct {
    emb_dataset *ds;
    emb_matf vec;
    emb_npy_vectors file_vec;  /* a .npy DATA: vec is file_vec.m (memory-mapped) */
    emb_skipped skipped;
    double seconds;
} cli_embedded;
int cli_embed_stage(const cli_common *c, const cli_features *f, const char *data, cli_embedded *out);
void cli_embedded_free(cli_embedded *e);

/* The analysis stage (stage_analysis.c): options shared by analyze and dups. */
typedef struct {
    float dup_threshold;         /* --dup-threshold; < 0 = the features' default */
    float copy_threshold;        /* --copy-threshold; < 0 = the features' default */
    emb_outlier_method outlier_method;  /* --outlier-method knn|lof */
    float outlier_fence;         /* --outlier-fence F; < 0 = the method's default */
    const char *features;        /* "pixels", "clip", or NULL (vectors) */
    int img_w, img_h, img_c;     /* pixel vectors' image shape (shift search), 0 = none */
    const float *p_zero_shot;    /* analyze --zero-shot on labelled data: (n, n_classes) the
                                    zero-shot p(class | item) for the label issues, or NULL */
    float zero_shot_weight;      /* --zero-shot-weight W (default 0: recorded, not combined) */
} cli_analysis;
enum { CLI_OPT_DUP_THRESHOLD = 1300, CLI_OPT_OUTLIER_METHOD, CLI_OPT_IMAGE_SHAPE, CLI_OPT_OUTLIER_FENCE, CLI_OPT_COPY_THRESHOLD };
#define CLI_ANALYSIS_LONGOPTS \
    {"dup-threshold", required_argument, 0, CLI_OPT_DUP_THRESHOLD}, {"outlier-method", required_argument, 0, CLI_OPT_OUTLIER_METHOD}, \
    {"image-shape", required_argument, 0, CLI_OPT_IMAGE_SHAPE}, {"outlier-fence", required_argument, 0, CLI_OPT_OUTLIER_FENCE}, \
    {"copy-threshold", required_argument, 0, CLI_OPT_COPY_THRESHOLD}
#define CLI_ANALYSIS_HELP                                                                         \
    "  --dup-threshold T   similar (possible duplicates, recall-oriented): cosine >= T\n"      \
    "                      (default 0.985 for pixels and .npy vectors, 0.95 CLIP)\n"            \
    "  --copy-threshold T  copies (sure, the headline): pixel images: correlation of the\n"    \
    "                      3x3-median-filtered pixels >= T (default 0.995; 0.998 over 1-2 px\n" \
    "                      shifts); other vectors: cosine >= T (0.98 CLIP); > 1 = none\n"     \
    "  --outlier-method M  knn (mean distance to the k neighbours, default) or lof\n"            \
    "  --outlier-fence F   flag outliers with score > Q3 + F (Q3 - Q1) of the scores\n"           \
    "                      (default 3); outliers.csv still ranks every item\n"                    \
    "  --image-shape HxWxC the vectors are pixel images of this shape: also find copies\n"      \
    "                      shifted by 1-2 px (image datasets: known; .npy: only with this)\n"
void cli_analysis_init(cli_analysis *a);
/* Returns 1 if handled, 0 if not an analysis option, -1 on a bad value. */
int cli_analysis_opt(cli_analysis *a, int opt, const char *arg);
int cli_dups_stage(const cli_common *c, const cli_analysis *a, const emb_dataset *ds, const emb_matf *x,
                   const emb_knn *g, emb_summary *s);
int cli_analysis_stage(const cli_common *c, const cli_analysis *a, const emb_dataset *ds, const emb_matf *x,
                       const emb_knn *g, emb_summary *s);

/* The cluster stage (stage_cluster.c): --clusters and the HDBSCAN options,
 * shared by analyze and cluster. */
typedef struct {
    const char *method;          /* "hdbscan" (default), "kmeans" or "none" */
    int k;                       /* kmeans:K; 0 = the number of classes when labelled, else 10 */
    int min_cluster_size;        /* hdbscan:M; 0 = chosen from N (cli_hdbscan_auto_size) */
    int min_samples;             /* --min-samples; 0 = N / 100 in 10..200, or M up to 200 with hdbscan:M */
    int leaf;                    /* --cluster-selection leaf */
    double epsilon;              /* --cluster-epsilon */
    emb_umap_cache *umap_cache;  /* analyze: the fuzzy graph and spectral init shared with the map */
} cli_clusters;
enum { CLI_OPT_CLUSTERS = 1600, CLI_OPT_MIN_SAMPLES, CLI_OPT_CLUSTER_SELECTION, CLI_OPT_CLUSTER_EPSILON };
#define CLI_CLUSTERS_LONGOPTS                                                                     \
    {"clusters", required_argument, 0, CLI_OPT_CLUSTERS},                                         \
    {"min-samples", required_argument, 0, CLI_OPT_MIN_SAMPLES},                                   \
    {"cluster-selection", required_argument, 0, CLI_OPT_CLUSTER_SELECTION},                       \
    {"cluster-epsilon", required_argument, 0, CLI_OPT_CLUSTER_EPSILON}
#define CLI_CLUSTERS_HELP                                                                         \
    "Clusters:\n"                                                                                 \
    "  --clusters C        hdbscan (default), hdbscan:M (min_cluster_size M; default\n"         \
    "                      max(10, N / 200)), kmeans, kmeans:K (K = the number of\n"            \
    "                      classes when items are labelled, else 10) or none\n"                 \
    "  --min-samples N     HDBSCAN's core distance: the N-th nearest point, itself\n"           \
    "                      counted (default N / 100 within 10..200; with hdbscan:M,\n"         \
    "                      M up to 200)\n"                                                      \
    "  --cluster-selection eom (default, excess of mass) or leaf\n"                             \
    "  --cluster-epsilon X HDBSCAN: clusters born below distance X merge into their\n"         \
    "                      parent (default 0: off)\n"
void cli_clusters_init(cli_clusters *o);
/* Returns 1 if handled, 0 if not a clusters option, -1 on a bad value (printed). */
int cli_clusters_opt(cli_clusters *o, int opt, const char *arg);
/* The cluster stage: k-means on the vectors x, or HDBSCAN on a space of
 * few dimensions (see stage_cluster.c: x itself when it has few columns,
 * else a UMAP of the graph g made for clustering; g NULL: computed).
 * Writes clusters.csv, adds "clusters" to s (may be NULL). */
int cli_cluster_stage(const cli_common *c, const cli_clusters *o, const emb_dataset *ds, const emb_matf *x,
                      const emb_knn *g, emb_summary *s);

/* Zero-shot labels (stage_zeroshot.c), for analyze --features clip. */
typedef struct {
    bool on;                     /* --zero-shot (implied by --prompts, --classes) */
    const char *prompts;         /* --prompts FILE: one template with {} a line */
    const char *classes;         /* --classes a,b,c */
    const char *tokenizer;       /* --tokenizer PATH; NULL: beside the model */
    const char *vocabulary;      /* --vocabulary FILE: names for the clusters, one a line */
    const char *queries;         /* --queries FILE: texts searched at analyze time, one a line */
    double weight;               /* --zero-shot-weight W in 0..1: the zero-shot estimate's share
                                    of the label-issue p (default 0) */
    bool weight_set;
} cli_zeroshot;
enum { CLI_OPT_ZERO_SHOT = 1800, CLI_OPT_PROMPTS, CLI_OPT_CLASSES, CLI_OPT_TOKENIZER, CLI_OPT_VOCABULARY, CLI_OPT_QUERIES,
       CLI_OPT_ZERO_SHOT_WEIGHT };
#define CLI_ZEROSHOT_LONGOPTS \
    {"zero-shot", no_argument, 0, CLI_OPT_ZERO_SHOT}, {"prompts", required_argument, 0, CLI_OPT_PROMPTS}, \
    {"classes", required_argument, 0, CLI_OPT_CLASSES}, {"tokenizer", required_argument, 0, CLI_OPT_TOKENIZER}, \
    {"vocabulary", required_argument, 0, CLI_OPT_VOCABULARY}, {"queries", required_argument, 0, CLI_OPT_QUERIES}, \
    {"zero-shot-weight", required_argument, 0, CLI_OPT_ZERO_SHOT_WEIGHT}
#define CLI_ZEROSHOT_HELP                                                                          \
    "Zero-shot labels (--features clip; the model file needs its text tower):\n"                   \
    "  --zero-shot         label each image with the class whose prompt \"a photo of a\n"          \
    "                      {}.\" is nearest (CLIP's text tower): zero_shot.csv, and in\n"         \
    "                      summary.json the accuracy against the labels and a confusion\n"      \
    "                      matrix\n"                                                             \
    "  --prompts FILE      templates, one a line with {} for the class name, averaged\n"        \
    "                      per class (the CLIP paper's prompt ensembling)\n"                    \
    "  --classes a,b,c     class names (default: the dataset's); unlabelled data takes\n"      \
    "                      the zero-shot labels as its labels\n"                                \
    "  --zero-shot-weight W\n"                                                                  \
    "                      on labelled data --zero-shot adds zero_shot_score (1 - the\n"        \
    "                      zero-shot p of the given label) to label_issues.csv; W in 0..1\n" \
    "                      is its share of the ranking's p: (1 - W) p + W p_zero_shot.\n"     \
    "                      Default 0: recorded, not combined (not measured: that needs\n"    \
    "                      real CLIP weights)\n"                                             \
    "  --tokenizer PATH    tokenizer.json, vocab.json + merges.txt, bpe_simple_vocab_16e6\n"  \
    "                      .txt.gz or their folder (default: the model's folder)\n"       \
    "  --vocabulary FILE   name each cluster by the nearest of these names (one a line,\n"   \
    "                      put in the templates): cluster_names.csv with the cosine and\n" \
    "                      its margin over the runner-up; with --zero-shot alone, the\n"   \
    "                      class names are used\n"                                             \
    "  --queries FILE      texts, one a line: the 10 nearest items of each in searches.csv\n" \
    "                      and summary.json's searches (shown in the report)\n"
void cli_zeroshot_init(cli_zeroshot *z);
/* Returns 1 if handled, 0 if not a zero-shot option. */
int cli_zeroshot_opt(cli_zeroshot *z, int opt, const char *arg);
/* Zero-shot labels of the embedded items (no-op unless z->on); may give
 * unlabelled items labels (see stage_zeroshot.c). On labelled data whose
 * classes the zero-shot classes all name, *p_label gets the (n, n_classes)
 * zero-shot p(class | item) for the label issues (malloc'd, the caller
 * frees; else NULL). Returns an exit code. */
int cli_zeroshot_stage(const cli_common *c, const cli_zeroshot *z, const cli_features *f, emb_dataset *ds, const emb_matf *vec,
                       emb_summary *s, float **p_label);

/* After the cluster stage: cluster_names.csv from --vocabulary or the
 * class prompts (no-op without --vocabulary / --zero-shot, or without clusters). */
int cli_cluster_names_stage(const cli_common *c, const cli_zeroshot *z, const cli_features *f, const emb_dataset *ds, const emb_matf *vec,
                            emb_summary *s);
/* --queries: searches.csv and summary.json searches (no-op without it). */
int cli_searches_stage(const cli_common *c, const cli_zeroshot *z, const cli_features *f, const emb_dataset *ds, const emb_matf *vec,
                       emb_summary *s);

/* t-SNE map options (`embscope map --method tsne`, `analyze --map tsne`);
 * src/cli/map_tsne.c. */
typedef struct {
    double perplexity;        /* --perplexity, default 30 */
    int n_iter;               /* --iterations after early exaggeration, default 750 */
    int early_exaggeration_iter; /* --early-iterations, default 250 */
    double theta;             /* --theta (Barnes-Hut), default 0.5 */
    emb_tsne_method method;   /* --tsne-gradient auto|exact|bh|fft */
} cli_tsne_opts;
void cli_tsne_init(cli_tsne_opts *o);
enum { CLI_OPT_PERPLEXITY = 1500, CLI_OPT_ITERATIONS, CLI_OPT_EARLY_ITERATIONS, CLI_OPT_THETA, CLI_OPT_TSNE_GRADIENT };
#define CLI_TSNE_LONGOPTS \
    {"perplexity", required_argument, 0, CLI_OPT_PERPLEXITY}, {"iterations", required_argument, 0, CLI_OPT_ITERATIONS}, \
    {"early-iterations", required_argument, 0, CLI_OPT_EARLY_ITERATIONS}, {"theta", required_argument, 0, CLI_OPT_THETA}, \
    {"tsne-gradient", required_argument, 0, CLI_OPT_TSNE_GRADIENT}
#define CLI_TSNE_HELP                                                                          \
    "  --perplexity P      t-SNE perplexity (default 30; uses 3P neighbours)\n"                \
    "  --iterations N      t-SNE iterations after early exaggeration (default 750)\n"         \
    "  --early-iterations N  t-SNE early-exaggeration iterations (default 250)\n"             \
    "  --theta T           t-SNE Barnes-Hut opening angle (default 0.5)\n"                    \
    "  --tsne-gradient M   auto (default: exact <= 1000 points, FFT for 2D >= 40000,\n"      \
    "                      else Barnes-Hut), exact, bh or fft\n"
/* Returns 1 if handled, 0 if not a t-SNE option, -1 on a bad value (printed). */
int cli_tsne_opt(cli_tsne_opts *o, int opt, const char *arg);
/* t-SNE of vec (n, D) into map (n, dims), allocated here: PCA to 50 first
 * when D > 100; g (may be NULL) is used for the affinities when it has at
 * least 3 perplexity neighbours. Adds map.* and timings.map_s to s (may be
 * NULL). Returns an exit code. */
int cli_map_tsne(const cli_common *c, const cli_tsne_opts *o, const emb_matf *vec,
                 const emb_knn *g, int dims, emb_summary *s, emb_matf *map);

/* Sub-commands. */
int cmd_embed(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_neighbors(int argc, char **argv);
int cmd_dups(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_cluster(int argc, char **argv);
int cmd_search(int argc, char **argv);

/* Maps (cmd_map.c): write OUT/map.npy and OUT/map.csv; the kNN graph the
 * map command builds (PCA to 50 first when D > 100). */
emb_status cli_map_write(const cli_common *c, const emb_matf *map);
emb_status cli_map_graph(const cli_common *c, const emb_matf *x, int k, emb_metric metric, emb_knn *g);
int cmd_clip(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* The report stage (cmd_report.c): write html (NULL = dir/report.html). */
int cli_report_stage(const cli_common *c, const char *dir, const char *html, const emb_report_params *rp);

#endif
