/* clip_embed.c - CLIP vectors for a dataset. Two pixel buffers: while the
 * OpenMP team runs the forward pass of batch b, one decoder thread decodes and
 * preprocesses batch b + 1 into the other buffer (and reads the files, so
 * disk waits are hidden too). When the team reaches a batch that is not
 * complete, it claims the remaining images itself, so a slow or starved
 * decoder never stalls the forward pass. When the GEMM threads already use
 * every core the decoder runs at SCHED_IDLE, so it only takes time they leave
 * idle and never preempts them; with a spare core it runs at normal priority.
 * On the 2-core test machine (ViT-B/32, 500 photos, quiet, 2 runs each) the
 * three are within noise: overlapped normal 19.6 / 20.4 s, SCHED_IDLE 20.9 /
 * 19.3 s, serial 20.1 / 19.9 s: the forward pass leaves little idle time on
 * 2 cores. Every image lands in its own slot and the batches are the same as
 * without overlap, so the vectors are bit-identical. Unreadable images are
 * skipped and listed as emb_pixels_embed does. */
#define _GNU_SOURCE   /* SCHED_IDLE */
#include "clip_internal.h"
#include "features/features.h"
#include "io/io.h"

#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* Message of the last error without the leading "path: ". */
static char *reason(const char *path) {
    const char *m = emb_errmsg();
    size_t pl = strlen(path);
    if (!strncmp(m, path, pl) && m[pl] == ':' && m[pl + 1] == ' ') m += pl + 2;
    return strdup(m);
}

typedef struct {
    float *px;        /* (batch, 3, S, S) */
    int64_t i0;
    int cnt, next, done;
} slot;

typedef struct {
    const emb_dataset *ds;
    emb_embedding *e;       /* the result: keep, hashes, sizes per item */
    int S, batch, min_side;
    size_t img;
    int64_t n;
    int nb;                 /* batches */
    char **why;
    slot sl[2];             /* batch b uses sl[b % 2] */
    int avail;              /* batches < avail are set up in their slot */
    bool stop;
    bool idle_prio;         /* decoder at SCHED_IDLE: the GEMM threads use every core */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} pipe_t;

/* Preprocess item j of the batch in s from its decoded image (st: the decode's status). */
static void finish_item(pipe_t *P, slot *s, int j, emb_status st, emb_image *im_) {
    const emb_dataset *ds = P->ds;
    emb_embedding *e = P->e;
    int64_t i = s->i0 + j;
    emb_image im = *im_;
    if (st == EMB_OK) {
        /* IDX: hash of the gray bytes, as emb_pixels_embed */
        if (ds->source == EMB_SOURCE_IDX)
            e->pixel_hash[i] = emb_pixels_hash(ds->pixels + (size_t)i * ds->img_w * ds->img_h, ds->img_w, ds->img_h, 1);
        else {
            e->pixel_hash[i] = emb_pixels_hash(im.rgb, im.w, im.h, 3);
            e->img_w_src[i] = im.full_w;
            e->img_h_src[i] = im.full_h;
        }
        st = emb_clip_preprocess(&im, P->S, NULL, s->px + (size_t)j * P->img);
        emb_image_free(&im);
    }
    if (st == EMB_OK) e->keep[i] = 1;
    else P->why[i] = reason(ds->path[i]);
}

/* Decode + preprocess items [j0, j1) of the batch in s (no lock held):
 * one item, or the boxes of one image, decoded once. */
