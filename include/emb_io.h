/* emb_io.h - datasets (IDX, image folders, .npy vectors), images, .npy and
 * CSV files. Part of embscope.h. */
#ifndef EMB_IO_H
#define EMB_IO_H

#include "emb_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- .npy */
/* NumPy .npy format versions 1.0, 2.0 (and 3.0 headers), C order only.
 * Readers check the header against the file size; writers are atomic. */
typedef enum { EMB_DT_F32 = 0, EMB_DT_F16, EMB_DT_U8, EMB_DT_I32 } emb_dtype;

typedef struct {
    emb_dtype dtype;
    int ndim;              /* 0..8 */
    int64_t shape[8];
    int64_t count;         /* product of shape */
    const void *data;      /* count elements, little-endian; inside map or buf */
    void *map_;            /* private: mmap base (or NULL) */
    size_t map_len_;
    void *buf_;            /* private: malloc'd copy (or NULL) */
} emb_npy;

/* Open a .npy file; with use_mmap the data stays mapped (read-only) until
 * emb_npy_close. Returns EMB_OK, EMB_E_IO, EMB_E_FORMAT (names the reason),
 * EMB_E_UNSUPPORTED (Fortran order, other dtypes), EMB_E_NOMEM. */
emb_status emb_npy_open(const char *path, bool use_mmap, emb_npy *out);
void emb_npy_close(emb_npy *a);   /* zeroed or closed is a no-op */
/* Parse a .npy held in memory (for fuzzing and embedded data); data points
 * into buf, which the caller keeps alive. */
emb_status emb_npy_parse(const void *buf, size_t len, const char *name, emb_npy *out);

/* Load a 2-D (or 1-D as n x 1) f32/f16/u8/i32 array as float32 (values as
 * stored: u8 is not scaled). *out is allocated; free with emb_matf_free. */
emb_status emb_npy_load_f32(const char *path, emb_matf *out);

/* A .npy of vectors as float32 without a copy where the file allows it:
 * a 2-D (or 1-D, as n x 1) little-endian float32 array is memory-mapped
 * (pages read from the page cache, not held twice; a caller that writes to
 * m.data gets private copies of the pages it writes, the file is never
 * changed); any other dtype is converted into memory as emb_npy_load_f32
 * does. Close with emb_npy_vectors_close, never emb_matf_free. */
typedef struct {
    emb_matf m;
    bool mapped;           /* m.data (or m.half) points into the file's mapping */
    void *map_;            /* private */
    size_t map_len_;
} emb_npy_vectors;
emb_status emb_npy_vectors_open(const char *path, emb_npy_vectors *out);
/* The same; with keep_f16 a little-endian float16 file is mapped as it is
 * (m.half set, m.data NULL: see emb_matf) instead of converted to float32. */
emb_status emb_npy_vectors_open_ex(const char *path, bool keep_f16, emb_npy_vectors *out);
void emb_npy_vectors_close(emb_npy_vectors *v);   /* zeroed is a no-op */

/* Write a C-order array, format 1.0 (2.0 when the header needs it). */
emb_status emb_npy_write(const char *path, emb_dtype dtype, const void *data,
                         int ndim, const int64_t *shape);
emb_status emb_npy_write_f32(const char *path, const float *data, int64_t rows, int64_t cols);

/* ---------------------------------------------------------------- images */
/* A decoded image, always 8-bit RGB as Pillow's Image.open(f).convert("RGB")
 * gives it (grayscale replicated, alpha dropped, CMYK converted, palette
 * expanded, 16-bit reduced to its high byte), plus the alpha channel, when
 * the file has one (or a transparent colour), for emb_image_composite. */
typedef struct {
    uint8_t *rgb;          /* (h, w, 3) */
    uint8_t *alpha;        /* (h, w) opacity 0 (transparent) .. 255, as Pillow's
                              convert("RGBA"); NULL when the file has no alpha */
    int w, h;
    int src_channels;      /* channels in the file: 1 gray, 2 gray+alpha, 3, 4 */
    int full_w, full_h;    /* size in the file (differs from w, h after a scaled decode) */
    int orientation;       /* EXIF orientation 1..8 (JPEG), 1 or 0 = as stored; the
                              pixels are as stored until emb_image_orient */
} emb_image;

#define EMB_IMAGE_MAX_PIXELS (1ll << 28)  /* 268 M pixels: refuse larger */

/* Decode JPEG, PNG, WebP, BMP, TIFF (first page), GIF (first frame), PNM,
 * AVIF or HEIC/HEIF from memory (format from the magic bytes, not the name).
 * name is used in messages. On success *out owns its buffers (free with
 * emb_image_free); on failure *out is empty. Returns EMB_E_FORMAT for
 * corrupt data, EMB_E_UNSUPPORTED for a valid file of a kind not handled
 * (animated WebP, float TIFF samples), EMB_E_NOMEM. Thread-safe. */
