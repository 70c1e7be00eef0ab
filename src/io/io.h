/* io.h - helpers of the io stage shared inside src/. */
#ifndef EMB_IO_PRIVATE_H
#define EMB_IO_PRIVATE_H

#include "embscope.h"

/* The summary's cJSON root (cJSON *), for stages that add rich structures. */
void *emb__summary_cjson(emb_summary *s);
/* Store a cJSON item (ownership passes) at key_path. */
emb_status emb__summary_put(emb_summary *s, const char *key_path, void *item);

/* dataset.c: the accepted image extensions (one list, shared by every
 * reader); one more item (path owned by ds from now on, even on failure;
 * box (4) copied when ds->box is set); class indices renumbered in name order. */
bool emb__image_name(const char *name);
emb_status emb__dataset_add(emb_dataset *ds, char *path, emb_split sp, int32_t label, const int32_t *box);
emb_status emb__dataset_sort_classes(emb_dataset *ds);

/* scan.c: every regular file under root, symlinks followed, each directory
 * read once (device + inode: no loops; real folders before links to them),
 * hidden entries skipped, in sorted order (names sorted within each
 * directory, depth first). rel[i] is the path relative to root ("cat/1.jpg"). */
typedef struct { char **rel; int64_t n, cap; } emb__files;
emb_status emb__walk(const char *root, emb__files *out);
void emb__files_free(emb__files *f);
/* Open a folder dataset: detect (or take params->layout) and list items;
 * sets ds->layout and ds->layout_reason. */
emb_status emb__open_folder(const char *root, const emb_dataset_params *params, emb_dataset *ds);
/* First path component that names a split ("train/images/a.jpg" -> train). */
emb_split emb__path_split(const char *rel);

/* labels_csv.c: replace ds's labels (and splits, when a CSV has them) by
 * those of CSVs: path,label[,split] or a one-hot export (filename, c1, c2...). */
emb_status emb__labels_apply(emb_dataset *ds, const char *root, const char *const *csvs, int n_csv);

/* boxes.c: the items of detection exports. A reader announces an image,
 * then its boxes in pixels (x, y, w, h from the top-left corner); the sink
 * checks them, lists the bad ones in ds->annot_issues and adds the good
 * ones as items "<root>/<image>#box<k>". */
typedef struct {
    emb_dataset *ds;
    const char *root;        /* DATA */
    double margin;           /* fraction of w / h added on each side of the crop */
    bool no_files;           /* fuzzing: images are not looked for; sizes as given, else fixed_w x fixed_h */
    int fixed_w, fixed_h;
    /* the current image */
    char *image;             /* relative to root, or NULL when none is open */
    const char *ann_file;    /* the annotation file, relative to root (issues name it) */
    emb_split split;
    int w, h;                /* 0 = not known yet */
    int state;               /* 0 unchecked, 1 present, -1 missing or unreadable */
    int k;                   /* boxes added for this image */
    int64_t first;           /* its first item */
    int64_t n_boxes_seen, n_images;
} emb__boxes;
void emb__boxes_init(emb__boxes *b, emb_dataset *ds, const char *root, double margin);
/* Start an image (rel path from root; size 0 x 0 = read it from the file
 * when a box needs it). Ends the previous one. */
emb_status emb__boxes_image(emb__boxes *b, const char *ann_file, const char *image_rel, int w, int h, emb_split split);
/* One box of the current image; category NULL = unknown (listed). where says
 * where it is in the annotation file ("annotation 12", "line 3"). */
emb_status emb__boxes_add(emb__boxes *b, double x, double y, double w, double h, const char *category, const char *where);
/* An annotation of the current image that cannot be used: listed with the
 * image's name and the reason; it still takes its #box<k> number. */
emb_status emb__boxes_reject(emb__boxes *b, const char *where, const char *reason);
/* Size of the current image (reads the file's header if not known); false if missing or unreadable (listed). */
bool emb__boxes_size(emb__boxes *b, int *w, int *h);
emb_status emb__boxes_end(emb__boxes *b);   /* ends the current image (duplicate-box check) */
/* The crop box (x, y, w, h) of "<image>#box<k>": decoded and cut, or cut
 * from an image already decoded; the file of an item ("<image>", malloc'd). */