static void do_items(pipe_t *P, slot *s, int j0, int j1) {
    const emb_dataset *ds = P->ds;
    emb_image im;
    /* folders: alpha dropped as convert("RGB") does (CLIP's reference
     * preprocessing), composited only when a background was chosen */
    if (!ds->box) {
        int64_t i = s->i0 + j0;
        emb_status st = ds->source == EMB_SOURCE_FOLDER ? emb_image_load_scaled(ds->path[i], P->min_side, &im)
                                                        : emb_dataset_image(ds, i, &im);
        if (st == EMB_OK && ds->source == EMB_SOURCE_FOLDER) {
            P->e->transparent[i] = emb_image_has_transparency(&im);
            if (ds->alpha_bg_set) emb_image_composite(&im, ds->alpha_bg);
        }
        finish_item(P, s, j0, st, &im);
        return;
    }
    /* boxes: the image decoded once, each box's transparency read, then
     * composited once (when a background was chosen) and cut */
    emb_image full;
    char *file = emb__box_file(ds->path[s->i0 + j0]);
    emb_status fs = file ? emb_image_load(file, &full) : emb__fail(EMB_E_NOMEM, "out of memory");
    free(file);
    if (fs == EMB_OK) {
        for (int j = j0; j < j1; j++) P->e->transparent[s->i0 + j] = emb__box_transparent(&full, ds->box + 4 * (s->i0 + j));
        if (ds->alpha_bg_set) emb_image_composite(&full, ds->alpha_bg);
    }
    char why[512];
    snprintf(why, sizeof why, "%s", fs ? emb_errmsg() : "");
    for (int j = j0; j < j1; j++) {
        int64_t i = s->i0 + j;
        emb_status st = fs ? emb__fail(fs, "%s", why) : emb__box_crop(&full, ds->path[i], ds->box + 4 * i, &im);
        finish_item(P, s, j, st, &im);
    }
    if (!fs) emb_image_free(&full);
}

/* Claim and process items of batch b until none is left unclaimed; the
 * boxes of one image in the batch are claimed together. */
static void work_on(pipe_t *P, int b) {
    slot *s = &P->sl[b % 2];
    for (;;) {
        pthread_mutex_lock(&P->mu);
        int j = s->next < s->cnt ? s->next++ : -1;
        while (j >= 0 && s->next < s->cnt && P->ds->box && emb__same_image(P->ds, s->i0 + j, s->i0 + s->next)) s->next++;
        int e = j >= 0 ? s->next : -1;
        pthread_mutex_unlock(&P->mu);
        if (j < 0) return;
        do_items(P, s, j, e);
        pthread_mutex_lock(&P->mu);
        if ((s->done += e - j) == s->cnt) pthread_cond_broadcast(&P->cv);
        pthread_mutex_unlock(&P->mu);
    }
}

static void *decoder(void *arg) {
    pipe_t *P = arg;
#ifdef SCHED_IDLE
    struct sched_param sp = {0};
    if (P->idle_prio) (void)sched_setscheduler(0, SCHED_IDLE, &sp);   /* this thread only (Linux); a hint */
#endif
    for (int b = 0; b < P->nb; b++) {
        pthread_mutex_lock(&P->mu);
        while (!P->stop && b >= P->avail) pthread_cond_wait(&P->cv, &P->mu);
        bool stop = P->stop;
        pthread_mutex_unlock(&P->mu);
        if (stop) break;
        work_on(P, b);
    }
    return NULL;
}

static void setup_slot(pipe_t *P, int b) {
    slot *s = &P->sl[b % 2];
    s->i0 = (int64_t)b * P->batch;
    s->cnt = (int)(P->n - s->i0 < P->batch ? P->n - s->i0 : P->batch);
    s->next = s->done = 0;
}

