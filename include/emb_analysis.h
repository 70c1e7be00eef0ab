/* emb_analysis.h - what a person cleaning a dataset came for: duplicates
 * (exact, copy, similar) grouped with a representative, split leakage,
 * outliers, label issues, class overlap and image checks. Part of embscope.h.
 *
 * Usage (error handling shortened):
 *
 *     emb_knn g;  emb_knn_build(&vec, NULL, &g);          // cosine kNN graph
 *     emb_dups_params dp = emb_dups_default_params();
 *     dp.img_w = 28; dp.img_h = 28; dp.img_c = 1;        // pixel vectors: verify shifts
 *     emb_dups d;
 *     emb_dups_find(&vec, &g, ds, &dp, &d);                // d.group[i], d.kind[i], ...
 *     emb_dups_write_csv("out/duplicates.csv", ds, &d);
 *     emb_leakage lk;  emb_leakage_find(ds, &d, &lk);      // groups spanning splits
 *     float *score = malloc(n * sizeof *score), *pct = malloc(n * sizeof *pct);
 *     emb_outliers_score(&g, EMB_OUTLIER_KNN, score, pct);
 *     uint8_t *flag = malloc(n); emb_outlier_rule rule;      // score > Q3 + 3 IQR
 *     emb_outliers_flag(score, n, EMB_OUTLIER_FENCE_KNN, flag, &rule);
 *     emb_label_issues li; emb_label_issues_find(&vec, &g, ds, NULL, &li);
 *     emb_dups_free(&d); emb_label_issues_free(&li); ...
 *
 * Every function here reads the kNN graph of emb_neighbors.h (cosine distance
 * 1 - cos unless said otherwise); none prints. */
#ifndef EMB_ANALYSIS_H
#define EMB_ANALYSIS_H

#include "emb_io.h"
#include "emb_neighbors.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------- duplicates */
/* What a duplicate is. EXACT: identical pixels (or vector bytes). COPY: the
 * copy criterion holds (high precision: "the same photo, re-encoded,
 * darkened, noised or moved"), see EMB_DUP_COPY_THRESHOLD_PIXELS. SIMILAR:
 * only the recall-oriented cosine threshold holds (look-alikes and copies
 * the copy criterion misses). Headline counts are EXACT + COPY. */
typedef enum { EMB_DUP_NONE = 0, EMB_DUP_EXACT, EMB_DUP_COPY, EMB_DUP_SIMILAR } emb_dup_kind;
const char *emb_dup_kind_name(emb_dup_kind k);   /* "", "exact", "copy", "similar" */

/* Default near-duplicate thresholds (cosine similarity), per feature type.
 * Pixels: 0.985 is the highest value that still finds copies with visible
 * noise: MNIST copies with Gaussian noise sigma 0.05 (and/or brightness
 * x1.1) have cosine 0.976-1.0 to their source; the share >= T is 0.999 at
 * 0.98, 0.989 at 0.985, 0.926 at 0.99, 0.52 at 0.995 (3,000 copies), and
 * tests/test_analysis_mnist.c finds 196/200 at 0.985. Distinct MNIST digits
 * rarely exceed 0.98. On Fashion-MNIST plain garments of one silhouette
 * (trousers, T-shirts) reach 0.985-0.996 without being copies: of 70,000
 * items, 3,486 groups at 0.985 but 67 at 0.995 and 32 at 0.998; the groups
 * looked at below 0.99 were different garments, those at >= 0.9973 were
 * copies (one product shot twice, train/test leaks among them), so
 * groups come out surest first and --dup-threshold 0.998 gives a strict
 * list. Raw pixels cannot tell a noisy copy from a look-alike garment;
 * better features can. CLIP: 0.95, the value commonly used for CLIP image
 * embeddings (not evaluated here). */
#define EMB_DUP_THRESHOLD_PIXELS 0.985f
#define EMB_DUP_THRESHOLD_CLIP 0.95f
/* Shifted matches take the best of (2 max_shift + 1)^2 alignments, which
 * lifts distinct look-alikes: on the Fashion-MNIST test set all 56 shifted
 * pairs between 0.985 and 0.99 were different garments of one silhouette,
 * and on all 70,000 a striped and a plain pullover matched at 0.9958, while
 * the shifted copies seen scored 0.9981 and 0.9985 (two bags) and a copy
 * moved by whole pixels scores 1.0 (MNIST test: 100/100). */
