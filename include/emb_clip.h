/* emb_clip.h - CLIP image embeddings: safetensors weights, CLIP's reference
 * preprocessing (Pillow bicubic), the ViT vision tower. Part of embscope.h.
 *
 *   emb_clip *m;
 *   emb_clip_params p = emb_clip_default_params();
 *   if (emb_clip_load("clip-vit-base-patch32/model.safetensors", &p, &m)) die(emb_errmsg());
 *   emb_clip_ws *ws = emb_clip_ws_new(m, 32);          // one per thread
 *   float *px = malloc(sizeof(float) * 3 * S * S);      // S = emb_clip_info_get(m).image_size
 *   emb_clip_preprocess(&img, S, NULL, px);             // Pillow-exact resize + crop + normalise
 *   emb_clip_embed(m, ws, px, 1, vec);                  // vec: emb_clip_info_get(m).dim floats, L2 = 1
 *   emb_clip_ws_free(ws); emb_clip_free(m);
 */
#ifndef EMB_CLIP_H
#define EMB_CLIP_H

#include "emb_features.h"   /* emb_embedding: the result of emb_clip_embed_dataset */
#include "emb_neighbors.h"   /* emb_knn: the results of emb_clip_search */

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- safetensors */
/* https://github.com/huggingface/safetensors: 8-byte little-endian header
 * length N, N bytes of JSON {"name": {"dtype", "shape", "data_offsets": [a, b]},
 * "__metadata__": {...}}, then the data; offsets are relative to the data. The
 * parser checks every offset, shape and size against the file. */
typedef enum { EMB_ST_F32 = 0, EMB_ST_F16, EMB_ST_BF16, EMB_ST_OTHER } emb_st_dtype;

typedef struct {
    char *name;
    emb_st_dtype dtype;
    char dtype_name[8];    /* as written: "F32", "I64", ... */
    int ndim;              /* 0..8 */
    int64_t shape[8];
    int64_t count;         /* product of shape */
    const void *data;      /* count elements, little-endian, unaligned */
    size_t nbytes;
} emb_st_tensor;

typedef struct {
    int n;
    emb_st_tensor *t;      /* (n) in file order */
    void *map_;            /* private: mmap base (or NULL) */
    size_t map_len_;
} emb_safetensors;

/* Map path read-only and parse its header. Returns EMB_OK, EMB_E_IO,
 * EMB_E_FORMAT (message names the file and the reason), EMB_E_NOMEM.
 * Close with emb_safetensors_close (also after failure: a no-op then). */
emb_status emb_safetensors_open(const char *path, emb_safetensors *out);
/* Parse a file held in memory; tensors point into buf (kept alive by caller). */
emb_status emb_safetensors_parse(const void *buf, size_t len, const char *name, emb_safetensors *out);
void emb_safetensors_close(emb_safetensors *st);
/* The tensor called name, or NULL. */
const emb_st_tensor *emb_safetensors_find(const emb_safetensors *st, const char *name);
/* Convert F32 / F16 / BF16 data to float32 (count floats). */
emb_status emb_safetensors_to_f32(const emb_st_tensor *t, float *out);

/* ---------------------------------------------------------------- model */
typedef enum { EMB_CLIP_F32 = 0, EMB_CLIP_BF16 } emb_clip_precision;

typedef struct {
    int n_threads;                 /* 0 = all cores */
    int batch;                     /* images per forward pass (dataset embed); default 32 */
    emb_clip_precision precision;  /* BF16: weights and GEMM inputs rounded to bfloat16,
                                      float32 accumulation (AVX512-BF16 when present) */
    bool overlap;                  /* dataset embed: decode the next batch during this one's
                                      forward pass (default true; same vectors either way) */
    bool fast_decode;              /* dataset embed: decode large JPEGs with DCT scaling to a
                                      shorter side >= EMB_CLIP_FAST_DECODE_FACTOR x image size
                                      (emb_image_load_scaled); default false (exact pipeline) */
    emb_progress progress;
} emb_clip_params;
/* 2: the bicubic resize after the scaled decode still shrinks by >= 2, so
 * PIL's antialiasing filter, not the DCT scaling, shapes the final pixels.
 * Measured on 16 synthetic 1280x960 photos, random-weight ViT-B/32, 1 thread:
 * exact 27.3 ms/image decode + preprocess; factor 2 (640x480) 11.4 ms, cosine
 * to exact min 0.999997; factor 1 (320x240) 8.5 ms, min 0.999989. */
