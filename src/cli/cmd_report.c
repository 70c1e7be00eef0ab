/* cmd_report.c - `embscope report OUT`: write OUT/report.html from the files
 * the other stages left in OUT (every one optional). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "usage: embscope report OUT [options]\n"
    "\n"
    "Write OUT/report.html, one self-contained page (no network needed) with\n"
    "the 3D/2D map (coloured by class, split, duplicate group, score or\n"
    "cluster), thumbnails (boxes of a detection export: the crop, and when\n"
    "pinned the box drawn on its whole image), the clusters (from\n"
    "clusters.csv: size, purity, majority label and 8 representatives each,\n"
    "mixed clusters, split classes; noise drawn faint), duplicates, leakage,\n"
    "outliers, label issues, image findings and summary.json of the results\n"
    "in OUT. Every input file is optional: a missing one gives an empty panel\n"
    "(no clusters.csv: no Clusters panel; one that does not match items.csv:\n"
    "a note why). Past the size budget (--inline-max) the thumbnails and\n"
    "neighbours sit in OUT/report_files/ instead, loaded on demand: keep it\n"
    "beside the page.\n"
    "\n"
    "Options:\n"
    "  --title TEXT       page title (default: 'embscope report: <OUT>')\n"
    "  --thumb-size N     thumbnail side in px, 8..256 (default: 64 down to 28 as N grows)\n"
    "  --jpeg-quality N   sprite sheets' JPEG quality 1..100, 101 = PNG\n"
    "                     (default 80 up to 20,000 items, else 70)\n"
    "  --alpha-background C  thumbnails of images with transparency composited over\n"
    "                     C (white, black, gray or #rrggbb; default white)\n"
    "  --inline-max MB    size budget of the one-file page (default 100): past it the\n"
    "                     thumbnails' sprite sheets and the neighbours go to a folder\n"
    "                     beside the page (report.html -> report_files/), loaded on\n"
    "                     demand; the page still opens from disk with no server.\n"
    "                     0 = always use the folder\n"
    "  -o, --output FILE  the page (default OUT/report.html)\n"
    "      --threads N    worker threads (default: all cores)\n"
    "      --quiet        no progress on stderr\n"
    "  -h, --help         this help\n";

enum { OPT_TITLE = 1200, OPT_THUMB, OPT_QUALITY, OPT_ALPHA_BG, OPT_INLINE_MAX };

int cmd_report(int argc, char **argv) {
    cli_common c;
    cli_common_init(&c);
    emb_report_params rp = emb_report_default_params();
    static const struct option longopts[] = {CLI_COMMON_LONGOPTS, {"title", required_argument, 0, OPT_TITLE},
        {"thumb-size", required_argument, 0, OPT_THUMB}, {"jpeg-quality", required_argument, 0, OPT_QUALITY},
        {"alpha-background", required_argument, 0, OPT_ALPHA_BG}, {"inline-max", required_argument, 0, OPT_INLINE_MAX},
        {0, 0, 0, 0}};
    int opt;
    long v;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (opt == 'h') { fputs(USAGE, stdout); return CLI_EXIT_OK; }
        if (opt == OPT_TITLE) { rp.title = optarg; continue; }
        if (opt == OPT_ALPHA_BG) {
            if (emb_color_parse(optarg, rp.alpha_background)) return cli_usage_error("report", "--alpha-background: %s", emb_errmsg());
            rp.alpha_background_set = true;
            continue;
        }
        if (opt == OPT_INLINE_MAX) {
            if (!cli_parse_int(optarg, 0, 1000000, &v)) return cli_usage_error("report", "--inline-max: '%s' is not in 0..1000000 (MB)", optarg);
            rp.inline_max_bytes = v ? (size_t)v * 1000 * 1000 : 1;
            continue;
        }
        if (opt == OPT_THUMB || opt == OPT_QUALITY) {
            long lo = opt == OPT_THUMB ? 8 : 1, hi = opt == OPT_THUMB ? 256 : 101;
            if (!cli_parse_int(optarg, lo, hi, &v)) return cli_usage_error("report", "'%s' is not in %ld..%ld", optarg, lo, hi);
            if (opt == OPT_THUMB) rp.thumb_size = (int)v;
            else rp.jpeg_quality = (int)v;
            continue;
        }
        int r = cli_common_opt(&c, opt, optarg);
        if (r <= 0) return r < 0 ? CLI_EXIT_USAGE : cli_usage_error("report", "unknown option");
    }
    if (optind + 1 != argc) return cli_usage_error("report", "expected one OUT folder");
    cli_common_finish(&c);
    rp.n_threads = c.n_threads;
    rp.progress = c.progress;
    emb_analyze_params p = cli_params(&c);
    char path[4096];
    emb_status st = emb_stage_report(argv[optind], c.out_dir, &rp, &p, path, sizeof path);
    if (st) return cli_fail(st);
    if (!c.quiet) printf("%s\n", path);
    return CLI_EXIT_OK;
}
