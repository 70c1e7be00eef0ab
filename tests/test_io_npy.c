/* test_io_npy.c - .npy read/write against numpy (Debian python3-numpy) run
 * at test time: numpy loads what embscope writes, embscope loads what numpy
 * writes (np.save, np.lib.format.write_array version 1.0 and 2.0), Fortran
 * order is refused, lying headers give EMB_E_FORMAT naming the file.
 * Also the f16 <-> f32 conversions against numpy's astype. */
/* ctest-labels: unit */
#include "check.h"
#include "embscope.h"
#include "core/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *py(const char *script) {
    /* the script goes through a file: no shell quoting to get wrong */
    char *sp = check_tmp_path("script.py");
    CHECK(check_write_file(sp, script, strlen(script)));
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd '%s' && %s '%s'", check_tmpdir(), check_python(), sp);
    int status;
    char *out = check_run(cmd, &status);
    free(sp);
    if (status != 0) { fprintf(stderr, "python failed:\n%s\n", out ? out : ""); free(out); return NULL; }
    return out;
}

/* embscope writes, numpy loads: numpy prints what it got. */
static void test_write(void) {
    enum { R = 37, C = 11 };
    float f32[R * C];
    uint16_t f16[R * C];
    uint8_t u8[300];
    int32_t i32[R * C];
    emb_rng rng;
    emb_rng_seed(&rng, 7);
    for (int i = 0; i < R * C; i++) {
        f32[i] = (float)(emb_rng_normal(&rng) * 1e3);
        f16[i] = emb__f32_to_f16((float)emb_rng_normal(&rng));
        i32[i] = (int32_t)emb_rng_next(&rng);
    }
    f32[0] = -0.0f; f32[1] = 1e-42f; f32[2] = 3.4e38f;
    for (int i = 0; i < 300; i++) u8[i] = (uint8_t)(i * 7);
    int64_t s2[2] = {R, C}, s1[1] = {300}, s0[1] = {0}, s3[3] = {2, 0, 5};
    char *p;
    CHECK(emb_npy_write_f32(p = check_tmp_path("w_f32.npy"), f32, R, C) == EMB_OK); free(p);
    CHECK(emb_npy_write(p = check_tmp_path("w_f16.npy"), EMB_DT_F16, f16, 2, s2) == EMB_OK); free(p);
    CHECK(emb_npy_write(p = check_tmp_path("w_u8.npy"), EMB_DT_U8, u8, 1, s1) == EMB_OK); free(p);
    CHECK(emb_npy_write(p = check_tmp_path("w_i32.npy"), EMB_DT_I32, i32, 2, s2) == EMB_OK); free(p);
    CHECK(emb_npy_write(p = check_tmp_path("w_f32_1d.npy"), EMB_DT_F32, f32, 1, s1) == EMB_OK); free(p);
    CHECK(emb_npy_write(p = check_tmp_path("w_empty.npy"), EMB_DT_F32, f32, 1, s0) == EMB_OK); free(p);
    CHECK(emb_npy_write(p = check_tmp_path("w_3d.npy"), EMB_DT_F32, f32, 3, s3) == EMB_OK); free(p);
    CHECK(emb_npy_write(p = check_tmp_path("w_scalar.npy"), EMB_DT_F32, f32 + 5, 0, s0) == EMB_OK); free(p);
    /* raw copies of what was meant, for numpy to compare against */
    CHECK(check_write_file(p = check_tmp_path("raw_f32"), f32, sizeof f32)); free(p);
    CHECK(check_write_file(p = check_tmp_path("raw_f16"), f16, sizeof f16)); free(p);
    CHECK(check_write_file(p = check_tmp_path("raw_u8"), u8, sizeof u8)); free(p);
    CHECK(check_write_file(p = check_tmp_path("raw_i32"), i32, sizeof i32)); free(p);
    char *out = py(
        "import numpy as np\n"
        "def chk(name, raw, dt, shape):\n"
        "    a = np.load(name, allow_pickle=False)\n"
        "    v = np.lib.format.read_magic(open(name, 'rb'))\n"
        "    want = np.fromfile(raw, dtype=dt)[:int(np.prod(shape))].reshape(shape)\n"
        "    ok = a.dtype == np.dtype(dt) and a.shape == tuple(shape) and a.flags.c_contiguous \\\n"
        "         and want.tobytes() == a.tobytes() and open(name,'rb').read(128).find(b'\\n') % 64 == 63\n"
        "    print(name, 'ok' if ok else 'BAD', '%d.%d' % v, a.dtype.str, a.shape)\n"
        "chk('w_f32.npy', 'raw_f32', '<f4', (37, 11))\n"
        "chk('w_f16.npy', 'raw_f16', '<f2', (37, 11))\n"
        "chk('w_u8.npy', 'raw_u8', '|u1', (300,))\n"
        "chk('w_i32.npy', 'raw_i32', '<i4', (37, 11))\n"
        "chk('w_f32_1d.npy', 'raw_f32', '<f4', (300,))\n"
        "chk('w_empty.npy', 'raw_f32', '<f4', (0,))\n"
        "chk('w_3d.npy', 'raw_f32', '<f4', (2, 0, 5))\n"
        "a = np.load('w_scalar.npy'); print('w_scalar.npy', 'ok' if a.shape == () and a.tobytes() == np.fromfile('raw_f32', '<f4')[5].tobytes() else 'BAD')\n"
        "a = np.load('w_f32.npy'); print('values', repr(float(a[0,0])), repr(float(a[0,2])), repr(float(a[36,10])))\n");
    if (!CHECK(out != NULL)) return;
    const char *names[] = {"w_f32.npy ok 1.0", "w_f16.npy ok 1.0", "w_u8.npy ok 1.0", "w_i32.npy ok 1.0",
                           "w_f32_1d.npy ok", "w_empty.npy ok", "w_3d.npy ok", "w_scalar.npy ok"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) CHECK_CONTAINS(out, names[i]);
    char *v = strstr(out, "values ");
    double a00 = 1, a02 = 0, alast = 0;
    if (CHECK(v && sscanf(v, "values %lf %lf %lf", &a00, &a02, &alast) == 3)) {
        CHECK(a00 == 0 && signbit(a00));
        CHECK_EQ(1, (float)a02 == 3.4e38f);
        CHECK_EQ(1, (float)alast == f32[R * C - 1]);
    }
    free(out);

    /* and back: embscope reads its own files, mapped and copied */
    for (int mm = 0; mm < 2; mm++) {
        emb_npy a;
        p = check_tmp_path("w_i32.npy");
        if (CHECK(emb_npy_open(p, mm, &a) == EMB_OK)) {
            CHECK_EQ(EMB_DT_I32, a.dtype);
            CHECK_EQ(2, a.ndim);
            CHECK_EQ(R * C, a.count);
            CHECK(!memcmp(a.data, i32, sizeof i32));
            emb_npy_close(&a);
        }
        free(p);
    }
    emb_matf m = {0};
    CHECK(emb_npy_load_f32(p = check_tmp_path("w_f16.npy"), &m) == EMB_OK); free(p);
    CHECK_EQ(R, m.rows);
    CHECK_EQ(C, m.cols);
    if (m.data) {
        float want[R * C];
        for (int i = 0; i < R * C; i++) want[i] = emb__f16_to_f32(f16[i]);
        CHECK_CLOSE_F32(want, m.data, R * C, 0, 0);
    }
    emb_matf_free(&m);
    /* writes are atomic: no temporary file is left behind */
    int st;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c tmp || true", check_tmpdir());
    char *cnt = check_run(cmd, &st);
    CHECK(cnt && atoi(cnt) == 0);
    free(cnt);
}