#define EMB_CLIP_FAST_DECODE_FACTOR 2
emb_clip_params emb_clip_default_params(void);

typedef struct emb_clip emb_clip;       /* opaque: weights + config, immutable */
typedef struct emb_clip_ws emb_clip_ws; /* opaque: one caller's buffers */

typedef struct {
    int width, layers, heads, patch, image_size, dim;  /* dim: output vector length */
    int mlp;                       /* MLP hidden size */
    double gflop;                  /* floating-point work of one image, GFLOP (2 per multiply-add) */
    bool quick_gelu;               /* QuickGELU x*sigmoid(1.702x), else exact GELU */
    const char *naming;            /* "hf" or "openai" */
    emb_clip_precision precision;
} emb_clip_info;

/* Load CLIP vision weights from a .safetensors file with Hugging Face names
 * (vision_model.*, visual_projection.weight) or OpenAI / OpenCLIP names
 * (visual.*). Sizes come from tensor shapes; heads and the activation from
 * config.json (HF) or open_clip_config.json beside the file when present,
 * else heads = width / 64 and QuickGELU for both namings (the OpenAI
 * models). .bin / .pt files are refused (EMB_E_UNSUPPORTED). A missing or
 * mis-shaped tensor is EMB_E_FORMAT naming it. *out owns the weights
 * (converted to float32, or bf16 for EMB_CLIP_BF16); free with emb_clip_free. */
emb_status emb_clip_load(const char *path, const emb_clip_params *params, emb_clip **out);
void emb_clip_free(emb_clip *m);   /* NULL is a no-op */
emb_clip_info emb_clip_info_get(const emb_clip *m);

/* Workspace for up to max_batch images; NULL when out of memory (errmsg set). */
emb_clip_ws *emb_clip_ws_new(const emb_clip *m, int max_batch);
void emb_clip_ws_free(emb_clip_ws *ws);

/* Embed n preprocessed images pixels (n, 3, S, S) into out (n, dim), each row
 * L2-normalised. n may exceed the workspace batch (done in chunks). Uses
 * n_threads OpenMP threads from the load params and embscope's own kernels at
 * emb_cpu_level_active() (no BLAS): the output bytes do not depend on the
 * thread count or the batch size. One call per workspace at a time. */
emb_status emb_clip_embed(const emb_clip *m, emb_clip_ws *ws, const float *pixels, int64_t n, float *out);

/* ---------------------------------------------------------------- preprocessing */
/* CLIP's normalisation constants (openai/CLIP clip.py _transform). */
#define EMB_CLIP_MEAN_R 0.48145466f
#define EMB_CLIP_MEAN_G 0.4578275f
#define EMB_CLIP_MEAN_B 0.40821073f
#define EMB_CLIP_STD_R 0.26862954f
#define EMB_CLIP_STD_G 0.26130258f
#define EMB_CLIP_STD_B 0.27577711f

/* Pillow's Image.resize(..., BICUBIC) for 8-bit RGB, bit-exact: separable
 * (horizontal then vertical, 8-bit between), antialiased support when
 * shrinking, 22-bit fixed-point coefficients. src (h, w, 3), dst (oh, ow, 3). */
emb_status emb_resize_bicubic_pil(const uint8_t *src, int w, int h, uint8_t *dst, int ow, int oh);

/* torchvision Resize(size) + CenterCrop(size) as in CLIP's _transform: the
 * shorter side becomes size (longer = int(size * long / short)), crop offsets
 * int(round((h - size) / 2)) (round half to even). crop (size, size, 3) may be
 * NULL; out (3, size, size) is (v / 255 - mean) / std per channel. */
emb_status emb_clip_preprocess(const emb_image *img, int size, uint8_t *crop, float *out);

/* ---------------------------------------------------------------- datasets */
/* CLIP vectors for every readable item of ds, like emb_pixels_embed: ds is
 * not modified; items that cannot be decoded have keep[i] = 0 in *out and go
 * to *skipped; *out holds the vectors (n_kept, dim) of the others, their
 * pixel_hash and (folders) source sizes and transparency. On success *out is
 * allocated (emb_embedding_free). Same statuses as emb_pixels_embed. */
emb_status emb_clip_embed_dataset(const emb_dataset *ds, const emb_clip *m, const emb_clip_params *params,
                                  emb_embedding *out, emb_skipped *skipped);