#define EMB_DUP_SHIFT_THRESHOLD_PIXELS 0.997f
/* The copy criterion for pixel vectors (img_w, img_h set): the correlation
 * (mean-centred, normalised) of the 3x3-median-filtered images, unshifted
 * >= EMB_DUP_COPY_THRESHOLD_PIXELS, or best over translations of up to
 * max_shift px >= EMB_DUP_COPY_SHIFT_THRESHOLD_PIXELS (each alignment over
 * the overlap less its cut rows and columns, tried when the raw shifted
 * cosine, whole-frame or over the overlap, reaches threshold). The median filter
 * removes salt-and-pepper noise; centring removes the silhouette's
 * brightness that makes any two garments of one layout cosine-alike.
 * Chosen by measurement (bench/analysis/RESULTS.md, "Copies"): 400 copies
 * of Fashion-MNIST items (7 transforms) against the 236,623 pairs of its
 * 70,000 items' kNN graph with raw cosine >= 0.96: median-filtered
 * correlation >= 0.995 flags 177 of them where raw cosine >= 0.985 flags
 * 28,711, and the pairs a default run flags were judged by eye; the planted
 * copies found per transform are there too (bench/analysis/copies.py).
 * Blurred and resized copies: EMB_DUP_COPY_BLUR_THRESHOLD_PIXELS below.
 * Vectors without an image shape (CLIP, .npy): COPY
 * is cosine >= copy_threshold (EMB_DUP_COPY_THRESHOLD_CLIP, not measured:
 * re-encoded copies of one photo have CLIP cosine near 1). */
#define EMB_DUP_COPY_THRESHOLD_PIXELS 0.995f
#define EMB_DUP_COPY_SHIFT_THRESHOLD_PIXELS 0.998f
/* A copy that was blurred or resized (low-pass filtered) against its
 * source: the best correlation of one image's signature with the other's
 * after a Gaussian blur of sigma 0.5, 0.7 or 0.9 px (either way round),
 * tried for pairs of raw cosine >= threshold, or >= 0.95 for an item's
 * two nearest neighbours (a copy resized 28 -> 24 -> 28 px scores 0.95 -
 * 0.99 raw), that fail the tests above.
 * Blurring one side does not bring two distinct garments together (their
 * difference is in both images' detail), while a blurred copy matches
 * its blurred source. Chosen by measurement (bench/analysis/RESULTS.md,
 * "Blurred and resized copies"): 300 Fashion-MNIST items resized
 * 28 -> 24 -> 28 px (bilinear), 0 of them copies before: 289 at >= 0.996;
 * 300 blurred by 0.5 px: 300; of the 36,723 pairs of all 70,000 items with
 * raw cosine >= 0.985 that are not copies, 0 reach 0.996 (2 reach 0.995),
 * and of the 59,804 nearest-neighbour pairs from 0.95 to 0.985, 0 reach
 * 0.995. */
#define EMB_DUP_COPY_BLUR_THRESHOLD_PIXELS 0.996f
#define EMB_DUP_COPY_THRESHOLD_CLIP 0.98f

typedef struct {
    float threshold;       /* near duplicates: cosine >= threshold; default pixels' */
    /* Pixel vectors only: the image shape of each row (row = (h, w, c)
     * interleaved). When set (> 0), candidates come from a centred,
     * blurred, 2x downsampled copy and pairs are verified over translations of up to
     * max_shift pixels (kind SHIFTED). 0 = no shift search. */
    int img_w, img_h, img_c;
    int max_shift;         /* default 2 */
    float shift_threshold; /* shifted matches: best cosine over shifts >= this (raised to
                              threshold when below); default EMB_DUP_SHIFT_THRESHOLD_PIXELS */
    int shift_candidates;  /* neighbours per item in the centred copy; default 10 */
    float copy_threshold;  /* COPY: pixels: median-filtered correlation >= this; vectors
                              without an image shape: cosine >= this. Default
                              EMB_DUP_COPY_THRESHOLD_PIXELS; > 1 = no COPY kind */
    float copy_shift_threshold; /* pixels: the same over shifts; default
                              EMB_DUP_COPY_SHIFT_THRESHOLD_PIXELS */
    float copy_blur_threshold; /* pixels: the same with one side blurred; default
                              EMB_DUP_COPY_BLUR_THRESHOLD_PIXELS; > 1 = not tried */
    int n_threads;         /* 0 = all cores */
    emb_progress progress;
} emb_dups_params;
emb_dups_params emb_dups_default_params(void);