/* numpy writes, embscope loads: values from formulas exact in f16/f32. */
static void test_read(void) {
    char *out = py(
        "import numpy as np\n"
        "i = np.arange(6 * 7).reshape(6, 7)\n"
        "f32 = (i * 0.25 - 3).astype(np.float32)\n"
        "np.save('n_f32.npy', f32)\n"
        "np.save('n_f16.npy', (i * 0.5 - 7).astype(np.float16))\n"
        "np.save('n_u8.npy', (i * 6).astype(np.uint8))\n"
        "np.save('n_i32.npy', (i * -100003).astype(np.int32))\n"
        "np.save('n_f32_1d.npy', f32.ravel())\n"
        "with open('n_v1.npy', 'wb') as f: np.lib.format.write_array(f, f32, version=(1, 0))\n"
        "with open('n_v2.npy', 'wb') as f: np.lib.format.write_array(f, f32, version=(2, 0))\n"
        "with open('n_v3.npy', 'wb') as f: np.lib.format.write_array(f, f32, version=(3, 0))\n"
        "np.save('n_fortran.npy', np.asfortranarray(f32))\n"
        "np.save('n_f64.npy', f32.astype(np.float64))\n"
        "np.save('n_be.npy', f32.astype('>f4'))\n"
        "np.save('n_obj.npy', np.array([1, 'a'], dtype=object), allow_pickle=True)\n"
        "# a wide header: structured-looking shape is not needed; just check v2 magic\n"
        "print(np.lib.format.read_magic(open('n_v2.npy', 'rb')), np.lib.format.read_magic(open('n_f32.npy', 'rb')))\n"
        "# f16 conversions: numpy's astype is the reference (round to nearest even)\n"
        "rng = np.random.default_rng(5)\n"
        "x = np.concatenate([rng.standard_normal(4000).astype(np.float32) * np.float32(10) ** rng.integers(-9, 6, 4000).astype(np.float32),\n"
        "    np.array([0.0, -0.0, 65504, 65519.9, 65520, 1e9, -1e9, 6.1e-5, 5.96e-8, 2.98e-8, 2.99e-8, 1e-10, np.inf, -np.inf], np.float32)])\n"
        "with np.errstate(over='ignore'): h = x.astype(np.float16)\n"
        "x.tofile('conv_f32'); h.tofile('conv_f16')\n"
        "hb = np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32); hb.tofile('all_f16_as_f32')\n");
    if (!CHECK(out != NULL)) return;
    CHECK_CONTAINS(out, "(2, 0) (1, 0)");
    free(out);
    const char *files[] = {"n_f32.npy", "n_v1.npy", "n_v2.npy", "n_v3.npy", "n_f16.npy", "n_u8.npy", "n_i32.npy"};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char *p = check_tmp_path(files[k]);
        emb_matf m = {0};
        if (!CHECK(emb_npy_load_f32(p, &m) == EMB_OK)) { fprintf(stderr, "  %s: %s\n", files[k], emb_errmsg()); free(p); continue; }
        CHECK_EQ(6, m.rows);
        CHECK_EQ(7, m.cols);
        float want[42];
        for (int i = 0; i < 42; i++) {
            if (k <= 3) want[i] = i * 0.25f - 3;
            else if (k == 4) want[i] = i * 0.5f - 7;
            else if (k == 5) want[i] = (float)(uint8_t)(i * 6);
            else want[i] = (float)(i * -100003);
        }
        if (!CHECK_CLOSE_F32(want, m.data, 42, 0, 0)) fprintf(stderr, "  in %s\n", files[k]);
        emb_matf_free(&m);
        emb_npy a;
        if (CHECK(emb_npy_open(p, true, &a) == EMB_OK)) {
            CHECK_EQ(2, a.ndim);
            CHECK_EQ(6, a.shape[0]);
            CHECK_EQ(7, a.shape[1]);
            emb_npy_close(&a);
        }
        free(p);
    }
    /* emb_npy_vectors_open: float32 mapped in place (a write changes the
     * private copy of a page, never the file), other dtypes converted */
    const char *vfiles[] = {"n_f32.npy", "n_v2.npy", "n_f16.npy", "n_u8.npy", "n_f32_1d.npy"};
    for (int k = 0; k < 5; k++) {
        char *vp = check_tmp_path(vfiles[k]);
        emb_npy_vectors v;
        if (CHECK(emb_npy_vectors_open(vp, &v) == EMB_OK)) {
            CHECK_EQ(k < 2 || k == 4, v.mapped);
            CHECK_EQ(k == 4 ? 42 : 6, v.m.rows);
            CHECK_EQ(k == 4 ? 1 : 7, v.m.cols);
            float want = k == 2 ? 41 * 0.5f - 7 : k == 3 ? (float)(uint8_t)(41 * 6) : 41 * 0.25f - 3;
            CHECK_EQ(1, v.m.data[41] == want);
            v.m.data[41] = 1234.5f;
            emb_npy_vectors_close(&v);
            CHECK(v.m.data == NULL && !v.mapped);
            CHECK(emb_npy_vectors_open(vp, &v) == EMB_OK);
            CHECK_EQ(1, v.m.data[41] == want);   /* the file is as it was */
            emb_npy_vectors_close(&v);
        }
        free(vp);
    }
    char *p = check_tmp_path("n_fortran.npy");
    emb_npy_vectors fv;
    CHECK_EQ(EMB_E_UNSUPPORTED, emb_npy_vectors_open(p, &fv));
    free(p);
    emb_npy_vectors_close(NULL);
    p = check_tmp_path("n_f32_1d.npy");
    emb_npy a;
    if (CHECK(emb_npy_open(p, false, &a) == EMB_OK)) {
        CHECK_EQ(1, a.ndim);
        CHECK_EQ(42, a.shape[0]);
        float v;
        memcpy(&v, (const char *)a.data + 4 * 41, 4);
        CHECK_EQ(1, v == 41 * 0.25f - 3);
        emb_npy_close(&a);
    }
    free(p);
    /* refused: Fortran order, float64, big-endian, object arrays */
    const char *refused[] = {"n_fortran.npy", "n_f64.npy", "n_be.npy", "n_obj.npy"};
    for (int k = 0; k < 4; k++) {
        p = check_tmp_path(refused[k]);
        emb_status st = emb_npy_open(p, true, &a);
        if (!CHECK_EQ(EMB_E_UNSUPPORTED, st)) fprintf(stderr, "  %s: %s\n", refused[k], emb_errmsg());
        CHECK_CONTAINS(emb_errmsg(), p);
        free(p);
    }
    CHECK_CONTAINS((emb_npy_open(p = check_tmp_path("n_fortran.npy"), true, &a), emb_errmsg()), "Fortran");
    free(p);

    /* f16 <-> f32 against numpy */
    size_t nx, nh, nall;
    char *px = check_tmp_path("conv_f32"), *ph = check_tmp_path("conv_f16"), *pa = check_tmp_path("all_f16_as_f32");
    float *x = check_read_file(px, &nx), *all = check_read_file(pa, &nall);
    uint16_t *h = check_read_file(ph, &nh);
    if (CHECK(x && h && all && nx / 4 == nh / 2 && nall == 65536 * 4)) {
        size_t n = nx / 4, bad = 0, first = 0;
        for (size_t i = 0; i < n; i++) if (emb__f32_to_f16(x[i]) != h[i]) { if (!bad) first = i; bad++; }
        if (!CHECK_EQ(0, bad)) fprintf(stderr, "  f32_to_f16(%.9g) = 0x%04x, numpy 0x%04x\n", x[first], emb__f32_to_f16(x[first]), h[first]);
        bad = 0;
        for (uint32_t b = 0; b < 65536; b++) {
            float got = emb__f16_to_f32((uint16_t)b), want = all[b];
            bool same = isnan(want) ? isnan(got) : (memcmp(&got, &want, 4) == 0);
            if (!same) { if (!bad) first = b; bad++; }
        }
        if (!CHECK_EQ(0, bad)) fprintf(stderr, "  f16_to_f32(0x%04zx) = %.9g, numpy %.9g\n", first, emb__f16_to_f32((uint16_t)first), all[first]);
    }
    free(x); free(h); free(all); free(px); free(ph); free(pa);
}

