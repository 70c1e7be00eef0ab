/* files.c - the report's side folder. Past the size budget
 * (emb_report_params.inline_max_bytes) the sprite sheets and the neighbours
 * leave the page for "<page stem>_files/" beside it (report.html ->
 * report_files/, as a browser's "save page, complete" names it): the page
 * loads them on demand with <img> and <script> elements, which a page opened
 * from file:// may do with no server (fetch / XHR of file:// URLs may not).
 *
 * The folder is written under a temporary name and swapped in together with
 * the page (emb__report_files_commit before the page's own rename), so a
 * failed run leaves the previous page and folder as they were. Only files
 * this code writes (sheet-<K>.jpg|png, knn-<B>.js) are ever removed. */
#include "report/report.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "<dir>/<stem>_files" and "<stem>_files" for html_path "<dir>/<stem>.html". */
static emb_status folder_names(const char *html_path, char **final, char **rel) {
    const char *base = strrchr(html_path, '/');
    base = base ? base + 1 : html_path;
    size_t bl = strlen(base), dl = (size_t)(base - html_path);
    if (bl > 5 && !strcmp(base + bl - 5, ".html")) bl -= 5;
    else if (bl > 4 && !strcmp(base + bl - 4, ".htm")) bl -= 4;
    *final = emb__malloc(dl + bl + 7, "path");
    *rel = emb__malloc(bl + 7, "path");
    if (!*final || !*rel) { free(*final); free(*rel); *final = *rel = NULL; return EMB_E_NOMEM; }
    memcpy(*rel, base, bl);
    memcpy(*rel + bl, "_files", 7);
    memcpy(*final, html_path, dl);
    memcpy(*final + dl, *rel, bl + 7);
    return EMB_OK;
}

/* A name this code writes into the folder. */
static bool ours(const char *name) {
    if (!strncmp(name, "knn-", 4)) {
        size_t d = strspn(name + 4, "0123456789");
        return d > 0 && !strcmp(name + 4 + d, ".js");
    }
    if (strncmp(name, "sheet-", 6)) return false;
    size_t d = strspn(name + 6, "0123456789");
    return d > 0 && (!strcmp(name + 6 + d, ".jpg") || !strcmp(name + 6 + d, ".png"));
}

/* Remove our files from dir, then dir itself if that left it empty. */
static void remove_ours(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)))
        if (ours(e->d_name)) {
            char *p = emb_path_join(dir, e->d_name);
            if (p) unlink(p);
            free(p);
        }
    closedir(d);
    rmdir(dir);   /* fails, harmlessly, when the user keeps other files there */
}

/* EMB_OK when dir is absent or holds only our files; else EMB_E_IO naming
 * one of the others (the folder is the user's too: it is not replaced). */
static emb_status check_ours(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return EMB_OK;
    struct dirent *e;
    emb_status st = EMB_OK;
    while (!st && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !ours(e->d_name))
            st = emb__fail(EMB_E_IO, "%s: cannot replace it with the new report's files: it holds files of its own (%s)",
                           dir, e->d_name);
    closedir(d);
    return st;
}

emb_status emb__report_files_open(const char *html_path, emb__report_files *rf) {
    memset(rf, 0, sizeof *rf);
    emb_status st = folder_names(html_path, &rf->final, &rf->rel);
    if (!st && (st = check_ours(rf->final))) emb__report_files_free(rf);
    if (st) return st;
    size_t l = strlen(rf->final) + 32;
    if (!(rf->tmp = emb__malloc(l, "path"))) { emb__report_files_free(rf); return EMB_E_NOMEM; }
    snprintf(rf->tmp, l, "%s.tmp.%ld", rf->final, (long)getpid());
    remove_ours(rf->tmp);   /* a crashed run of the same pid number */
    if (mkdir(rf->tmp, 0777) != 0) {
        st = emb__fail(EMB_E_IO, "%s: cannot create the report's folder: %s", rf->tmp, strerror(errno));
        emb__report_files_free(rf);
    }
    return st;
}

FILE *emb__report_files_fopen(const emb__report_files *rf, const char *name) {
    char *p = emb_path_join(rf->tmp, name);
    FILE *f = p ? fopen(p, "wb") : NULL;
    if (!f) emb__fail(EMB_E_IO, "%s: cannot write: %s", p ? p : name, strerror(errno));
    free(p);
    return f;
}

emb_status emb__report_files_close(const emb__report_files *rf, const char *name, FILE *f) {
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) return emb__fail(EMB_E_IO, "%s/%s: write failed", rf->tmp, name);
    return EMB_OK;
}

emb_status emb__report_files_put(const emb__report_files *rf, const char *name, const void *data, size_t len,
                                 size_t *bytes) {
    FILE *f = emb__report_files_fopen(rf, name);
    if (!f) return EMB_E_IO;
    fwrite(data, 1, len, f);
    *bytes += len;
    return emb__report_files_close(rf, name, f);
}

emb_status emb__report_files_commit(emb__report_files *rf) {
    emb_status st = check_ours(rf->final);   /* again: files may have appeared meanwhile */
    if (st) return st;
    remove_ours(rf->final);
    if (rename(rf->tmp, rf->final) != 0)
        return emb__fail(EMB_E_IO, "%s: cannot replace it with the new report's files: %s", rf->final, strerror(errno));
    free(rf->tmp);
    rf->tmp = NULL;
    return EMB_OK;
}

void emb__report_files_free(emb__report_files *rf) {
    if (rf->tmp) remove_ours(rf->tmp);
    free(rf->tmp);
    free(rf->final);
    free(rf->rel);
    memset(rf, 0, sizeof *rf);
}

void emb__report_files_remove_stale(const char *html_path) {
    char *final = NULL, *rel = NULL;
    if (folder_names(html_path, &final, &rel)) return;
    remove_ours(final);
    free(final);
    free(rel);
}
