/* test_cli_analyze.c - `embscope analyze` on the MNIST test set
 * (tests/data/mnist): summary.json's class and split counts against numpy's
 * bincount of the labels file, items.csv rows, embeddings.npy bit-equal to
 * numpy's (pixels / 255).astype(float32).
 * ref: numpy + json + csv (Debian python3) at test time; the script prints
 * "name expected got" lines that are asserted here. */
/* ctest-labels: slow */
#include "check.h"
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MNIST_DIR TEST_DATA "/mnist"

static const char *SCRIPT =
    "import csv, gzip, json, sys\n"
    "import numpy as np\n"
    "d, out = sys.argv[1], sys.argv[2]\n"
    "x = np.frombuffer(gzip.open(d + '/t10k-images-idx3-ubyte.gz').read(), np.uint8, offset=16).reshape(-1, 784)\n"
    "y = np.frombuffer(gzip.open(d + '/t10k-labels-idx1-ubyte.gz').read(), np.uint8, offset=8)\n"
    "s = json.load(open(out + '/summary.json'))\n"
    "ds = s['dataset']\n"
    "bc = np.bincount(y, minlength=10)\n"
    "print('items', len(y), ds['items'])\n"
    "print('n_classes', 10, ds['n_classes'])\n"
    "print('skipped', 0, ds['skipped'])\n"
    "for c in range(10):\n"
    "    print('class_%d' % c, bc[c], ds['classes'][str(c)])\n"
    "    print('test_class_%d' % c, bc[c], ds['classes_per_split']['test'][str(c)])\n"
    "print('split_test', len(y), ds['splits']['test'])\n"
    "print('imbalance_x1e6', round(bc.max() / bc.min() * 1e6), round(ds['class_imbalance_ratio'] * 1e6))\n"
    "print('has_embed_timing', 1, int(s['timings']['embed_s'] >= 0))\n"
    "rows = list(csv.reader(open(out + '/items.csv', newline='')))\n"
    "print('items_csv_rows', 10000, len(rows) - 1)\n"
    "print('items_csv_labels_equal', 1, int([int(r[3]) for r in rows[1:]] == y.tolist()))\n"
    "print('items_csv_split_test', 10000, sum(r[2] == 'test' for r in rows[1:]))\n"
    "e = np.load(out + '/embeddings.npy')\n"
    "print('emb_rows', 10000, e.shape[0]); print('emb_cols', 784, e.shape[1])\n"
    "print('emb_f32', 1, int(e.dtype == np.float32))\n"
    "ref = (x / 255).astype(np.float32)\n"
    "print('emb_bits_differ', 0, int((e.view(np.uint32) != ref.view(np.uint32)).sum()))\n"
    "m = s['machine']\n"
    "levels = ['scalar', 'avx2', 'avx512', 'avx512bf16', 'amx']\n"
    "print('simd_level_is_detected', 1, int(m['simd_level'] == m['simd_detected'] and not m['simd_capped']))\n"
    "print('simd_level_known', 1, int(m['simd_level'] in levels))\n"
    "print('cpu_model_given', 1, int(len(m['cpu_model']) > 0))\n";

int main(void) {
    FILE *f = fopen(MNIST_DIR "/t10k-images-idx3-ubyte.gz", "rb");
    if (!f) { fprintf(stderr, "FAIL: %s not found\n", MNIST_DIR); return 1; }
    fclose(f);
    const char *out = check_tmpdir();
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' analyze '%s' -o '%s' --threads 2 2>&1", EMB_BIN, MNIST_DIR, out);
    int status;
    char *log = check_run(cmd, &status);
    if (!CHECK_EQ(0, status)) fprintf(stderr, "%s\n", log ? log : "");
    free(log);
    char sp[600];
    snprintf(sp, sizeof sp, "%s/check.py", out);
    CHECK(check_write_file(sp, SCRIPT, strlen(SCRIPT)));
    snprintf(cmd, sizeof cmd, "%s '%s' '%s' '%s' 2>&1", check_python(), sp, MNIST_DIR, out);
    CHECK_EQ(36, check_ref_lines(cmd, "analyze", true));
    return check_exit();
}
