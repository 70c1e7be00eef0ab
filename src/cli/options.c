/* options.c - the command line's options of the analysis stages, parsed
 * into the library's option structs (emb_analyze.h): --dup-threshold ...,
 * --clusters ..., --zero-shot ..., --perplexity ... */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

void cli_analysis_init(cli_analysis *a) { *a = emb_findings_default_opts(); }

int cli_analysis_opt(cli_analysis *a, int opt, const char *arg) {
    double v;
    if (opt == CLI_OPT_DUP_THRESHOLD) {
        if (!cli_parse_float(arg, 0.0, 1.0, &v)) { fprintf(stderr, "embscope: --dup-threshold: '%s' is not in 0..1\n", arg); return -1; }
        a->dup_threshold = (float)v;
        return 1;
    }
    if (opt == CLI_OPT_COPY_THRESHOLD) {
        if (!cli_parse_float(arg, 0.0, 2.0, &v)) { fprintf(stderr, "embscope: --copy-threshold: '%s' is not in 0..2\n", arg); return -1; }
        a->copy_threshold = (float)v;
        return 1;
    }
    if (opt == CLI_OPT_IMAGE_SHAPE) {
        int h = 0, w = 0, ch = 1;
        if (sscanf(arg, "%dx%dx%d", &h, &w, &ch) < 2 || h <= 0 || w <= 0 || ch <= 0 || ch > 4) {
            fprintf(stderr, "embscope: --image-shape: '%s' is not HxW or HxWxC\n", arg);
            return -1;
        }
        a->img_h = h; a->img_w = w; a->img_c = ch;
        return 1;
    }
    if (opt == CLI_OPT_OUTLIER_FENCE) {
        if (!cli_parse_float(arg, 0.0, 1000.0, &v)) { fprintf(stderr, "embscope: --outlier-fence: '%s' is not a number in 0..1000\n", arg); return -1; }
        a->outlier_fence = (float)v;
        return 1;
    }
    if (opt == CLI_OPT_OUTLIER_METHOD) {
        if (!strcmp(arg, "auto")) a->outlier_method = EMB_OUTLIER_AUTO;
        else if (!strcmp(arg, "knn")) a->outlier_method = EMB_OUTLIER_KNN;
        else if (!strcmp(arg, "lof")) a->outlier_method = EMB_OUTLIER_LOF;
        else if (!strcmp(arg, "hellinger")) a->outlier_method = EMB_OUTLIER_HELLINGER;
        else { fprintf(stderr, "embscope: --outlier-method: '%s' is not auto, knn, lof or hellinger\n", arg); return -1; }
        return 1;
    }
    return 0;
}


void cli_clusters_init(cli_clusters *o) { *o = emb_clusters_default_opts(); }

int cli_clusters_opt(cli_clusters *o, int opt, const char *arg) {
    long v;
    double x;
    switch (opt) {
    case CLI_OPT_CLUSTERS:
        if (!strcmp(arg, "none") || !strcmp(arg, "kmeans") || !strcmp(arg, "hdbscan")) {
            o->method = !strcmp(arg, "none") ? "none" : !strcmp(arg, "kmeans") ? "kmeans" : "hdbscan";
            o->k = o->min_cluster_size = 0;
            return 1;
        }
        if (!strncmp(arg, "kmeans:", 7) && cli_parse_int(arg + 7, 1, 100000, &v)) {
            o->method = "kmeans";
            o->k = (int)v;
            return 1;
        }
        if (!strncmp(arg, "hdbscan:", 8) && cli_parse_int(arg + 8, 2, 100000000, &v)) {
            o->method = "hdbscan";
            o->min_cluster_size = (int)v;
            return 1;
        }
        fprintf(stderr, "embscope: --clusters: '%s' is not hdbscan, hdbscan:M (M >= 2), kmeans, kmeans:K (K in "
                        "1..100000) or none\n", arg);
        return -1;
    case CLI_OPT_MIN_SAMPLES:
        if (!cli_parse_int(arg, 1, 100000, &v)) {
            fprintf(stderr, "embscope: --min-samples: '%s' is not in 1..100000\n", arg);
            return -1;
        }
        o->min_samples = (int)v;
        return 1;
    case CLI_OPT_CLUSTER_SELECTION:
        if (strcmp(arg, "eom") && strcmp(arg, "leaf")) {
            fprintf(stderr, "embscope: --cluster-selection: '%s' is not eom or leaf\n", arg);
            return -1;
        }
        o->leaf = !strcmp(arg, "leaf");
        return 1;
    case CLI_OPT_CLUSTER_EPSILON:
        if (!cli_parse_float(arg, 0, 1e30, &x)) {
            fprintf(stderr, "embscope: --cluster-epsilon: '%s' is not a distance >= 0\n", arg);
            return -1;
        }
        o->epsilon = x;
        return 1;
    default:
        return 0;
    }
}


