/* error.c - status strings and the per-thread error message (stb_image's
 * stbi__err pattern: format into a thread-local buffer, return the status). */
#include "core/internal.h"

#include <stdarg.h>

static _Thread_local char errbuf[512];

emb_status emb__fail(emb_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, sizeof errbuf, fmt, ap);
    va_end(ap);
    return st;
}

const char *emb_errmsg(void) { return errbuf; }

const char *emb_version(void) { return EMB_VERSION; }

const char *emb_status_str(emb_status st) {
    switch (st) {
    case EMB_OK: return "ok";
    case EMB_E_INVALID: return "invalid argument";
    case EMB_E_IO: return "i/o error";
    case EMB_E_FORMAT: return "file format error";
    case EMB_E_NOMEM: return "out of memory";
    case EMB_E_UNSUPPORTED: return "unsupported";
    case EMB_E_CANCELLED: return "cancelled";
    }
    return "unknown status";
}
