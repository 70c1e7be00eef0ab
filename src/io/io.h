/* io.h - helpers of the io stage shared inside src/. */
#ifndef EMB_IO_PRIVATE_H
#define EMB_IO_PRIVATE_H

#include "embscope.h"

/* The summary's cJSON root (cJSON *), for stages that add rich structures. */
void *emb__summary_cjson(emb_summary *s);
/* Store a cJSON item (ownership passes) at key_path. */
emb_status emb__summary_put(emb_summary *s, const char *key_path, void *item);

#endif