/* ---------------------------------------------------------------- text: tokenizer */
/* CLIP's byte-level BPE (openai/CLIP simple_tokenizer.py; Hugging Face
 * CLIPTokenizer): text cleanup (NFC, html.unescape twice, white space runs -> one
 * space, strip), lower case, simple_tokenizer's pre-tokenisation pattern
 * over Unicode letters / numbers, "</w>" word ends, <|startoftext|> ...
 * <|endoftext|>, truncated to the context (77) keeping the end token, zero
 * padded. NFC first, as Hugging Face's tokenizer.json; ftfy.fix_text's other
 * repairs (mojibake, curly quotes) are not done; clip_tokenizer.c lists
 * the other shortcuts.
 *
 *   emb_clip_tokenizer *tok;
 *   if (emb_clip_tokenizer_load("clip-vit-base-patch32/", &tok)) die(emb_errmsg());
 *   int32_t ids[EMB_CLIP_CONTEXT];
 *   emb_clip_tokenize(tok, "a photo of a dog.", EMB_CLIP_CONTEXT, ids, NULL, NULL);
 *   emb_clip_tokenizer_free(tok);
 */
#define EMB_CLIP_CONTEXT 77   /* CLIP's text context length (Radford et al. 2021) */

typedef struct emb_clip_tokenizer emb_clip_tokenizer;   /* opaque, immutable: thread-safe */
typedef enum {
    EMB_CLIP_TOK_HF_JSON = 0,      /* Hugging Face tokenizer.json (model.vocab, model.merges, added_tokens) */
    EMB_CLIP_TOK_VOCAB_MERGES,     /* vocab.json (token -> id) + merges.txt ("#version" line optional) */
    EMB_CLIP_TOK_OPENAI_BPE,       /* bpe_simple_vocab_16e6.txt (inflated): vocabulary built as simple_tokenizer.py does */
} emb_clip_tokenizer_format;

/* Load a tokenizer: path is a tokenizer.json, a vocab.json or merges.txt
 * (the other beside it), an OpenAI bpe_simple_vocab_16e6.txt[.gz], or a
 * folder holding one of these (looked for in that order). Every byte symbol
 * and both special tokens must be in the vocabulary and every merge must
 * join two tokens into a third (EMB_E_FORMAT naming the file and the entry).
 * *out: free with emb_clip_tokenizer_free. EMB_E_IO, EMB_E_FORMAT, EMB_E_NOMEM. */
emb_status emb_clip_tokenizer_load(const char *path, emb_clip_tokenizer **out);
/* The same from memory: a (alen bytes) the tokenizer.json, vocab.json or the
 * inflated BPE text; b (blen) merges.txt for EMB_CLIP_TOK_VOCAB_MERGES, else
 * unused; name for messages. Inputs are untrusted (the fuzz target drives it). */
emb_status emb_clip_tokenizer_parse(emb_clip_tokenizer_format fmt, const void *a, size_t alen, const void *b, size_t blen,
                                    const char *name, emb_clip_tokenizer **out);
void emb_clip_tokenizer_free(emb_clip_tokenizer *t);   /* NULL is a no-op */
int emb_clip_tokenizer_vocab_size(const emb_clip_tokenizer *t);
int32_t emb_clip_tokenizer_start_id(const emb_clip_tokenizer *t);
int32_t emb_clip_tokenizer_end_id(const emb_clip_tokenizer *t);
const char *emb_clip_tokenizer_token(const emb_clip_tokenizer *t, int32_t id);   /* NULL outside the vocabulary */

/* text (UTF-8, NUL-terminated) -> ids (context >= 2): start, BPE ids, end,
 * zeros. *n_tokens (may be NULL) = tokens before the padding, start and end
 * included (the end token sits at *n_tokens - 1); *truncated (may be NULL)
 * whether BPE ids were cut to fit. Invalid UTF-8 bytes read as U+FFFD.
 * Returns EMB_OK, EMB_E_INVALID, EMB_E_NOMEM. */
emb_status emb_clip_tokenize(const emb_clip_tokenizer *t, const char *text, int context, int32_t *ids, int *n_tokens,
                             bool *truncated);
/* All BPE ids of text, no start / end token, no truncation: the first cap
 * go to ids (may be NULL when cap is 0). Returns the count (may exceed
 * cap: call again with a larger buffer), -1 on error (emb_errmsg). */