/* One pair found: items a < b (each an exact-duplicate root, see below). */
typedef struct {
    int32_t a, b;
    float similarity;      /* cosine, or the best cosine over shifts when that decided */
    float copy_score;      /* the copy criterion's score (pixels: median-filtered
                              correlation, best over shifts when that decided) */
    uint8_t kind;          /* EMB_DUP_COPY or EMB_DUP_SIMILAR */
    uint8_t shifted;       /* 1 if only a translation made the pair match */
} emb_dup_pair;

typedef struct {
    int64_t n;             /* items */
    /* per item */
    int64_t *exact_root;   /* (n) smallest index with identical pixels (itself if none) */
    int64_t *group;        /* (n) group id, or -1 when the item has no duplicate */
    uint8_t *kind;         /* (n) emb_dup_kind relative to its representative (rep: NONE) */
    float *similarity;     /* (n) cosine similarity to its representative (rep: 1) */
    float *copy_score;     /* (n) copy score to its representative (rep: 1) */
    /* groups: members of group g are item[start[g] .. start[g+1]), the
     * representative first (highest mean similarity to the others), then by
     * descending similarity; groups by descending similarity of their last
     * (weakest) member, exact sets first */
    int64_t n_groups;
    int64_t *start;        /* (n_groups + 1) */
    uint8_t *group_kind;   /* (n_groups) EXACT (all identical), COPY (every two members
                              exact or copies), SIMILAR (the rest); groups are ordered
                              by kind (exact, copy, similar), then as above */
    int64_t *item;         /* (start[n_groups]) */
    /* non-exact pairs found (between exact roots), sorted by (a, b) */
    int64_t n_pairs;
    emb_dup_pair *pairs;   /* (n_pairs) */
    /* counts */
    int64_t n_exact_sets;  /* sets of >= 2 identical items */
    int64_t n_exact_extra; /* items identical to an earlier one */
    int64_t n_copy_pairs, n_similar_pairs, n_shifted_pairs;
    int64_t n_groups_kind[4];  /* groups by group_kind (index emb_dup_kind) */
    int64_t n_items_kind[4];   /* items in those groups */
    int64_t n_widened;     /* items whose search was widened past k */
    int64_t n_widen_truncated; /* widened items whose range search stopped at its bound */
    int64_t n_unmerged_pairs; /* pairs whose ends are in different groups (or none): joining
                                 them would put two members below the threshold together */
} emb_dups;

/* Find duplicates among the rows of x (n, d) with its cosine kNN graph g.
 * Exact: ds->pixel_hash when ds has one (confirmed by comparing the decoded
 * pixels), else a hash of the vector bytes (confirmed by comparing vectors).
 * ds may be NULL. Pairs: every kNN pair that is a copy or has cos >=
 * threshold; an item whose k neighbours are all that close has its range
 * searched through the graph (widening: the rows of every item found at
 * >= threshold, until no new one is; at most 32,768 candidates per item,
 * counted in n_widen_truncated); pixel vectors also take the candidates of
 * a centred, blurred copy, tried over translations. Groups are cliques,
 * built by complete linkage over the pairs in descending score, so A~B~C
 * with A, C apart does not chain into one group.
 * Copies first: complete linkage over the COPY pairs gives the sure groups
 * (every two members exact or copies); the items left then form SIMILAR
 * groups by complete linkage over the remaining pairs (cosine or shifted
 * cosine >= threshold). An item is in one group at most. *out is
 * allocated: free with emb_dups_free. For a given g the result does not
 * depend on n_threads, except through the shift search's own candidate
 * graph (NN-descent above a few thousand items). */
