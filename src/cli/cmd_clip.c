/* cmd_clip.c - `embscope clip PIXELS.npy --model PATH`: CLIP vectors of
 * already preprocessed images (n, 3, S, S) float32, timed; `--gemm-peak`
 * measures the GEMM throughput the forward pass can reach. For benchmarks
 * and for comparing with other implementations on identical inputs. */
#include "cli.h"
#include "features/features.h"   /* emb_clip_gemm_gflops: a measuring hook, not public */

#include <stdlib.h>
#include <string.h>

/* OpenBLAS's; the program, not the library, sets the BLAS's threads. */
void openblas_set_num_threads(int n);

static const char *USAGE =
    "usage: embscope clip PIXELS.npy --model PATH [options]\n"
    "       embscope clip --gemm-peak [--precision P] [--threads N]\n"
    "\n"
    "Embed preprocessed images (a float32 .npy of shape (n, 3, S, S)) with a\n"
    "CLIP vision tower and print one JSON line with the timing.\n"
    "\n"
    "Options:\n"
    "  --model PATH      .safetensors weights (Hugging Face or OpenAI/OpenCLIP names)\n"
    "  --precision P     f32 (default) or bf16\n"
    "  --batch N         images per forward pass (default 32)\n"
    "  --repeat R        run R times, report the fastest (default 3)\n"
    "  --threads N       threads (default: all cores)\n"
    "  --out FILE        write the (n, dim) vectors as .npy\n"
    "  --gemm-peak       print the best GFLOP/s of the BLAS's SGEMM and of embscope's\n"
    "                    float32 and bf16 kernels (ViT-B MLP shape and a 2048 cube)\n"
    "\n"
    "The JSON says which SIMD level the kernels ran at (\"level\"); EMB_CPU=scalar|\n"
    "avx2|avx512|avx512bf16|amx caps it.\n";

enum { O_MODEL = 1, O_PREC, O_BATCH, O_REPEAT, O_THREADS, O_OUT, O_PEAK };

int cmd_clip(int argc, char **argv) {
    static const struct option longopts[] = {
        {"model", required_argument, 0, O_MODEL}, {"precision", required_argument, 0, O_PREC},
        {"batch", required_argument, 0, O_BATCH}, {"repeat", required_argument, 0, O_REPEAT},
        {"threads", required_argument, 0, O_THREADS}, {"out", required_argument, 0, O_OUT},
        {"gemm-peak", no_argument, 0, O_PEAK}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model = NULL, *out = NULL;
    emb_clip_params p = emb_clip_default_params();
    long v, repeat = 3;
    bool peak = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h': fputs(USAGE, stdout); return CLI_EXIT_OK;
        case O_MODEL: model = optarg; break;
        case O_OUT: out = optarg; break;
        case O_PEAK: peak = true; break;
        case O_PREC:
            if (!strcmp(optarg, "f32")) p.precision = EMB_CLIP_F32;
            else if (!strcmp(optarg, "bf16")) p.precision = EMB_CLIP_BF16;
            else return cli_usage_error("clip", "--precision: '%s' is not f32 or bf16", optarg);
            break;
        case O_BATCH: case O_REPEAT: case O_THREADS:
            if (!cli_parse_int(optarg, opt == O_THREADS ? 0 : 1, 4096, &v)) return cli_usage_error("clip", "bad number '%s'", optarg);
            if (opt == O_BATCH) p.batch = (int)v;
            else if (opt == O_REPEAT) repeat = v;
            else p.n_threads = (int)v;
            break;
        default: return cli_usage_error("clip", "unknown option");
        }
    }
    if (peak) {
        /* square-ish products like ViT-B's MLP at batch 32 and a large cube */
        const char *names[3] = {"sgemm_blas", "sgemm_embscope", "bf16_embscope"};
        if (p.n_threads > 0) openblas_set_num_threads(p.n_threads);
        printf("{\"level\": \"%s\", ", emb_cpu_level_name(emb_cpu_level_active()));
        for (int k = 0; k < 3; k++) {
            emb_clip_precision pr = k == 2 ? EMB_CLIP_BF16 : EMB_CLIP_F32;
            double g1 = emb_clip_gemm_gflops(pr, k == 0, 1600, 3072, 768, p.n_threads, 1.5);
            double g2 = emb_clip_gemm_gflops(pr, k == 0, 2048, 2048, 2048, p.n_threads, 1.5);
            printf("%s\"%s\": {\"gflops_1600x3072x768\": %.1f, \"gflops_2048_cube\": %.1f}", k ? ", " : "", names[k], g1, g2);
        }
        printf("}\n");
        return CLI_EXIT_OK;
    }
    if (optind + 1 != argc) return cli_usage_error("clip", "expected one PIXELS.npy argument");
    emb_npy a;
    emb_status st = emb_npy_open(argv[optind], false, &a);
    if (st) return cli_fail(st);
    emb_clip *m = NULL;
    if ((st = emb_clip_load(model, &p, &m))) { emb_npy_close(&a); return cli_fail(st); }
    emb_clip_info in = emb_clip_info_get(m);
    int rc = CLI_EXIT_OK;
    if (a.dtype != EMB_DT_F32 || a.ndim != 4 || a.shape[1] != 3 || a.shape[2] != in.image_size || a.shape[3] != in.image_size) {
        fprintf(stderr, "embscope clip: %s: expected float32 (n, 3, %d, %d)\n", argv[optind], in.image_size, in.image_size);
        rc = CLI_EXIT_INPUT;
        goto done;
    }
    int64_t n = a.shape[0];
    float *vec = malloc(sizeof(float) * (size_t)n * in.dim);
    emb_clip_ws *ws = emb_clip_ws_new(m, p.batch);
    if (!vec || !ws) { free(vec); emb_clip_ws_free(ws); rc = CLI_EXIT_FAIL; goto done; }
    double best = 1e30;
    for (long r = 0; r < repeat; r++) {
        double t0 = emb_now();
        emb_clip_embed(m, ws, a.data, n, vec);
        double dt = emb_now() - t0;
        if (dt < best) best = dt;
    }
    printf("{\"images\": %lld, \"batch\": %d, \"precision\": \"%s\", \"level\": \"%s\", \"gemm_kernel\": \"%s\", "
           "\"seconds\": %.4f, \"images_per_s\": %.2f, \"gflop_per_image\": %.3f, \"gflops\": %.1f}\n", (long long)n,
           p.batch, p.precision == EMB_CLIP_BF16 ? "bf16" : "f32", emb_cpu_level_name(emb_cpu_level_active()),
           emb_clip_gemm_kernel_name(p.precision), best, n / best, in.gflop, n * in.gflop / best);
    if (out && (st = emb_npy_write_f32(out, vec, n, in.dim))) rc = cli_fail(st);
    free(vec);
    emb_clip_ws_free(ws);
done:
    emb_clip_free(m);
    emb_npy_close(&a);
    return rc;
}
