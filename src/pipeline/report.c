/* report.c - the report stage: report.html of the results in a folder, its
 * size and parts logged. */
#include "pipeline/pipeline.h"

#include <stdio.h>
#include <stdlib.h>

emb_status emb_stage_report(const char *dir, const char *html, const emb_report_params *rp,
                            const emb_analyze_params *p, char *path, size_t n) {
    double t0 = emb_now();
    emb_report_info info;
    char *def = html ? NULL : emb__out_path(dir, "report.html");
    if (!html && !def) return EMB_E_NOMEM;
    emb_status st = emb_report_write(dir, html ? html : def, rp, &info);
    if (!st) {
        emb__log(p, "report: %lld items, map %dD%s, %lld thumbnails (%d px, %d sheets), %.1f MB, %.2f s",
                 (long long)info.n_items, info.map_dims, info.map_is_pca ? " (PCA)" : "", (long long)info.n_thumbs,
                 info.thumb_size, info.n_sheets, info.bytes / 1e6, emb_now() - t0);
        if (info.n_files)
            emb__log(p, "report: past the page's size budget: %lld files (%.1f MB) in the folder beside it",
                     (long long)info.n_files, info.files_bytes / 1e6);
        if (path && n) snprintf(path, n, "%s", html ? html : def);
    }
    free(def);
    return st;
}