/* A v1 .npy with the given dict text, padded, followed by data_len bytes. */
static size_t make_npy(unsigned char *buf, const char *dict, size_t data_len) {
    size_t k = strlen(dict), hlen = ((10 + k + 1 + 63) / 64) * 64 - 10;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = hlen & 0xff;
    buf[9] = (unsigned char)(hlen >> 8);
    memcpy(buf + 10, dict, k);
    memset(buf + 10 + k, ' ', hlen - k - 1);
    buf[10 + hlen - 1] = '\n';
    memset(buf + 10 + hlen, 0x3f, data_len);
    return 10 + hlen + data_len;
}

static void expect(emb_status want, const unsigned char *buf, size_t len, const char *name, int line) {
    char *p = check_tmp_path(name);
    CHECK(check_write_file(p, buf, len));
    emb_npy a;
    for (int mm = 0; mm < 2; mm++) {
        emb_status st = emb_npy_open(p, mm, &a);
        if (!CHECK_EQ(want, st)) fprintf(stderr, "  case %s (line %d): %s\n", name, line, emb_errmsg());
        if (st == EMB_OK) emb_npy_close(&a);
        else CHECK_CONTAINS(emb_errmsg(), p);
    }
    /* in memory too (the fuzz target's path) */
    emb_status st = emb_npy_parse(buf, len, name, &a);
    CHECK_EQ(want, st);
    if (st) CHECK_CONTAINS(emb_errmsg(), name);
    free(p);
}
#define EXPECT(want, buf, len, name) expect((want), (buf), (len), (name), __LINE__)