emb_status emb_image_decode(const void *buf, size_t len, const char *name, emb_image *out);
emb_status emb_image_load(const char *path, emb_image *out);
/* As emb_image_decode / emb_image_load, but a JPEG whose shorter side is at
 * least 2 * min_side is decoded with libjpeg-turbo's DCT scaling (factor
 * M/8) to the smallest size whose shorter side is still >= min_side: much
 * faster for large photos, pixels close to but not equal to a full decode
 * followed by a resize. Other formats, and min_side <= 0, decode at full size. */
emb_status emb_image_decode_scaled(const void *buf, size_t len, const char *name, int min_side, emb_image *out);
emb_status emb_image_load_scaled(const char *path, int min_side, emb_image *out);
void emb_image_free(emb_image *img);   /* zeroed or freed is a no-op */
/* True when img has an alpha channel with a pixel below 255. */
bool emb_image_has_transparency(const emb_image *img);
/* Composite img over the colour bg (RGB) and drop its alpha:
 * rgb = round((rgb * a + bg * (255 - a)) / 255), exactly as Pillow's
 * Image.new("RGB", size, bg).paste(im, mask=alpha). No-op without alpha. */
void emb_image_composite(emb_image *img, const uint8_t bg[3]);
/* Apply img->orientation (rotate / mirror rgb and alpha, swap w and h for
 * 5-8) as Pillow's ImageOps.exif_transpose, and set it to 1. EMB_E_NOMEM. */
emb_status emb_image_orient(emb_image *img);
/* "white", "black", "gray"/"grey" or "#rrggbb" -> rgb. EMB_E_INVALID else. */
emb_status emb_color_parse(const char *s, uint8_t rgb[3]);
#define EMB_ALPHA_BACKGROUND_DEFAULT "white"

/* Encode RGB8 as PNG or JPEG into a malloc'd buffer (thumbnails, tests). */
emb_status emb_image_encode_png(const uint8_t *rgb, int w, int h, int channels,
                                unsigned char **out, size_t *out_len);
emb_status emb_image_encode_jpeg(const uint8_t *rgb, int w, int h, int channels,
                                 int quality, unsigned char **out, size_t *out_len);

/* ---------------------------------------------------------------- IDX */
/* IDX (MNIST) arrays: u8 only; ndim 1 (labels) or 3 (images). Raw or gzip. */
typedef struct {
    uint8_t *data;         /* (dims[0], dims[1], ...) */
    int ndim;
    int64_t dims[4];
} emb_idx;
emb_status emb_idx_load(const char *path, emb_idx *out);
emb_status emb_idx_parse(const void *buf, size_t len, const char *name, emb_idx *out);
void emb_idx_free(emb_idx *a);

/* ---------------------------------------------------------------- datasets */
typedef enum { EMB_SPLIT_NONE = 0, EMB_SPLIT_TRAIN, EMB_SPLIT_VALID, EMB_SPLIT_TEST } emb_split;
const char *emb_split_name(emb_split s);      /* "", "train", "valid", "test" */
emb_split emb_split_parse(const char *s);     /* unknown -> EMB_SPLIT_NONE */

typedef enum { EMB_SOURCE_IDX = 1, EMB_SOURCE_FOLDER, EMB_SOURCE_VECTORS } emb_source;

/* Annotations that could not be used (annotation_issues.csv): the file, where
 * in it (an annotation id, a line, an object), and the reason. */
typedef struct {
    int64_t n, cap;
    char **file;           /* (n) annotation file (or image) */
    char **where;          /* (n) "annotation 17", "line 3", "object 2", ... */
    char **reason;         /* (n) */
} emb_annot_issues;
emb_status emb_annot_issues_add(emb_annot_issues *a, const char *file, const char *where, const char *reason);
void emb_annot_issues_free(emb_annot_issues *a);
/* annotation_issues.csv: file,where,reason */
emb_status emb_annot_issues_write(const char *path, const emb_annot_issues *a);

/* The items of a dataset. Item i has a path (file path, or
 * "<images file>#<index>" for IDX), a split and a label. */
