/* abi.c - the library's binary interface as bindings check it at load time:
 * the ABI number and the size of each public struct a binding mirrors
 * (python/embscope/_lib.py declares the same structs with ctypes). */
#include "embscope.h"

#include <string.h>

int emb_abi_version(void) { return EMB_ABI_VERSION; }

size_t emb_abi_sizeof(const char *type_name) {
    static const struct { const char *name; size_t size; } SIZES[] = {
        {"emb_matf", sizeof(emb_matf)},
        {"emb_progress", sizeof(emb_progress)},
        {"emb_knn", sizeof(emb_knn)},
        {"emb_knn_params", sizeof(emb_knn_params)},
        {"emb_pca_params", sizeof(emb_pca_params)},
        {"emb_pca_model", sizeof(emb_pca_model)},
        {"emb_map_input_params", sizeof(emb_map_input_params)},
        {"emb_tsne_params", sizeof(emb_tsne_params)},
        {"emb_tsne_stats", sizeof(emb_tsne_stats)},
        {"emb_umap_params", sizeof(emb_umap_params)},
        {"emb_umap_info", sizeof(emb_umap_info)},
        {"emb_dataset_params", sizeof(emb_dataset_params)},
        {"emb_skipped", sizeof(emb_skipped)},
        {"emb_embedding", sizeof(emb_embedding)},
        {"emb_pixels_params", sizeof(emb_pixels_params)},
        {"emb_clip_params", sizeof(emb_clip_params)},
        {"emb_log", sizeof(emb_log)},
        {"emb_mpi_world", sizeof(emb_mpi_world)},
        {"emb_features_opts", sizeof(emb_features_opts)},
        {"emb_findings_opts", sizeof(emb_findings_opts)},
        {"emb_clusters_opts", sizeof(emb_clusters_opts)},
        {"emb_zeroshot_opts", sizeof(emb_zeroshot_opts)},
        {"emb_tsne_opts", sizeof(emb_tsne_opts)},
        {"emb_analyze_params", sizeof(emb_analyze_params)},
        {"emb_analyze_info", sizeof(emb_analyze_info)},
    };
    if (!type_name) return 0;
    for (size_t i = 0; i < sizeof SIZES / sizeof SIZES[0]; i++)
        if (!strcmp(SIZES[i].name, type_name)) return SIZES[i].size;
    return 0;
}
