/* isolate_bench.c - the cost of decoding HEIC / AVIF in a child process
 * (src/io/isolate.c) against the same decoder in the process: each file is
 * decoded repeatedly for at least 0.5 s both ways, one thread; with
 * --ballast MB the process first allocates and touches that much memory, as
 * a run holding CLIP weights and vectors would (fork copies page tables):
 * with malloc (4 KiB pages), or with --ballast-big MB through
 * emb__alloc_big as embscope's own large buffers are (2 MiB pages when the
 * kernel gives them: one entry to copy per 2 MiB).
 * Prints "NAME W H ms_in_process ms_isolated", the fastest decode of each. Build:
 * cmake --build build --target bench_io_isolate. */
#include "io/decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* ms of the fastest of the decodes of buf by fn in at least 0.5 s, in the
 * process or in a child (the fastest: the machine is shared, and the load
 * of others only adds). */
static double time_decode(emb__decoder_fn fn, bool isolated, const unsigned char *buf, size_t n, const char *name,
                          int *w, int *h) {
    double t0 = now(), best = 1e30;
    do {
        emb_image img;
        double t1 = now();
        emb_status st = isolated ? emb__decode_isolated(fn, "bench", buf, n, name, &img) : fn(buf, n, name, &img);
        double t = now() - t1;
        if (st) { fprintf(stderr, "%s\n", emb_errmsg()); exit(1); }
        if (t < best) best = t;
        *w = img.w;
        *h = img.h;
        emb_image_free(&img);
    } while (now() - t0 < 0.5);
    return 1e3 * best;
}

int main(int argc, char **argv) {
    int a = 1;
    if (a + 1 < argc && (!strcmp(argv[a], "--ballast") || !strcmp(argv[a], "--ballast-big"))) {
        size_t mb = strtoul(argv[a + 1], NULL, 10);
        char *ballast = argv[a][9] ? emb__alloc_big(mb << 20, false) : malloc(mb << 20);
        if (!ballast) return 1;
        memset(ballast, 1, mb << 20);   /* resident, as real data is */
        a += 2;
    }
    for (; a < argc; a++) {
        size_t n;
        unsigned char *buf;
        if (emb__read_file(argv[a], 0, &buf, &n)) { fprintf(stderr, "%s\n", emb_errmsg()); return 1; }
        emb__decoder_fn fn = emb__is_avif(buf, n) ? emb__decode_avif : emb__is_heif(buf, n) ? emb__decode_heif : NULL;
        if (!fn) { fprintf(stderr, "%s: not AVIF or HEIC\n", argv[a]); return 1; }
        int w = 0, h = 0;
        double here = time_decode(fn, false, buf, n, argv[a], &w, &h);
        double child = time_decode(fn, true, buf, n, argv[a], &w, &h);
        const char *base = strrchr(argv[a], '/');
        printf("%s %d %d %.3f %.3f\n", base ? base + 1 : argv[a], w, h, here, child);
        free(buf);
    }
    return 0;
}