emb_status emb_dups_find(const emb_matf *x, const emb_knn *g, const emb_dataset *ds,
                         const emb_dups_params *params, emb_dups *out);
void emb_dups_free(emb_dups *d);
/* duplicates.csv: group,index,path,split,label,similarity,kind,copy_score,group_kind
 * (ds may be NULL). */
emb_status emb_dups_write_csv(const char *path, const emb_dataset *ds, const emb_dups *d);

/* Best cosine of a (h, w, c) image against b over translations of b by up to
 * max_shift pixels (pixels moved out are lost, moved in are 0). */
float emb_shifted_cosine(const float *a, const float *b, int w, int h, int c, int max_shift);

/* ------------------------------------------------------------- leakage */
/* Every exact, copy or similar pair whose two items are in different splits,
 * whatever the direction (train-test, test-train, valid-either): pairs are
 * taken from the duplicate pairs and exact sets, not from the groups, so a
 * copy whose ends sit in two groups still leaks. Each item of an exact set
 * is paired with the first member of each other split in the set or in the
 * set at the other end of a pair. */
typedef struct {
    int64_t a, b;          /* items, a < b, in different splits */
    float similarity, copy_score;
    uint8_t kind;          /* EMB_DUP_EXACT, EMB_DUP_COPY or EMB_DUP_SIMILAR */
} emb_leak_pair;
typedef struct {
    int64_t pairs[4][4];   /* [s][t], s < t: sure (exact + copy) leak pairs between splits s, t */
    int64_t similar_pairs[4][4]; /* the same for SIMILAR pairs */
    int64_t n_sure;        /* exact + copy leak pairs */
    int64_t n_items;       /* distinct items in sure leak pairs */
    int64_t n_groups;      /* groups spanning >= 2 splits */
    uint8_t *group_leaks;  /* (d->n_groups) 1 if the group spans splits */
    int64_t n_pairs;       /* all leak pairs */
    emb_leak_pair *leaks;  /* (n_pairs) sure ones first (exact, copy), then similar;
                              then by descending similarity */
} emb_leakage;
emb_status emb_leakage_find(const emb_dataset *ds, const emb_dups *d, emb_leakage *out);
void emb_leakage_free(emb_leakage *lk);
/* leakage.csv: one block of two rows per leak pair, in duplicates.csv's
 * columns (group = leak pair id). */
emb_status emb_leakage_write_csv(const char *path, const emb_dataset *ds, const emb_dups *d,
                                 const emb_leakage *lk);

/* ------------------------------------------------------------- outliers */
typedef enum {
    EMB_OUTLIER_AUTO = -1,      /* analyze's default: HELLINGER for pixel vectors, else KNN */
    EMB_OUTLIER_KNN = 0,
    EMB_OUTLIER_LOF = 1,
    EMB_OUTLIER_HELLINGER = 2,  /* pixel vectors (non-negative intensities) */
} emb_outlier_method;
/* KNN: mean distance to the k neighbours. LOF: local outlier factor
 * (Breunig et al. 2000) over the same k neighbours. score (n) and
 * percentile (n, in [0, 100]: share of items with a lower score) are
 * caller-provided; percentile may be NULL. HELLINGER needs the vectors:
 * emb_outliers_score_x. */
emb_status emb_outliers_score(const emb_knn *g, emb_outlier_method method, float *score,
                              float *percentile);
/* Any method; x (g->n rows) is read by HELLINGER only: the mean squared
 * Hellinger distance 1 - sum_t sqrt(p_t q_t) between the item's intensities
 * as a distribution (p = x_i / sum x_i, negative values taken as 0) and each
 * of its graph neighbours'. */
emb_status emb_outliers_score_x(const emb_knn *g, const emb_matf *x, emb_outlier_method method, float *score,
                                float *percentile);