typedef struct {
    emb_source source;
    int64_t n;
    char **path;           /* (n) */
    uint8_t *split;        /* (n) emb_split */
    int32_t *label;        /* (n) class index into class_names, -1 = none */
    char **class_names;    /* (n_classes) */
    int32_t n_classes;
    /* IDX only: the images, (n, img_h, img_w) u8 */
    uint8_t *pixels;
    int img_h, img_w;
    /* VECTORS only: the file the vectors come from */
    char *vectors_path;
    /* filled by emb_dataset_apply_embedding (the embed stage; the embedders
     * themselves leave ds alone): hash of each item's decoded pixels
     * (XXH3-64 of w, h and the RGB bytes; IDX: of the gray bytes), 0 = unknown */
    uint64_t *pixel_hash;  /* (n) or NULL */
    int32_t *img_w_src, *img_h_src;  /* (n) decoded size, folders; or NULL */
    uint8_t *transparent;  /* (n) 1 = the file had transparent pixels (folders), or NULL */
    /* Images with alpha are composited over alpha_bg (RGB) when alpha_bg_set,
     * else over white, for pixel vectors, image checks and duplicate checks
     * (emb_dataset_image); CLIP composites only when alpha_bg_set and else
     * drops alpha, as convert("RGB"). Zeroed = the defaults; set by the
     * caller after emb_dataset_open (--alpha-background). */
    bool alpha_bg_set;
    uint8_t alpha_bg[3];
    /* detection exports (COCO, YOLO, Pascal VOC): item i is one box of an
     * image, path "<image>#box<k>" (k counts that image's boxes from 0, in
     * the annotation file's order); NULL when items are whole images */
    int32_t *box;          /* (n, 4) x, y, w, h of the crop in the image's pixels, margin included */
    /* how the items were found (summary.json's dataset.layout, .layout_reason) */
    const char *layout;    /* static: "idx", "flat", "class", "split-class", "recursive", "coco", "yolo", "voc", "vectors" */
    char *layout_reason;   /* owned; why that layout, in words */
    emb_annot_issues annot_issues;  /* annotations that were dropped, and why (never fatal) */
    char *labels_file;     /* --labels: the CSV the labels come from, or NULL */
    int64_t n_labels_unlisted;  /* --labels: items the CSV does not list (left unlabelled) */
} emb_dataset;

/* Folder layouts (emb_dataset_params.layout); AUTO detects one. */
typedef enum {
    EMB_LAYOUT_AUTO = 0,
    EMB_LAYOUT_FLAT,        /* DATA/<images>: unlabelled */
    EMB_LAYOUT_CLASS,       /* DATA/<class>/<images> */
    EMB_LAYOUT_SPLIT_CLASS, /* DATA/<split>/<class>/<images> */
    EMB_LAYOUT_RECURSIVE,   /* DATA/<class>/.../<images>, any depth */
    EMB_LAYOUT_COCO,        /* COCO JSON (images, annotations, categories): one item per box */
    EMB_LAYOUT_YOLO,        /* .../images/<f> with .../labels/<f>.txt (+ data.yaml names) */
    EMB_LAYOUT_VOC,         /* Pascal VOC: an .xml beside each image (or Annotations/ + JPEGImages/) */
} emb_layout;
const char *emb_layout_name(emb_layout l);       /* "auto", "flat", "class", "split-class", ... */
emb_layout emb_layout_parse(const char *s);      /* unknown -> -1 */

typedef struct {
    const char *class_names;   /* comma-separated names for IDX labels, or NULL */
    emb_layout layout;         /* folders: AUTO (default) or the layout to read */
    const char *labels_csv;    /* CSV of labels (path,label[,split] or one-hot), or NULL */
    bool unlabelled;           /* drop every label (folders that are not classes: dates, shoots) */
    double box_margin;         /* detection exports: crop margin, fraction of the box's
                                * width / height added on each side (default 0) */
    emb_progress progress;
} emb_dataset_params;
emb_dataset_params emb_dataset_default_params(void);

/* Open DATA: a folder of IDX files (train + t10k = splits train/test), an IDX
 * images file (labels found beside it), an image folder, a detection export,
 * or a .npy of vectors (with items.csv beside it, if present, for labels).
 * Image folders (src/io/scan.c; params->layout forces one): flat DATA/<files>
 * (unlabelled), DATA/<class>/<files>, DATA/<split>/<class>/<files>, or
 * recursive at any depth (label = the first folder, below a split folder);
 * images directly in DATA or a split folder are unlabelled (label -1); only
 * image extensions count (.jpg, .jpeg, .png, .webp, .bmp, .tif, .tiff, .gif,
 * .pnm, .pbm, .pgm, .ppm, .avif, .heic, .heif); symlinks are followed, each folder once (device +
 * inode); files sorted by path. Detection exports (COCO JSON, YOLO, Pascal
 * VOC; also DATA = a COCO .json) give one item per box (ds->box), problems
 * listed in ds->annot_issues, never fatal. params->labels_csv then replaces
 * the labels (labels_csv.c). ds->layout and ds->layout_reason say what was
 * found. Image files are listed, not decoded: unreadable ones are found by
 * the embed stage. Returns EMB_E_FORMAT when no item is found. */
emb_status emb_dataset_open(const char *path, const emb_dataset_params *params,
                            emb_dataset **out);
