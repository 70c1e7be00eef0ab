/* exif.c - the orientation (tag 0x0112 of IFD0, values 1..8) of an EXIF
 * block: a TIFF structure ("II*\0" / "MM\0*", offset of IFD0, 12-byte
 * entries), optionally after the "Exif\0\0" header that JPEG's APP1 segment
 * and some PNG eXIf / WebP EXIF writers put first (Pillow's Exif.load skips
 * it too). Shared by the JPEG, PNG and WebP decoders; TIFF files carry the
 * tag in their own IFD (decode_tiff.c reads it with libtiff). Untrusted:
 * every offset is checked against n. */
#include "io/decode.h"

#include <string.h>

int emb__exif_orientation(const unsigned char *t, size_t n) {
    if (n >= 6 && !memcmp(t, "Exif\0\0", 6)) { t += 6; n -= 6; }
    if (n < 8) return 1;
    bool le = t[0] == 'I' && t[1] == 'I';
    if (!le && !(t[0] == 'M' && t[1] == 'M')) return 1;
#define U16(q) (le ? (unsigned)(q)[0] | (unsigned)(q)[1] << 8 : (unsigned)(q)[0] << 8 | (q)[1])
#define U32(q) (le ? (size_t)(q)[0] | (size_t)(q)[1] << 8 | (size_t)(q)[2] << 16 | (size_t)(q)[3] << 24 \
                   : (size_t)(q)[0] << 24 | (size_t)(q)[1] << 16 | (size_t)(q)[2] << 8 | (q)[3])
    size_t ifd = U32(t + 4);
    if (ifd > n - 2) return 1;
    unsigned count = U16(t + ifd);
    for (unsigned k = 0; k < count && ifd + 2 + 12 * (size_t)(k + 1) <= n; k++) {
        const unsigned char *en = t + ifd + 2 + 12 * k;
        if (U16(en) == 0x0112 && U16(en + 2) == 3) {   /* SHORT */
            unsigned v = U16(en + 8);
            return v >= 1 && v <= 8 ? (int)v : 1;
        }
    }
#undef U16
#undef U32
    return 1;
}