int64_t emb_clip_tokenize_all(const emb_clip_tokenizer *t, const char *text, int32_t *ids, int64_t cap);


/* ---------------------------------------------------------------- text: tower */
/* The text tower of a CLIP checkpoint (the same .safetensors as the image
 * tower's, or a text-only one), for zero-shot labels and text search:
 *
 *   emb_clip_text *tm;
 *   if (emb_clip_text_load("model.safetensors", NULL, &tm)) die(emb_errmsg());
 *   const char *q[1] = {"a photo of a dog."};
 *   float v[512];                                          // emb_clip_text_info_get(tm).dim
 *   emb_clip_text_embed_strings(tm, tok, q, 1, v);         // L2 = 1, comparable with emb_clip_embed's
 *   emb_clip_text_free(tm);
 */
typedef struct emb_clip_text emb_clip_text;         /* opaque: weights + config, immutable */
typedef struct emb_clip_text_ws emb_clip_text_ws;   /* opaque: one caller's buffers */

typedef struct {
    int width, layers, heads, context, vocab, dim, mlp;   /* context: positions (77); dim: output length */
    double gflop;                  /* work of one full-length text, GFLOP */
    bool quick_gelu;
    const char *naming;            /* "hf" or "openai" */
    emb_clip_precision precision;
    float logit_scale;             /* exp(logit_scale) of the checkpoint (the softmax temperature of
                                      zero-shot labels), 100 when the file has none */
    bool has_logit_scale;
} emb_clip_text_info;

/* Load the text tower: Hugging Face names (text_model.*, text_projection.weight)
 * or OpenAI / OpenCLIP names (token_embedding, positional_embedding,
 * transformer.resblocks.*, ln_final, text_projection); F32, F16, BF16; heads
 * and activation from config.json (text_config) or open_clip_config.json
 * (text_cfg) beside it, else width / 64 and QuickGELU. params as for
 * emb_clip_load (n_threads, precision). A file without a text tower is
 * EMB_E_FORMAT. *out: free with emb_clip_text_free. */
emb_status emb_clip_text_load(const char *path, const emb_clip_params *params, emb_clip_text **out);
void emb_clip_text_free(emb_clip_text *m);   /* NULL is a no-op */
emb_clip_text_info emb_clip_text_info_get(const emb_clip_text *m);
emb_clip_text_ws *emb_clip_text_ws_new(const emb_clip_text *m, int max_batch);   /* NULL on OOM */
void emb_clip_text_ws_free(emb_clip_text_ws *ws);
/* Embed n rows of token ids (n, context), as emb_clip_tokenize writes them,
 * into out (n, dim), L2-normalised; each row pooled at its first highest id
 * (the end token). An id outside the vocabulary is EMB_E_INVALID naming the
 * row. Same kernels, levels and determinism as emb_clip_embed. */
emb_status emb_clip_text_embed(const emb_clip_text *m, emb_clip_text_ws *ws, const int32_t *ids, int64_t n, float *out);
/* Tokenise (context of the model) and embed n texts into out (n, dim). */
emb_status emb_clip_text_embed_strings(const emb_clip_text *m, const emb_clip_tokenizer *tok, const char *const *texts, int64_t n,
                                       float *out);


/* ---------------------------------------------------------------- text: zero-shot, search */
#define EMB_CLIP_DEFAULT_TEMPLATE "a photo of a {}."   /* Radford et al. 2021, sec. 3.1.4 */
/* One vector per class (out (n_classes, dim), L2 = 1): every template with
 * its "{}" replaced by the class name, embedded, the unit vectors averaged
 * and renormalised (the CLIP paper's prompt ensembling). n_templates 0:
 * EMB_CLIP_DEFAULT_TEMPLATE alone. A template without "{}" is EMB_E_INVALID. */
emb_status emb_clip_zeroshot_classes(const emb_clip_text *m, const emb_clip_tokenizer *tok, const char *const *classes, int n_classes,
                                     const char *const *templates, int n_templates, float *out);
/* Zero-shot labels of image vectors (n, dim): softmax over the classes of
 * logit_scale x cosine(image, class vector); pred (n) the best class, prob
 * (n, may be NULL) its probability, prob_all (n, n_classes, may be NULL)
 * every class's. Sums in double. */
emb_status emb_clip_zeroshot(const emb_matf *images, const float *class_vec, int n_classes, float logit_scale, int32_t *pred,
                             float *prob, float *prob_all);