/* The stated rule: flagged = score > Q3 + fence (Q3 - Q1), the upper fence of
 * the scores' interquartile range (Tukey 1977; Q1, Q3 as NumPy's default
 * percentile, linear between order statistics). Fences measured on 100 MNIST
 * digits mixed into the 70,000 Fashion-MNIST items (pixels, k = 15,
 * bench/analysis/labels.py outliers, five draws of the digits):
 *  - HELLINGER (the default for pixel vectors): 4.5, the lowest fence that
 *    flags <= 1% of the garments: 91% of the digits and 0.69% of the others
 *    (lowest draw 83%; 4.0: 97% / 1.26%; 5.0: 85% / 0.34%)
 *  - KNN (cosine): Tukey's "far out" fence, 3: 85% of the digits flagged and
 *    1.6% of the others (1.5: 100% / 8.5%; 2.5: 93% / 3.1%; 4: 62% / 0.4%).
 *    With the raw cosine no fence reaches 90% with <= 1%: the score ranks
 *    1.9% of the garments above the weakest 90% of the digits (sandals and
 *    bags are as far from their neighbours as digits are);
 *  - LOF: the same fence as KNN. */
#define EMB_OUTLIER_FENCE_HELLINGER 4.5f
#define EMB_OUTLIER_FENCE_KNN 3.0f
#define EMB_OUTLIER_FENCE_LOF 3.0f
typedef struct {
    double q1, q3;         /* quartiles of the scores */
    float fence;           /* f */
    double threshold;      /* Q3 + f (Q3 - Q1) */
    int64_t n_flagged;
} emb_outlier_rule;
/* flagged (n, caller's) = 1 above the fence, else 0; *rule says the numbers.
 * Returns EMB_E_INVALID for fence < 0, EMB_E_NOMEM. */
emb_status emb_outliers_flag(const float *score, int64_t n, float fence, uint8_t *flagged, emb_outlier_rule *rule);
/* outliers.csv: rank,index,path,split,label,score,percentile[,flagged], every item by
 * descending score (flagged may be NULL: no column). */
emb_status emb_outliers_write_csv(const char *path, const emb_dataset *ds, const float *score,
                                  const float *percentile, const uint8_t *flagged, int64_t n);

/* ------------------------------------------------------------- label issues */
typedef struct {
    int cv_folds;          /* default 5 */
    int pca_dims;          /* classifier input: standardised PCA components; default 50 */
    int hidden;            /* the classifier's hidden units (ReLU); default 256 */
    int epochs;            /* its passes over each fold's training rows; 0 (default) = about
                              1,000 steps of 256 rows, 3..40 passes */
    float l2;              /* its weight decay; default 1e-4 */
    float knn_weight;      /* combined p = w * p_knn + (1 - w) * p_cv; default 0.5;
                              1 = the kNN vote alone (no classifier is trained) */
    const float *p_zero_shot; /* (n, C) optional third estimate of p(class | item), CLIP's
                              zero-shot probabilities (emb_zeroshot_label_probs); NULL: none.
                              Read during the call only */
    float zero_shot_weight; /* W: p = (1 - W) (w p_knn + (1 - w) p_cv) + W p_zero_shot;
                              default 0: recorded, not combined (its use is not measured:
                              that needs real CLIP weights); ignored without p_zero_shot */
    uint64_t seed;
    int n_threads;
    emb_progress progress;
} emb_label_params;
emb_label_params emb_label_default_params(void);

typedef struct {
    int64_t n;
    int32_t n_classes;
    float *p_knn;          /* (n, C) similarity-weighted neighbour vote */
    float *p_cv;           /* (n, C) out-of-fold probabilities of a one-hidden-layer perceptron
                              on the PCA components (0 when knn_weight = 1) */
    float knn_weight;      /* the w used */
    float *p_zero_shot_label; /* (n) params->p_zero_shot of each item's given label (0 when
                              unlabelled; zero_shot_score = 1 - it); NULL when none was given */
    float zero_shot_weight; /* the W used (0 without p_zero_shot) */
    float *score;          /* (n) 1 - combined p(given label); 0 when unlabelled. With W = 0
                              the same bytes as without p_zero_shot */
    int32_t *suggested;    /* (n) argmax of the combined p */
    uint8_t *flagged;      /* (n) confident learning: another class j has p_j >= t_j (its
                              mean self-confidence) and beats the given label */
    int64_t n_flagged;
    float *overlap;        /* (C, C) row a: share of the neighbours of class-a items in each class */
} emb_label_issues;
/* Needs labels in ds (items with label -1 are skipped). *out is allocated.
 * The same bytes at any n_threads (for one seed and SIMD level). */