emb_status emb__box_image(const char *item_path, const int32_t *box, const uint8_t *bg, emb_image *out);
emb_status emb__box_crop(const emb_image *full, const char *item_path, const int32_t *box, emb_image *out);
/* The crop keeps rgb only: emb__box_image composites the decoded image over
 * bg (NULL: alpha dropped, as convert("RGB")) before cutting; callers that
 * crop themselves composite the full image once, first. True when the box's
 * part of full (clamped to the image) has a pixel with alpha below 255.
 * Boxes are in the stored pixels; a crop keeps full's EXIF orientation,
 * for emb_image_orient. */
bool emb__box_transparent(const emb_image *full, const int32_t *box);
char *emb__box_file(const char *item_path);
/* A box (x, y, w, h) in the stored pixels of a w x h image, in the pixels
 * of that image turned upright by EXIF orientation o as emb_image_orient
 * turns it (5..8 swap the sides). */
void emb__box_orient(int o, int w, int h, const int32_t *box, int32_t *out);
/* Items [first[g], first[g + 1]) share one image file: the boxes of a
 * detection export (consecutive in the dataset), to decode once per image;
 * one item per group otherwise. first holds n + 1; returns the groups. */
int64_t emb__file_groups(const emb_dataset *ds, int64_t *first);
bool emb__same_image(const emb_dataset *ds, int64_t i, int64_t k);   /* boxes of one image file */
/* An image's width and height from its header (JPEG, PNG, WebP), else from decoding it. */
emb_status emb__image_size(const char *path, int *w, int *h);
/* Read a whole file as it is (malloc'd, NUL-terminated; no gzip). */
emb_status emb__read_text(const char *path, char **buf, size_t *len);

/* coco.c, yolo.c, voc.c: the readers, on files in memory (fuzzed). */
emb_status emb__coco_parse(const char *text, size_t len, const char *json_rel, emb_split split, emb__boxes *b);
/* coco_segm.c: the box (x, y, w, h in pixels) of a COCO "segmentation"
 * (a cJSON *: polygons, or an RLE mask, compressed or not), its extent as
 * pycocotools gives it; img_w / img_h (0 = unknown) must match an RLE's size.
 * False with the reason in why (cap bytes) when it is malformed or empty. */
bool emb__coco_segm_box(const void *segmentation, int img_w, int img_h, double box[4], char *why, size_t cap);
/* YOLO names from data.yaml text: names[i] malloc'd (free each, then the array). */
emb_status emb__yolo_names(const char *text, size_t len, const char *name, char ***names, int *n_names);
/* yolo_yaml.c: data.yaml's "path" (NULL when absent) and what its train,
 * val (or valid) and test name (entry[k][0..n[k]), k = 0 train, 1 valid,
 * 2 test), as written. Free with emb__yolo_splits_free (also on failure). */
typedef struct { char *path; char **entry[3]; int n[3]; } emb__yolo_yaml_splits;
emb_status emb__yolo_splits_parse(const char *text, size_t len, const char *name, emb__yolo_yaml_splits *out);
void emb__yolo_splits_free(emb__yolo_yaml_splits *s);
/* yolo_splits.c: the split of each file f->rel[i] that data.yaml (at
 * yaml_rel under root) names, in split_of[i] (EMB_SPLIT_NONE: not named);
 * entries that name nothing, lie outside root or list missing images are
 * listed in iss. */
emb_status emb__yolo_splits_apply(const char *root, const char *yaml_rel, const emb__yolo_yaml_splits *ys,
                                  const emb__files *f, emb_split *split_of, emb_annot_issues *iss);
/* The label lines of the image emb__boxes_image opened (issues name its .txt);
 * names NULL: classes are their indices. */
emb_status emb__yolo_labels(const char *text, size_t len, char *const *names, int n_names, emb__boxes *b);
/* image_rel: the image beside the XML, or NULL for the XML's <filename> in img_dir_rel. */
emb_status emb__voc_parse(const char *text, size_t len, const char *xml_rel, const char *image_rel,
                          const char *img_dir_rel, emb_split split, emb__boxes *b);
/* Readers over DATA (the walk's files): detect, and read. */
bool emb__coco_detect(const char *root, const emb__files *f);
emb_status emb__coco_open(const char *root, const emb__files *f, emb__boxes *b);
bool emb__yolo_detect(const char *root, const emb__files *f);
emb_status emb__yolo_open(const char *root, const emb__files *f, emb__boxes *b);
bool emb__voc_detect(const char *root, const emb__files *f);
emb_status emb__voc_open(const char *root, const emb__files *f, emb__boxes *b);

#endif
