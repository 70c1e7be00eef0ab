/* decode_bench.c - single-thread decode speed of emb_image_decode (to RGB,
 * alpha kept) on files held in memory: each file is decoded repeatedly for
 * at least 0.5 s; prints "NAME W H ms_per_image". Used by
 * bench/io/formats.py, which times Pillow's Image.open(BytesIO).convert("RGB")
 * on the same bytes. Build: cmake --build build --target bench_io_decode. */
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    for (int a = 1; a < argc; a++) {
        FILE *f = fopen(argv[a], "rb");
        if (!f) { perror(argv[a]); return 1; }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        unsigned char *buf = malloc((size_t)n);
        if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { fclose(f); return 1; }
        fclose(f);
        emb_image img;
        int reps = 0, w = 0, h = 0;
        double t0 = now(), t;
        do {
            if (emb_image_decode(buf, (size_t)n, argv[a], &img)) { fprintf(stderr, "%s\n", emb_errmsg()); return 1; }
            w = img.w;
            h = img.h;
            emb_image_free(&img);
            reps++;
        } while ((t = now() - t0) < 0.5);
        const char *base = strrchr(argv[a], '/');
        printf("%s %d %d %.3f\n", base ? base + 1 : argv[a], w, h, 1e3 * t / reps);
        free(buf);
    }
    return 0;
}