emb_status emb_label_issues_find(const emb_matf *x, const emb_knn *g, const emb_dataset *ds,
                                 const emb_label_params *params, emb_label_issues *out);
void emb_label_issues_free(emb_label_issues *li);
/* label_issues.csv: rank,index,path,split,label,suggested,score,knn_score,cv_score,flagged;
 * with p_zero_shot a zero_shot_score column (1 - p_zero_shot(given label)) before flagged. */
emb_status emb_label_issues_write_csv(const char *path, const emb_dataset *ds, const emb_label_issues *li);

/* ------------------------------------------------------------- image checks */
/* CleanVision's properties (cleanlab/cleanvision, image_property.py) and
 * default thresholds (image_property_issue_manager.py, size_issue_manager.py). */
typedef enum {
    EMB_IMG_DARK = 1 << 0, EMB_IMG_LIGHT = 1 << 1, EMB_IMG_LOW_INFO = 1 << 2,
    EMB_IMG_BLURRY = 1 << 3, EMB_IMG_ODD_SIZE = 1 << 4, EMB_IMG_ODD_ASPECT = 1 << 5,
    EMB_IMG_GRAYSCALE = 1 << 6,
} emb_img_issue;
typedef struct {
    float brightness_p99;  /* 99th percentile of per-pixel perceived brightness, [0, 1] */
    float brightness_p5;   /* 5th percentile */
    float entropy;         /* PIL Image.entropy() of the histogram, bits */
    float blurriness;      /* std of PIL FIND_EDGES of the gray image, max side 64 */
    float aspect;          /* min(w/h, h/w) */
    int w, h;
    bool gray;             /* one channel in the file, or R = G = B everywhere */
} emb_image_props;
void emb_image_props_compute(const emb_image *img, emb_image_props *out);

typedef struct {
    int64_t n;
    emb_image_props *props;   /* (n) */
    uint32_t *issues;         /* (n) emb_img_issue bits */
    float *dark_score, *light_score, *low_info_score, *blurry_score, *size_score; /* (n) each */
    int64_t counts[7];        /* per issue bit */
    int64_t n_unreadable;
} emb_image_issues;
/* Decode every item (emb_dataset_image) and check it. *out is allocated. */
emb_status emb_image_issues_find(const emb_dataset *ds, int n_threads, emb_image_issues *out);
void emb_image_issues_free(emb_image_issues *q);
/* image_issues.csv: index,path,split,label,issues,dark,light,low_information,blurry,odd_size,aspect */
emb_status emb_image_issues_write_csv(const char *path, const emb_dataset *ds, const emb_image_issues *q);

/* ------------------------------------------------------------- summary.json */
/* Counts and findings under "duplicates", "leakage", "outliers",
 * "label_issues", "class_overlap" and "image_issues"; top lists give up to
 * `top` items. ds may be NULL where it says nothing (no paths). */
emb_status emb_summary_add_duplicates(emb_summary *s, const emb_dataset *ds, const emb_dups *d,
                                      const emb_leakage *lk, float threshold, int top);
/* The same under "<prefix>.duplicates" and "<prefix>.leakage" (prefix NULL
 * or "": the top level), e.g. "whole_images" for a detection export's images. */
emb_status emb_summary_add_duplicates_at(emb_summary *s, const char *prefix, const emb_dataset *ds, const emb_dups *d,
                                         const emb_leakage *lk, float threshold, int top);
/* rule may be NULL (no flags). */
emb_status emb_summary_add_outliers(emb_summary *s, const emb_dataset *ds, const float *score, int64_t n,
                                    emb_outlier_method method, const emb_outlier_rule *rule, int top);
emb_status emb_summary_add_label_issues(emb_summary *s, const emb_dataset *ds, const emb_label_issues *li, int top);
emb_status emb_summary_add_image_issues(emb_summary *s, const emb_image_issues *q);

#ifdef __cplusplus
}
#endif
#endif
