/* test_cli_formats.c - `embscope analyze` on an image folder in every new
 * format (BMP, TIFF, GIF, PNM) with transparent icons and a corrupt file,
 * checked file by file with Pillow + numpy (the script below):
 * - items.csv lists the .bmp .tif .tiff .gif .ppm .pgm .pbm files, the
 *   corrupt .tif is in skipped.csv with its reason, and so is a HEIC on
 *   which libheif 1.15 itself segfaults (tests/data/corrupt/: its grid is
 *   26725x27000, so decode_heif.c's side limit now refuses it, "larger than
 *   16384 pixels on a side"; before that limit it was decoded in a child
 *   process, "HEIC decoder crashed on ...") while the run goes on;
 * - summary.json: dataset.with_transparency = the 3 icons, dataset.skipped = 2;
 * - embeddings.npy: a plain file's row equals Pillow's convert("L") area
 *   mean (32 x 32 / 255) within 1e-6; the same icon at 64 and 40 px with
 *   different junk under its transparent pixels: cosine > 0.99 (composited
 *   over white), while Pillow's convert("RGB") (alpha dropped) gives < 0.95;
 * - --alpha-background black changes the icons' rows only; a bad colour
 *   is a usage error (exit 1).
 * Exits 77 when Pillow or numpy is missing. */
/* ctest-labels: unit */
#include "check.h"
#include "embscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *MAKE =
    "import sys\n"
    "import numpy as np\n"
    "from PIL import Image\n"
    "d = sys.argv[1]\n"
    "import os\n"
    "os.makedirs(d + '/icons'); os.makedirs(d + '/plain')\n"
    "rng = np.random.default_rng(5)\n"
    "def icon(s, junk):\n"
    "    y, x = (np.mgrid[0:s, 0:s] + 0.5) / s - 0.5\n"
    "    r = np.hypot(x, y); inside = (r < 0.3) & ~((abs(x) < 0.08) & (y < 0.1))\n"
    "    a = np.zeros((s, s, 4), np.uint8)\n"
    "    a[..., :3] = junk + rng.integers(0, 30, (s, s, 3))\n"
    "    a[inside] = (200, 30, 40, 255)\n"
    "    return Image.fromarray(a, 'RGBA')\n"
    "icon(64, 10).save(d + '/icons/big.png')\n"
    "icon(40, 220).save(d + '/icons/small.png')\n"
    "icon(48, 120).convert('RGB').quantize(16).save(d + '/icons/gif_trns.gif', transparency=0)\n"
    "g = lambda: Image.fromarray(rng.integers(0, 256, (37, 45, 3), dtype=np.uint8))\n"
    "g().save(d + '/plain/a.bmp'); g().save(d + '/plain/b.tif'); g().save(d + '/plain/c.tiff', compression='tiff_lzw')\n"
    "g().save(d + '/plain/d.ppm'); g().convert('L').save(d + '/plain/e.pgm'); g().convert('1').save(d + '/plain/f.pbm')\n"
    "g().quantize(30).save(d + '/plain/g.gif')\n"
    "open(d + '/plain/broken.tif', 'wb').write(b'II*\\x00\\x08\\x00\\x00\\x00junk')\n"
    "import shutil; shutil.copy(sys.argv[2], d + '/plain/crash.heic')\n";