void cli_zeroshot_init(cli_zeroshot *z) { memset(z, 0, sizeof *z); }

int cli_zeroshot_opt(cli_zeroshot *z, int opt, const char *arg) {
    switch (opt) {
    case CLI_OPT_ZERO_SHOT: z->on = true; return 1;
    case CLI_OPT_PROMPTS: z->prompts = arg; z->on = true; return 1;
    case CLI_OPT_CLASSES: z->classes = arg; z->on = true; return 1;
    case CLI_OPT_TOKENIZER: z->tokenizer = arg; return 1;
    case CLI_OPT_VOCABULARY: z->vocabulary = arg; return 1;
    case CLI_OPT_QUERIES: z->queries = arg; return 1;
    case CLI_OPT_ZERO_SHOT_WEIGHT:
        if (!cli_parse_float(arg, 0.0, 1.0, &z->weight)) { fprintf(stderr, "embscope: --zero-shot-weight: '%s' is not in 0..1\n", arg); return -1; }
        z->weight_set = true;
        return 1;
    }
    return 0;
}


void cli_tsne_init(cli_tsne_opts *o) { *o = emb_tsne_default_opts(); }

int cli_tsne_opt(cli_tsne_opts *o, int opt, const char *arg) {
    long v;
    double f;
    switch (opt) {
    case CLI_OPT_PERPLEXITY:
        if (!cli_parse_float(arg, 1, 10000, &f)) { cli_usage_error("map", "--perplexity: '%s' is not in 1..10000", arg); return -1; }
        o->perplexity = f;
        return 1;
    case CLI_OPT_ITERATIONS:
        if (!cli_parse_int(arg, 0, 1000000, &v)) { cli_usage_error("map", "--iterations: '%s' is not in 0..1000000", arg); return -1; }
        o->n_iter = (int)v;
        return 1;
    case CLI_OPT_EARLY_ITERATIONS:
        if (!cli_parse_int(arg, 0, 1000000, &v)) { cli_usage_error("map", "--early-iterations: '%s' is not in 0..1000000", arg); return -1; }
        o->early_exaggeration_iter = (int)v;
        return 1;
    case CLI_OPT_THETA:
        if (!cli_parse_float(arg, 0, 1, &f)) { cli_usage_error("map", "--theta: '%s' is not in 0..1", arg); return -1; }
        o->theta = f;
        return 1;
    case CLI_OPT_TSNE_GRADIENT:
        if (!strcmp(arg, "auto")) o->method = EMB_TSNE_AUTO;
        else if (!strcmp(arg, "exact")) o->method = EMB_TSNE_EXACT;
        else if (!strcmp(arg, "bh")) o->method = EMB_TSNE_BH;
        else if (!strcmp(arg, "fft")) o->method = EMB_TSNE_FFT;
        else { cli_usage_error("map", "--tsne-gradient: '%s' is not auto, exact, bh or fft", arg); return -1; }
        return 1;
    default:
        return 0;
    }
}