emb_status emb_clip_embed_dataset(const emb_dataset *ds, const emb_clip *m, const emb_clip_params *params,
                                  emb_embedding *out, emb_skipped *skipped) {
    emb_clip_params p = params ? *params : emb_clip_default_params();
    if (p.batch <= 0) p.batch = 32;
    memset(out, 0, sizeof *out);
    if (ds->source == EMB_SOURCE_VECTORS) return emb__fail(EMB_E_INVALID, "a vectors dataset has no images to embed");
    const int S = m->info.image_size, E = m->info.dim, nt = emb_threads_resolve(p.n_threads);
    pipe_t P;
    memset(&P, 0, sizeof P);
    P.ds = ds;
    P.e = out;
    P.S = S;
    P.batch = p.batch;
    P.img = (size_t)3 * S * S;
    P.n = ds->n;
    P.nb = (int)((ds->n + p.batch - 1) / p.batch);
    P.min_side = p.fast_decode ? EMB_CLIP_FAST_DECODE_FACTOR * S : 0;
    P.idle_prio = nt >= omp_get_num_procs();
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.cv, NULL);
    int64_t n = ds->n;
    emb_status st = emb__embedding_alloc(out, n, E, ds->source == EMB_SOURCE_FOLDER);
    if (st) {
        pthread_mutex_destroy(&P.mu);
        pthread_cond_destroy(&P.cv);
        return st;
    }
    emb_clip_ws *ws = emb_clip_ws_new(m, p.batch);
    size_t bufsz = sizeof(float) * P.img * (size_t)p.batch;
    P.sl[0].px = malloc(bufsz);
    P.sl[1].px = p.overlap ? malloc(bufsz) : P.sl[0].px;
    float *vec = malloc(sizeof(float) * (size_t)E * p.batch);
    int64_t *slot_item = malloc(sizeof(int64_t) * (size_t)p.batch);
    P.why = calloc((size_t)n, sizeof(char *));
    bool started = false;
    pthread_t th;
    if (!ws || !P.sl[0].px || !P.sl[1].px || !vec || !slot_item || !P.why) {
        st = emb__fail(EMB_E_NOMEM, "out of memory");
        goto done;
    }
    setup_slot(&P, 0);
    P.avail = 1;
    if (p.overlap && P.nb > 1) {
        setup_slot(&P, 1);
        P.avail = 2;
        started = pthread_create(&th, NULL, decoder, &P) == 0;   /* without it: no overlap, same result */
    }
    for (int b = 0; b < P.nb; b++) {
        slot *s = &P.sl[b % 2];
        if (!p.overlap && b > 0) setup_slot(&P, b);
        #pragma omp parallel num_threads(nt)
        work_on(&P, b);
        pthread_mutex_lock(&P.mu);
        while (s->done < s->cnt) pthread_cond_wait(&P.cv, &P.mu);
        pthread_mutex_unlock(&P.mu);
        int ok = 0;
        for (int j = 0; j < s->cnt; j++) {
            if (!out->keep[s->i0 + j]) continue;
            if (ok != j) memcpy(s->px + (size_t)ok * P.img, s->px + (size_t)j * P.img, sizeof(float) * P.img);
            slot_item[ok++] = s->i0 + j;
        }
        if (ok && (st = emb_clip_embed(m, ws, s->px, ok, vec))) goto done;
        for (int j = 0; j < ok; j++)
            memcpy(out->vectors.data + (size_t)slot_item[j] * E, vec + (size_t)j * E, sizeof(float) * (size_t)E);
        if (p.overlap && b + 2 < P.nb) {   /* this slot is free again: hand it batch b + 2 */
            pthread_mutex_lock(&P.mu);
            setup_slot(&P, b + 2);
            P.avail = b + 3;
            pthread_cond_broadcast(&P.cv);
            pthread_mutex_unlock(&P.mu);
        }
        if (p.progress.fn) emb_progress_report(&p.progress, "embed", (double)(s->i0 + s->cnt) / n, NULL);
    }
    st = emb__embed_finish(ds, out, P.why, skipped);
done:
    if (started) {
        pthread_mutex_lock(&P.mu);
        P.stop = true;
        pthread_cond_broadcast(&P.cv);
        pthread_mutex_unlock(&P.mu);
        pthread_join(th, NULL);
    }
    if (P.why) for (int64_t i = 0; i < n; i++) free(P.why[i]);
    free(P.why); free(slot_item); free(vec);
    if (P.sl[1].px != P.sl[0].px) free(P.sl[1].px);
    free(P.sl[0].px);
    emb_clip_ws_free(ws);
    pthread_mutex_destroy(&P.mu);
    pthread_cond_destroy(&P.cv);
    if (st) emb_embedding_free(out);
    return st;
}