void emb_dataset_free(emb_dataset *ds);
/* ds->layout (for bindings that do not mirror the struct); NULL ds: NULL. */
const char *emb_dataset_layout(const emb_dataset *ds);
/* Detection exports: the distinct images behind ds's boxes as a dataset of
 * whole images (source FOLDER, ds->box NULL), one item per image file in the
 * order of its first box, split = its boxes' split, unlabelled (an image
 * holds boxes of many classes), ds's alpha background. Images without a box
 * (YOLO backgrounds) are not items of ds, so not of the view either. Embed
 * it like an image folder (emb_pixels_embed: one decode per image) for
 * duplicates and leakage between whole images. On success *out is
 * allocated (emb_dataset_free). EMB_E_INVALID when ds's items are not boxes. */
emb_status emb_dataset_whole_images(const emb_dataset *ds, emb_dataset **out);
/* For each box item i of boxes, the row of its image file in images (the
 * view above, possibly filtered by the embed stage): image_of (boxes->n),
 * caller-allocated, -1 where the image is not there. EMB_E_INVALID when
 * boxes has no boxes, EMB_E_NOMEM. */
emb_status emb_dataset_image_index(const emb_dataset *boxes, const emb_dataset *images, int64_t *image_of);
/* Item i as an RGB image (IDX: gray replicated; folders: decoded and
 * composited over emb_dataset_alpha_bg(ds), alpha freed; boxes: the box's
 * crop of its decoded, composited image, EMB_E_FORMAT when the crop falls
 * outside it). */
emb_status emb_dataset_image(const emb_dataset *ds, int64_t i, emb_image *out);
/* The background images with alpha are composited over: alpha_bg, or white. */
const uint8_t *emb_dataset_alpha_bg(const emb_dataset *ds);
/* Keep only items with keep[i] != 0, in order (emb_dataset_apply_embedding
 * uses it to drop the unreadable ones). */
emb_status emb_dataset_filter(emb_dataset *ds, const uint8_t *keep);
/* Class index for a name, adding it if new. */
int32_t emb_dataset_class(emb_dataset *ds, const char *name);

/* Files that could not be read, with the reason. */
typedef struct {
    int64_t n, cap;
    char **path;
    char **reason;
} emb_skipped;
emb_status emb_skipped_add(emb_skipped *s, const char *path, const char *reason);
void emb_skipped_free(emb_skipped *s);

/* ---------------------------------------------------------------- CSV */
/* RFC 4180 fields: quoted when they hold a comma, quote, CR or LF. */
void emb_csv_field(FILE *f, const char *s);
/* items.csv: index,path,split,label (label by name). */
emb_status emb_items_write(const char *path, const emb_dataset *ds);
/* Read items.csv into a dataset of source VECTORS (n rows). */
emb_status emb_items_read(const char *path, emb_dataset **out);
emb_status emb_skipped_write(const char *path, const emb_skipped *s);
/* Parse one CSV record from f into fields (malloc'd; free with
 * emb_csv_record_free). Returns 1 on a record, 0 at EOF, -1 on error. */
int emb_csv_read_record(FILE *f, char ***fields, int *n_fields);
void emb_csv_record_free(char **fields, int n_fields);

/* ---------------------------------------------------------------- summary.json */
/* A JSON document built by key paths ("classes.per_split.train"): each stage
 * adds its findings; written atomically. Keys are created as needed. */
typedef struct emb_summary emb_summary;
emb_summary *emb_summary_new(void);              /* NULL when out of memory */
void emb_summary_free(emb_summary *s);           /* NULL is a no-op */
emb_status emb_summary_set_number(emb_summary *s, const char *key_path, double v);
emb_status emb_summary_set_string(emb_summary *s, const char *key_path, const char *v);
emb_status emb_summary_set_bool(emb_summary *s, const char *key_path, bool v);
/* Parse json_text and store it at key_path (objects, arrays). */
emb_status emb_summary_set_json(emb_summary *s, const char *key_path, const char *json_text);
/* Number at key_path, or def when absent. */
double emb_summary_get_number(const emb_summary *s, const char *key_path, double def);
/* The whole document as text (caller frees) and as a file. */
char *emb_summary_print(const emb_summary *s);
emb_status emb_summary_write(const emb_summary *s, const char *path);
/* machine.cpu_model (Linux /proc/cpuinfo, else "unknown"), machine.simd_level
 * (the level the kernels ran at), machine.simd_detected (the CPU's) and
 * machine.simd_capped (EMB_CPU lowered it). */
emb_status emb_summary_add_machine(emb_summary *s);
/* Counts of the dataset: items, per class, per split, per split and class,
 * class imbalance ratio (largest / smallest class), skipped. */
emb_status emb_summary_add_dataset(emb_summary *s, const emb_dataset *ds, const emb_skipped *skipped);

#ifdef __cplusplus
}
#endif
#endif