/* A name for each cluster: the mean of its members' unit image vectors
 * (images (n, dim); cluster (n) ids 0..n_clusters-1, -1 noise, skipped),
 * renormalised, against the unit name vectors (n_names, dim, e.g. from
 * emb_clip_zeroshot_classes): best (n_clusters) the nearest name (-1 for an
 * empty cluster), second (may be NULL) the runner-up, sim its cosine,
 * margin the cosine's lead over the runner-up. */
emb_status emb_clip_cluster_names(const emb_matf *images, const int32_t *cluster, int n_clusters, const float *name_vec, int n_names,
                                  int32_t *best, int32_t *second, float *sim, float *margin);
/* The vector of one image file (decoded, CLIP's preprocessing, the image
 * tower) into out (dim floats, L2 = 1). */
emb_status emb_clip_embed_image_file(const emb_clip *m, const char *path, float *out);
/* The k items (rows of items, CLIP image vectors) nearest by cosine to each
 * text (CLIP's text tower of model; tokenizer NULL: the model's folder), or
 * to image (a file; texts then unused): out (n_texts or 1, k) as
 * emb_knn_query gives it (distance 1 - cosine). Vectors of another width
 * than items' are EMB_E_INVALID. */
emb_status emb_clip_search(const emb_matf *items, const char *model, const char *tokenizer, const char *const *texts, int64_t n_texts,
                           const char *image, int k, const emb_clip_params *params, emb_knn *out);
/* parameters.model of DIR/summary.json (malloc'd, caller frees), or NULL. */
char *emb_clip_results_model(const char *dir);


/* Zero-shot labels of a dataset (clip_zeroshot.c). */
typedef struct {
    const char *model;                 /* weights with a text tower */
    const char *tokenizer;             /* NULL: the model's folder */
    const char *const *classes;        /* (n_classes) names; 0 classes: the dataset's class names */
    int n_classes;
    const char *const *templates;      /* (n_templates) prompts with "{}"; 0: EMB_CLIP_DEFAULT_TEMPLATE */
    int n_templates;
    emb_clip_params clip;              /* n_threads, precision of the text tower */
} emb_zeroshot_params;
emb_zeroshot_params emb_zeroshot_default_params(void);

typedef struct {
    int64_t n;                         /* items */
    int n_classes;
    char **classes;                    /* (n_classes) */
    int32_t *pred;                     /* (n) zero-shot class */
    float *prob;                       /* (n) its softmax probability */
    float *prob_all;                   /* (n, n_classes) every class's softmax probability
                                          (4 n n_classes bytes) */
    float logit_scale;                 /* the temperature used */
    int n_label_classes;               /* the dataset's classes */
    int32_t *label_class;              /* (n_label_classes) the zero-shot class of the same name
                                          (case-insensitive), -1 none */
    int64_t *confusion;                /* (n_label_classes, n_classes) counts: given label x prediction */
    int64_t n_labelled, n_correct;     /* items whose label names a class; of them, predicted so */
} emb_zeroshot;

/* Zero-shot labels of ds's CLIP image vectors vec (ds->n, dim). out is
 * allocated (emb_zeroshot_free). Fewer than 2 classes, or a text tower of
 * another width, is EMB_E_INVALID. */
emb_status emb_clip_zeroshot_dataset(const emb_dataset *ds, const emb_matf *vec, const emb_zeroshot_params *p, emb_zeroshot *out);
void emb_zeroshot_free(emb_zeroshot *z);
/* zero_shot.csv: index,path,label,predicted,probability,agrees (1 / 0,
 * empty when the item's label names no class); written atomically. */
emb_status emb_zeroshot_write_csv(const char *path, const emb_dataset *ds, const emb_zeroshot *z);
/* The zero-shot p(class | item) over the dataset's classes, for the label
 * issues (emb_label_params.p_zero_shot): out (n, n_label_classes), column l
 * the probability of the zero-shot class named as dataset class l (the
 * softmax over all z->n_classes, not renormalised over the dataset's: a
 * class the labels lack keeps its share). A dataset class that no zero-shot
 * class is named like is EMB_E_INVALID (the message names it; out is then
 * unspecified): that class's items would get no estimate. */
emb_status emb_zeroshot_label_probs(const emb_zeroshot *z, const emb_dataset *ds, float *out);

#ifdef __cplusplus
}
#endif
#endif
