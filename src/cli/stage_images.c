/* stage_images.c - `embscope analyze` on a detection export: duplicates and
 * split leakage between whole images, beside those between boxes. Two
 * splits that share a photo leak even when its boxes differ (other boxes,
 * another margin), and the box stages cannot see it. Each distinct image is
 * decoded once, as pixel vectors of the options' size and colour (whatever
 * --features says: the pixel copy criterion is the measured one, and the
 * images are few next to the boxes), with its own kNN graph:
 * images.csv, image_duplicates.csv, image_leakage.csv and summary.json's
 * whole_images.{count,skipped,duplicates,leakage}. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static int left_out(emb_summary *s, const cli_common *c, const char *why) {
    emb_summary_set_string(s, "stages_left_out.whole_images", why);
    cli_log(c, "whole images: left out (%s)", why);
    return CLI_EXIT_OK;
}

int cli_whole_images_stage(const cli_common *c, const cli_features *f, const cli_analysis *a, const emb_dataset *ds,
                           int k, emb_summary *s) {
    if (!ds->box)
        return left_out(s, c, "the items are whole images already (not a detection export): "
                              "image_duplicates.csv and image_leakage.csv are for COCO, YOLO and VOC");
    double t0 = emb_now();
    emb_dataset *im = NULL;
    emb_matf x = {0};
    emb_knn g = {0};
    emb_skipped skipped = {0};
    int rc = CLI_EXIT_OK;
    emb_status st = emb_dataset_whole_images(ds, &im);
    if (!st) {
        emb_pixels_params pp = f->pixels;
        pp.n_threads = c->n_threads;
        pp.progress = c->progress;
        st = emb_pixels_embed(im, &pp, &x, &skipped);
    }
    char *p = NULL;
    if (!st) {
        p = cli_out_path(c, "images.csv");
        st = emb_items_write(p, im);
        free(p);
    }
    if (!st) {
        emb_knn_params kp = emb_knn_default_params();
        kp.k = k < x.rows - 1 ? k : x.rows > 1 ? (int)(x.rows - 1) : 1;
        kp.n_threads = c->n_threads;
        kp.seed = c->seed;
        kp.progress = c->progress;
        st = emb_knn_build(&x, &kp, &g);
    }
    if (st) { rc = cli_fail(st); goto done; }
    /* pixel vectors: the pixel thresholds (the box run's own only when it
     * ran on pixels too) and the image shape for the shift search */
    cli_analysis wa = *a;
    wa.features = "pixels";
    if (f->kind && strcmp(f->kind, "pixels")) wa.dup_threshold = wa.copy_threshold = -1;
    wa.img_w = wa.img_h = f->pixels.size;
    wa.img_c = f->pixels.color ? 3 : 1;
    static const cli_dups_outputs o = {"image_duplicates.csv", "image_leakage.csv", "whole_images", "whole images"};
    if ((rc = cli_dups_write(c, &wa, im, &x, &g, s, &o))) goto done;
    emb_summary_set_number(s, "whole_images.count", (double)im->n);
    emb_summary_set_number(s, "whole_images.skipped", (double)skipped.n);
    emb_summary_set_number(s, "whole_images.boxes", (double)ds->n);
    emb_summary_set_string(s, "whole_images.features", "pixels");
    emb_summary_set_number(s, "timings.whole_images_s", emb_now() - t0);
    cli_log(c, "whole images: %lld images of %lld boxes (%lld unreadable), %.2f s", (long long)im->n, (long long)ds->n,
            (long long)skipped.n, emb_now() - t0);
done:
    emb_knn_free(&g);
    emb_matf_free(&x);
    emb_skipped_free(&skipped);
    emb_dataset_free(im);
    return rc;
}