static void test_lying(void) {
    static unsigned char b[1 << 17];
    size_t n;
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 48);
    EXPECT(EMB_OK, b, n, "good.npy");
    EXPECT(EMB_E_FORMAT, b, n - 1, "short_by_one.npy");
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (30, 4), }", 48);
    EXPECT(EMB_E_FORMAT, b, n, "shape_larger.npy");
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (1125899906842624, 1125899906842624), }", 48);
    EXPECT(EMB_E_FORMAT, b, n, "shape_overflow.npy");
    /* a prefix product past 2^60 with a 0 after it: 0 elements, but the count
     * would not fit int64_t on the way (found by fuzz_npy) */
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (444181, 4488888888, 4881, 0), }", 0);
    EXPECT(EMB_E_FORMAT, b, n, "shape_prefix_overflow.npy");
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 0), }", 0);
    EXPECT(EMB_OK, b, n, "shape_zero.npy");
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, ), }", 48);
    EXPECT(EMB_E_FORMAT, b, n, "shape_huge.npy");
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, -4), }", 48);
    EXPECT(EMB_E_FORMAT, b, n, "shape_negative.npy");
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, }", 48);
    EXPECT(EMB_E_FORMAT, b, n, "shape_unclosed.npy");
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 48);
    EXPECT(EMB_E_UNSUPPORTED, b, n, "shape_9d.npy");
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, }", 48);
    EXPECT(EMB_E_FORMAT, b, n, "no_shape.npy");
    n = make_npy(b, "{'descr': 5, 'fortran_order': False, 'shape': (3, 4), }", 48);
    EXPECT(EMB_E_FORMAT, b, n, "descr_number.npy");
    n = make_npy(b, "{'descr': '<f4, 'fortran_order': False, 'shape': (3, 4), }", 48);
    EXPECT(EMB_E_UNSUPPORTED, b, n, "descr_unclosed.npy");  /* reads "<f4, " as a dtype */
    n = make_npy(b, "{'descr': '<f4", 0);
    EXPECT(EMB_E_FORMAT, b, n, "descr_cut.npy");
    n = make_npy(b, "{'descr': '<c8', 'fortran_order': False, 'shape': (3, 4), }", 96);
    EXPECT(EMB_E_UNSUPPORTED, b, n, "descr_complex.npy");
    n = make_npy(b, "{'fortran_order': False, 'shape': (3, 4), }", 48);
    EXPECT(EMB_E_FORMAT, b, n, "no_descr.npy");
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (3, 4), }", 48);
    EXPECT(EMB_E_FORMAT, b, n, "fortran_maybe.npy");
    n = make_npy(b, "{'descr': '<f4', 'shape': (3, 4), }", 48);
    EXPECT(EMB_E_FORMAT, b, n, "no_fortran.npy");
    /* header length beyond the file */
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 48);
    b[8] = 0xff; b[9] = 0xff;
    EXPECT(EMB_E_FORMAT, b, n, "hlen_beyond.npy");
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 48);
    EXPECT(EMB_E_FORMAT, b, 40, "cut_in_header.npy");
    EXPECT(EMB_E_FORMAT, b, 9, "cut_in_prefix.npy");
    EXPECT(EMB_E_FORMAT, b, 0, "zero_bytes.npy");
    /* v2 with a 4-byte length beyond the file (and beyond 4 GiB) */
    memcpy(b, "\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12);
    EXPECT(EMB_E_FORMAT, b, 200, "v2_hlen_beyond.npy");
    EXPECT(EMB_E_FORMAT, b, 11, "v2_cut.npy");
    memcpy(b, "\x93NUMPY\x09\x00\x10\x00", 10);
    EXPECT(EMB_E_UNSUPPORTED, b, 200, "v9.npy");
    memcpy(b, "\x93NUMPZ\x01\x00\x10\x00", 10);
    EXPECT(EMB_E_FORMAT, b, 200, "bad_magic.npy");
    memcpy(b, "hello, world, this is a text file\n", 34);
    EXPECT(EMB_E_FORMAT, b, 34, "text.npy");
    /* a header with a NUL byte in it stops the dict text early */
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 48);
    b[20] = 0;
    EXPECT(EMB_E_FORMAT, b, n, "nul_in_header.npy");

    /* the dataset opener reports the same, with the path */
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (30, 4), }", 48);
    char *p = check_tmp_path("vectors_lying.npy");
    CHECK(check_write_file(p, b, n));
    emb_dataset *ds = NULL;
    CHECK_EQ(EMB_E_FORMAT, emb_dataset_open(p, NULL, &ds));
    CHECK_CONTAINS(emb_errmsg(), p);
    emb_matf m = {0};
    CHECK_EQ(EMB_E_FORMAT, emb_npy_load_f32(p, &m));
    CHECK(m.data == NULL);
    free(p);
    n = make_npy(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 2), }", 48);
    CHECK(check_write_file(p = check_tmp_path("vectors_3d.npy"), b, n));
    CHECK_EQ(EMB_E_FORMAT, emb_npy_load_f32(p, &m));
    CHECK_CONTAINS(emb_errmsg(), p);
    free(p);
}

int main(void) {
    test_write();
    test_read();
    test_lying();
    return check_exit();
}
