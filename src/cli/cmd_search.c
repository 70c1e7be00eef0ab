/* cmd_search.c - `embscope search OUT "a red car"` / `--image FILE`: the
 * items of OUT/embeddings.npy nearest (cosine) to a text, embedded with the
 * CLIP text tower, or to an image, embedded with the image tower; as a
 * table or as JSON. The model: --model, or the one OUT/summary.json
 * records; its tokenizer: --tokenizer, or the files beside the model. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "usage: embscope search OUT TEXT... [options]\n"
    "       embscope search OUT --image FILE [options]\n"
    "\n"
    "The k items of OUT/embeddings.npy (made with --features clip) most similar\n"
    "to each TEXT (CLIP's text tower) or to an image FILE (its image tower), by\n"
    "cosine similarity; paths and labels from OUT/items.csv. Prints a table, or\n"
    "with --json one JSON document: [{\"query\", \"results\": [{\"rank\", \"index\",\n"
    "\"similarity\", \"path\", \"label\"}]}].\n"
    "\n"
    "Options:\n"
    "  --model PATH        CLIP weights with a text tower (default: parameters.model\n"
    "                      of OUT/summary.json, the model OUT was made with)\n"
    "  --tokenizer PATH    tokenizer.json, vocab.json + merges.txt, or OpenAI's\n"
    "                      bpe_simple_vocab_16e6.txt.gz, or their folder (default:\n"
    "                      the model's folder)\n"
    "  --image FILE        query by an image instead of text\n"
    "  -k N                results per query (default 10)\n"
    "  --json              JSON instead of a table\n"
    "  --precision P       f32 (default) or bf16\n"
    "      --threads N    worker threads (default: all cores)\n"
    "  -h, --help         this help\n";

static void json_str(const char *s) {
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else if (*p < 0x20) printf("\\u%04x", *p);
        else putchar(*p);
    }
    putchar('"');
}

static const char *label_of(const emb_dataset *ds, int64_t i) {
    if (!ds || i >= ds->n || ds->label[i] < 0 || ds->label[i] >= ds->n_classes) return "";
    return ds->class_names[ds->label[i]];
}

static void print_results(const char *query, const emb_knn *r, int64_t q, const emb_dataset *ds, bool json, bool first) {
    if (json) {
        printf("%s\n  {\"query\": ", first ? "" : ",");
        json_str(query);
        printf(", \"results\": [");
    } else printf("%s%s\n%4s %8s %10s  %-12s %s\n", first ? "" : "\n", query, "rank", "index", "similarity", "label", "path");
    for (int j = 0; j < r->k; j++) {
        int32_t i = r->idx[q * r->k + j];
        if (i < 0) break;
        double sim = 1.0 - r->dist[q * r->k + j];
        const char *path = ds && i < ds->n ? ds->path[i] : "";
        if (json) {
            printf("%s\n    {\"rank\": %d, \"index\": %d, \"similarity\": %.7f, \"path\": ", j ? "," : "", j + 1, i, sim);
            json_str(path);
            printf(", \"label\": ");
            json_str(label_of(ds, i));
            printf("}");
        } else printf("%4d %8d %10.6f  %-12s %s\n", j + 1, i, sim, label_of(ds, i), path);
    }
    if (json) printf("\n  ]}");
}

int cmd_search(int argc, char **argv) {
    enum { OPT_MODEL = 1700, OPT_TOKENIZER, OPT_IMAGE, OPT_JSON, OPT_PRECISION, OPT_THREADS };
    static const struct option longopts[] = {{"model", required_argument, 0, OPT_MODEL}, {"tokenizer", required_argument, 0, OPT_TOKENIZER},
                                             {"image", required_argument, 0, OPT_IMAGE}, {"json", no_argument, 0, OPT_JSON},
                                             {"precision", required_argument, 0, OPT_PRECISION},
                                             {"threads", required_argument, 0, OPT_THREADS}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model = NULL, *tokenizer = NULL, *image = NULL;
    bool json = false;
    long k = 10, v;
    emb_clip_params cp = emb_clip_default_params();
    int opt;
    while ((opt = getopt_long(argc, argv, "hk:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h': fputs(USAGE, stdout); return CLI_EXIT_OK;
        case 'k': if (!cli_parse_int(optarg, 1, 100000, &k)) return cli_usage_error("search", "-k: '%s' is not in 1..100000", optarg); break;
        case OPT_MODEL: model = optarg; break;
        case OPT_TOKENIZER: tokenizer = optarg; break;
        case OPT_IMAGE: image = optarg; break;
        case OPT_JSON: json = true; break;
        case OPT_PRECISION:
            if (!strcmp(optarg, "f32")) cp.precision = EMB_CLIP_F32;
            else if (!strcmp(optarg, "bf16")) cp.precision = EMB_CLIP_BF16;
            else return cli_usage_error("search", "--precision: '%s' is not f32 or bf16", optarg);
            break;
        case OPT_THREADS:
            if (!cli_parse_int(optarg, 0, 4096, &v)) return cli_usage_error("search", "--threads: '%s' is not in 0..4096", optarg);
            cp.n_threads = (int)v;
            break;
        default: return cli_usage_error("search", "unknown option");
        }
    }
    if (optind >= argc) return cli_usage_error("search", "expected the results folder OUT");
    const char *out = argv[optind++];
    int n_text = argc - optind;
    if (image ? n_text != 0 : n_text < 1) return cli_usage_error("search", image ? "give TEXT or --image, not both" : "expected a TEXT or --image FILE");
    char *recorded = model ? NULL : emb_clip_results_model(out);
    if (!model && !(model = recorded)) {
        fprintf(stderr, "embscope search: %s/summary.json records no CLIP model (made with --features clip?): give --model PATH\n", out);
        return CLI_EXIT_USAGE;
    }
    char path[4096];
    emb_matf x = {0};
    emb_knn r = {0};
    emb_dataset *ds = NULL;
    int rc = CLI_EXIT_OK;
    snprintf(path, sizeof path, "%s/embeddings.npy", out);
    emb_status st = emb_npy_load_f32(path, &x);
    if (!st) st = emb_clip_search(&x, model, tokenizer, (const char *const *)(argv + optind), n_text, image, (int)k, &cp, &r);
    if (st) { rc = cli_fail(st); goto done; }
    snprintf(path, sizeof path, "%s/items.csv", out);
    if (emb_items_read(path, &ds) == EMB_OK && ds->n != x.rows) { emb_dataset_free(ds); ds = NULL; }
    if (json) printf("[");
    for (int64_t i = 0; i < r.n; i++) print_results(image ? image : argv[optind + i], &r, i, ds, json, i == 0);
    if (json) printf("\n]\n");
done:
    free(recorded);
    emb_knn_free(&r);
    emb_matf_free(&x);
    emb_dataset_free(ds);
    return rc;
}
