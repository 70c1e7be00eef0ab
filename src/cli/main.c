/* main.c - the embscope program: dispatch to a sub-command. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *what;
} command;

static const command COMMANDS[] = {
    {"analyze", cmd_analyze, "every stage on a dataset: vectors, neighbours, findings, clusters, map, report"},
    {"embed", cmd_embed, "compute vectors: items.csv, embeddings.npy, skipped.csv"},
    {"neighbors", cmd_neighbors, "k-nearest-neighbour graph of a .npy of vectors"},
    {"map", cmd_map, "2-D or 3-D map (UMAP, t-SNE, PCA) of a .npy of vectors"},
    {"cluster", cmd_cluster, "HDBSCAN or k-means clusters of a .npy of vectors: clusters.csv, clusters.json"},
    {"dups", cmd_dups, "duplicate groups and split leakage of a .npy of vectors"},
    {"report", cmd_report, "write OUT/report.html from the results in OUT"},
    {"search", cmd_search, "items of a results folder nearest to a text or an image (CLIP)"},
    {"clip", cmd_clip, "CLIP vectors of preprocessed images (.npy), timed"},
};
#define N_COMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static void usage(FILE *f) {
    fprintf(f, "embscope %s - see and clean an image dataset through embeddings\n\n"
               "usage: embscope COMMAND [options]   (embscope COMMAND --help for details)\n\n"
               "commands:\n", emb_version());
    for (size_t i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].what);
    fprintf(f, "  %-10s %s\n", "version", "print the version");
    fprintf(f, "\nExample: embscope analyze /usr/share/datasets/fashion-mnist -o out\n"
               "Exit status: 0 done, 1 usage error, 2 bad input, 3 other failure.\n"
               "Environment: EMB_CPU=scalar|avx2|avx512|avx512bf16|amx caps the SIMD kernels (default: the\n"
               "best the CPU has; 'embscope version' shows it).\n");
}

int main(int argc, char **argv) {
    if (argc < 2) { usage(stderr); return CLI_EXIT_USAGE; }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) { usage(stdout); return CLI_EXIT_OK; }
    /* EMB_CPU caps the kernels' SIMD level (src/core/cpu.c): a value the
     * library does not know is a usage error here, not a silent plain-C run. */
    const char *cap = getenv("EMB_CPU");
    emb_cpu_level lv;
    if (cap && *cap && !emb_cpu_level_parse(cap, &lv)) {
        fprintf(stderr, "embscope: EMB_CPU='%s' is not one of scalar, avx2, avx512, avx512bf16, amx\n", cap);
        return CLI_EXIT_USAGE;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("embscope %s (SIMD level %s, CPU has %s)\n", emb_version(), emb_cpu_level_name(emb_cpu_level_active()),
               emb_cpu_level_name(emb_cpu_level_detected()));
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(cmd, COMMANDS[i].name)) return COMMANDS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "embscope: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
