/* whole_images.c - emb_analyze_run on a detection export: duplicates and
 * split leakage between whole images, beside those between boxes. Two
 * splits that share a photo leak even when its boxes differ (other boxes,
 * another margin), and the box stages cannot see it. Each distinct image is
 * decoded once, as pixel vectors of the options' size and colour (whatever
 * the features are: the pixel copy criterion is the measured one, and the
 * images are few next to the boxes), with its own kNN graph:
 * images.csv, image_duplicates.csv, image_leakage.csv and summary.json's
 * whole_images.{count,skipped,duplicates,leakage}. */
#include "pipeline/pipeline.h"

#include <stdlib.h>
#include <string.h>

emb_status emb__stage_whole_images(const char *out_dir, const emb_analyze_params *p, const emb_dataset *ds, int k,
                                   emb_summary *s) {
    if (!ds->box) {
        const char *why = "the items are whole images already (not a detection export): "
                          "image_duplicates.csv and image_leakage.csv are for COCO, YOLO and VOC";
        emb__log(p, "whole images: left out (%s)", why);
        return emb_summary_set_string(s, "stages_left_out.whole_images", why);
    }
    double t0 = emb_now();
    emb_dataset *im = NULL;
    emb_embedding e = {0};
    emb_knn g = {0};
    emb_skipped skipped = {0};
    emb_status st = emb_dataset_whole_images(ds, &im);
    if (!st) {
        emb_pixels_params pp = p->features.pixels;
        pp.n_threads = p->n_threads;
        pp.progress = p->progress;
        st = emb_pixels_embed(im, &pp, &e, &skipped);
    }
    if (!st) st = emb_dataset_apply_embedding(im, &e);   /* images.csv lists the readable ones */
    const emb_matf x = e.vectors;
    if (!st) {
        char *path = emb__out_path(out_dir, "images.csv");
        st = path ? emb_items_write(path, im) : EMB_E_NOMEM;
        free(path);
    }
    if (!st) {
        emb_knn_params kp = emb_knn_default_params();
        kp.k = k < x.rows - 1 ? k : x.rows > 1 ? (int)(x.rows - 1) : 1;
        kp.n_threads = p->n_threads;
        kp.seed = p->seed;
        kp.progress = p->progress;
        st = emb_knn_build(&x, &kp, &g);
    }
    if (!st) {
        /* pixel vectors: the pixel thresholds (the box run's own only when it
         * ran on pixels too) and the image shape for the shift search */
        emb_analyze_params wa = *p;
        emb_findings_opts *a = &wa.findings;
        if (a->features && strcmp(a->features, "pixels")) a->dup_threshold = a->copy_threshold = -1;
        a->features = "pixels";
        a->img_w = a->img_h = p->features.pixels.size;
        a->img_c = p->features.pixels.color ? 3 : 1;
        static const emb__dups_outputs o = {"image_duplicates.csv", "image_leakage.csv", "whole_images", "whole images"};
        st = emb__stage_dups_write(out_dir, &wa, im, &x, &g, s, &o);
    }
    if (!st) {
        emb_summary_set_number(s, "whole_images.count", (double)im->n);
        emb_summary_set_number(s, "whole_images.skipped", (double)skipped.n);
        emb_summary_set_number(s, "whole_images.boxes", (double)ds->n);
        emb_summary_set_string(s, "whole_images.features", "pixels");
        emb_summary_set_number(s, "timings.whole_images_s", emb_now() - t0);
        emb__log(p, "whole images: %lld images of %lld boxes (%lld unreadable), %.2f s", (long long)im->n, (long long)ds->n,
                 (long long)skipped.n, emb_now() - t0);
    }
    emb_knn_free(&g);
    emb_embedding_free(&e);
    emb_skipped_free(&skipped);
    emb_dataset_free(im);
    return st;
}