static const char *CHECK_PY =
    "import csv, json, os, sys\n"
    "import numpy as np\n"
    "from PIL import Image\n"
    "d, out, out_black = sys.argv[1:4]\n"
    "s = json.load(open(out + '/summary.json'))['dataset']\n"
    "print('with_transparency', 3, s.get('with_transparency', -1))\n"
    "print('skipped', 2, s['skipped'])\n"
    "rows = list(csv.reader(open(out + '/items.csv', newline='')))[1:]\n"
    "paths = [r[1] for r in rows]\n"
    "print('items', 10, len(paths))\n"
    "for ext in ('.bmp', '.tif', '.tiff', '.gif', '.ppm', '.pgm', '.pbm', '.png'):\n"
    "    print('has' + ext, 1, int(any(p.endswith(ext) for p in paths)))\n"
    "sk = list(csv.reader(open(out + '/skipped.csv', newline='')))[1:]\n"
    "why = {os.path.basename(r[0]): r[1] for r in sk}\n"
    "print('skipped_is_broken', 1, int(len(sk) == 2 and 'TIFF' in why.get('broken.tif', '')))\n"
    "hw = why.get('crash.heic', '')\n"
    "print('skipped_heic_crashed', 1, int('HEIC decoder crashed on' in hw or 'too large' in hw or 'larger than 16384 pixels on a side' in hw))\n"
    "e = np.load(out + '/embeddings.npy'); eb = np.load(out_black + '/embeddings.npy')\n"
    "def ref(p):\n"
    "    a = np.asarray(Image.open(p).convert('L'), np.float64)\n"
    "    h, w = a.shape; k = np.kron(a, np.ones((32, 32)))\n"
    "    return (k.reshape(32, h, 32, w).mean((1, 3)) / 255).ravel()\n"
    "i = paths.index(d + '/plain/b.tif')\n"
    "print('plain_row_close', 1, int(np.abs(e[i] - ref(paths[i])).max() < 1e-6))\n"
    "cos = lambda u, v: float(u @ v / np.linalg.norm(u) / np.linalg.norm(v))\n"
    "b, sm = paths.index(d + '/icons/big.png'), paths.index(d + '/icons/small.png')\n"
    "print('icons_cos_gt_099', 1, int(cos(e[b], e[sm]) > 0.99))\n"
    "print('icons_cos_black_gt_099', 1, int(cos(eb[b], eb[sm]) > 0.99))\n"
    "print('icons_dropped_cos_lt_095', 1, int(cos(ref(paths[b]), ref(paths[sm])) < 0.95))\n"
    "print('black_changes_icons', 1, int(np.abs(e[b] - eb[b]).max() > 0.1))\n"
    "print('black_keeps_plain', 1, int(np.array_equal(e[i], eb[i])))\n"
    "sys.stderr.write('icons: cosine %.4f over white, %.4f over black, %.4f alpha dropped\\n' % (cos(e[b], e[sm]), cos(eb[b], eb[sm]), cos(ref(paths[b]), ref(paths[sm]))))\n";

static int run(const char *cmd) {
    int status;
    char *log = check_run(cmd, &status);
    if (status) fprintf(stderr, "%s\n%s\n", cmd, log ? log : "");
    free(log);
    return status;
}

int main(void) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s -c 'import numpy, PIL' 2>/dev/null", check_python());
    if (system(cmd) != 0) { fprintf(stderr, "SKIP: no numpy/PIL in %s\n", check_python()); return 77; }
    const char *t = check_tmpdir();
    char *mk = check_tmp_path("make.py"), *ck = check_tmp_path("check.py");
    CHECK(check_write_file(mk, MAKE, strlen(MAKE)) && check_write_file(ck, CHECK_PY, strlen(CHECK_PY)));
    snprintf(cmd, sizeof cmd, "%s '%s' '%s/data' '%s/corrupt/libheif115-segv.heic' 2>&1", check_python(), mk, t, TEST_DATA);
    CHECK_EQ(0, run(cmd));
    snprintf(cmd, sizeof cmd, "'%s' analyze '%s/data' -o '%s/out' --threads 2 -k 3 --map none 2>&1", EMB_BIN, t, t);
    CHECK_EQ(0, run(cmd));
    snprintf(cmd, sizeof cmd, "'%s' embed '%s/data' -o '%s/out_black' --threads 2 --alpha-background black 2>&1", EMB_BIN, t, t);
    CHECK_EQ(0, run(cmd));
    int status;
    snprintf(cmd, sizeof cmd, "'%s' embed '%s/data' -o '%s/out_bad' --alpha-background '#12345g' 2>&1", EMB_BIN, t, t);
    char *log = check_run(cmd, &status);
    CHECK_EQ(1, status);
    CHECK_CONTAINS(log ? log : "", "alpha-background");
    free(log);
    snprintf(cmd, sizeof cmd, "%s '%s' '%s/data' '%s/out' '%s/out_black' 2>&1", check_python(), ck, t, t, t);
    CHECK(check_ref_lines(cmd, "formats", false) >= 19);
    free(mk);
    free(ck);
    return check_exit();
}
