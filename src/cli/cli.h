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
    emb_log log;             /* the library's messages on stderr (warnings even when quiet) */
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
/* The library's parameters of a run with c's threads, seed, progress,
 * messages and MPI place; the rest default (emb_analyze_default_params). */
emb_analyze_params cli_params(const cli_common *c);
/* Path in the output folder (caller frees). */
char *cli_out_path(const cli_common *c, const char *name);

/* Features chosen on the command line (emb_analyze.h). */
typedef emb_features_opts cli_features;
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

/* The analysis options shared by analyze and dups (emb_analyze.h). */
typedef emb_findings_opts cli_analysis;
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
    "  --outlier-method M  auto (default: hellinger for pixel images, knn otherwise), knn\n"   \
    "                      (mean distance to the k neighbours), lof, or hellinger (mean\n"     \
    "                      squared Hellinger distance of the pixel intensities to them)\n"      \
    "  --outlier-fence F   flag outliers with score > Q3 + F (Q3 - Q1) of the scores\n"           \
    "                      (default 4.5 hellinger, 3 knn and lof); outliers.csv ranks all\n"     \
    "  --image-shape HxWxC the vectors are pixel images of this shape: also find copies\n"      \
    "                      shifted by 1-2 px (image datasets: known; .npy: only with this)\n"
void cli_analysis_init(cli_analysis *a);
/* Returns 1 if handled, 0 if not an analysis option, -1 on a bad value. */
int cli_analysis_opt(cli_analysis *a, int opt, const char *arg);

/* --clusters and the HDBSCAN options, shared by analyze and cluster (emb_analyze.h). */
typedef emb_clusters_opts cli_clusters;
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
/* Zero-shot labels, cluster names, searches: analyze --features clip (emb_analyze.h). */
typedef emb_zeroshot_opts cli_zeroshot;
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
/* t-SNE map options (`embscope map --method tsne`, `analyze --map tsne`). */
typedef emb_tsne_opts cli_tsne_opts;
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
    "  --tsne-gradient M   auto (default: exact <= 1000 points, FFT for 2D >= 150000,\n"     \
    "                      else Barnes-Hut), exact, bh or fft\n"
/* Returns 1 if handled, 0 if not a t-SNE option, -1 on a bad value (printed). */
int cli_tsne_opt(cli_tsne_opts *o, int opt, const char *arg);
/* Sub-commands. */
int cmd_embed(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_neighbors(int argc, char **argv);
int cmd_dups(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_cluster(int argc, char **argv);
int cmd_search(int argc, char **argv);

/* Maps (cmd_map.c): the kNN graph the map command builds for UMAP (PCA to
 * 100 first when D > 100). */
emb_status cli_map_graph(const cli_common *c, const emb_matf *x, int k, emb_metric metric, emb_knn *g);
int cmd_clip(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
