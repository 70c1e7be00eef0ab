/* isolate.c - emb__decode_isolated: run one image decoder in a child
 * process (fork) and take its pixels back through a pipe, so that a decoder
 * library that crashes on a corrupt file costs that file, not the run.
 * Why: libheif 1.15 (Debian 12) writes out of bounds inside libheif.so on
 * some corrupt HEICs (fuzz/crashes/heif/); nothing a caller can check
 * beforehand prevents it. The child decodes with the same decoder as the
 * in-process path, so the pixels are the same bytes.
 *
 * Protocol, child -> parent: a fixed header (status, sizes, message length),
 * the message (failure) or the RGB plane then the alpha plane (success), then
 * the child exits 0. The parent trusts nothing it reads: the status must be
 * a known one, the sizes pass emb__image_dims, every byte announced must
 * arrive, and the child must exit 0. A child that dies by a signal (or, under
 * ASan, exits non-zero) before its last byte gives "<FORMAT> decoder crashed
 * on FILE"; one that sends nothing for ISOLATE_TIMEOUT_S is killed.
 *
 * The child closes every descriptor but its pipe and stdin/out/err, resets
 * crash signals to their defaults and writes no core file. A host program
 * that reaps all children itself (SIGCHLD ignored, or waitpid(-1) in a
 * handler) still gets correct pixels; a crash is then reported with an
 * exit status instead of its signal.
 *
 * Cost: one fork (page tables of the parent copied, pages shared copy on
 * write) and one pipe copy of the pixels per image; measured in
 * bench/io/RESULTS.md. POSIX only (fork, pipe, poll, waitpid). */
#include "io/decode.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A decode with no byte for this long is taken as hung (e.g. a lock held
 * by another thread at fork time): the child is killed. The largest image
 * accepted (EMB_IMAGE_MAX_PIXELS) decodes in well under this. */
#define ISOLATE_TIMEOUT_S 120

typedef struct {
    int32_t status, w, h, has_alpha, src_channels, full_w, full_h, orientation;
    uint32_t msg_len;   /* bytes of message that follow (failure only) */
} isolate_header;

/* ------------------------------------------------------------------ child */
static bool write_all(int fd, const void *p, size_t n) {
    const unsigned char *c = p;
    while (n) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return false;
        c += k;
        n -= (size_t)k;
    }
    return true;
}

/* Crash signals kill the child outright (no handler of a sanitizer or a
 * fuzzer's that would report the parent's input), and leave no core file. */
static void child_defaults(void) {
    static const int SIGS[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS, SIGPIPE};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (size_t k = 0; k < sizeof SIGS / sizeof SIGS[0]; k++) sigaction(SIGS[k], &sa, NULL);
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
}

/* Close every descriptor but stdin/out/err and fd: a child forked by one
 * thread must not hold the pipe of another thread's child, whose parent
 * sees that child's death only when every write end is closed. */
static void child_close_others(int fd) {
#ifdef SYS_close_range
    if (fd > 3) syscall(SYS_close_range, 3u, (unsigned)fd - 1, 0u);
    syscall(SYS_close_range, (unsigned)fd + 1, ~0u, 0u);
#else
    for (int k = 3; k < 1024; k++) if (k != fd) close(k);
#endif
}

static _Noreturn void child_run(emb__decoder_fn fn, const unsigned char *b, size_t len, const char *name, int fd) {
    child_defaults();
    child_close_others(fd);
    emb_image img;
    memset(&img, 0, sizeof img);   /* as the dispatcher hands it to a decoder: fields it does not set are 0 */
    emb_status st = fn(b, len, name, &img);
    isolate_header hd = {.status = (int32_t)st};
    const char *msg = emb_errmsg();
    if (st == EMB_OK) {
        hd.w = img.w;
        hd.h = img.h;
        hd.has_alpha = img.alpha != NULL;
        hd.src_channels = img.src_channels;
        hd.full_w = img.full_w;
        hd.full_h = img.full_h;
        hd.orientation = img.orientation;
    } else {
        hd.msg_len = (uint32_t)strlen(msg);
    }
    size_t np = st == EMB_OK ? (size_t)img.w * img.h : 0;
    bool ok = write_all(fd, &hd, sizeof hd) && (st != EMB_OK ? write_all(fd, msg, hd.msg_len)
                                                               : write_all(fd, img.rgb, np * 3) &&
                                                                     (!img.alpha || write_all(fd, img.alpha, np)));
    _exit(ok ? 0 : 1);   /* no atexit handlers, no stdio flush: the parent's */
}

/* ----------------------------------------------------------------- parent */
static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* Read exactly n bytes; 0 on success, 1 on EOF / error, 2 on time-out
 * (no byte for ISOLATE_TIMEOUT_S). */
static int read_all(int fd, void *p, size_t n) {
    unsigned char *c = p;
    double last = now_s();
    while (n) {
        int left_ms = (int)((last + ISOLATE_TIMEOUT_S - now_s()) * 1e3);
        if (left_ms <= 0) return 2;
        struct pollfd pf = {fd, POLLIN, 0};
        int r = poll(&pf, 1, left_ms);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return 1;
        if (r == 0) return 2;
        ssize_t k = read(fd, c, n);
        if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (k <= 0) return 1;
        c += k;
        n -= (size_t)k;
        last = now_s();
    }
    return 0;
}

static int reap(pid_t pid) {
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {}
    return ws;
}

/* The child's header and the data after it into out (the child still runs:
 * the caller reaps it). 0, or read_all's 1 / 2; a header that lies is 1;
 * no memory here for the pixels is 3 (*st and msg say so). */
static int take_result(int fd, const char *name, emb_image *out, emb_status *st, char *msg, size_t msg_cap) {
    isolate_header hd;
    int r = read_all(fd, &hd, sizeof hd);
    if (r) return r;
    if (hd.status != EMB_OK) {
        if (hd.status < EMB_E_INVALID || hd.status > EMB_E_CANCELLED || hd.msg_len >= msg_cap) return 1;
        if ((r = read_all(fd, msg, hd.msg_len))) return r;
        msg[hd.msg_len] = '\0';
        *st = (emb_status)hd.status;
        return 0;
    }
    if (emb__image_dims(name, hd.w, hd.h) || (hd.has_alpha != 0 && hd.has_alpha != 1) || hd.src_channels < 1 ||
        hd.src_channels > 4 || hd.orientation < 0 || hd.orientation > 8 || hd.full_w < 0 || hd.full_h < 0)
        return 1;
    if ((*st = emb__image_alloc(out, hd.w, hd.h, hd.has_alpha, name))) {
        snprintf(msg, msg_cap, "%s", emb_errmsg());
        return 3;
    }
    size_t np = (size_t)hd.w * hd.h;
    if ((r = read_all(fd, out->rgb, np * 3)) || (hd.has_alpha && (r = read_all(fd, out->alpha, np)))) return r;
    out->src_channels = hd.src_channels;
    out->full_w = hd.full_w;
    out->full_h = hd.full_h;
    out->orientation = hd.orientation;
    *st = EMB_OK;
    return 0;
}

emb_status emb__decode_isolated(emb__decoder_fn fn, const char *format, const unsigned char *b, size_t len,
                                const char *name, emb_image *out) {
    memset(out, 0, sizeof *out);
    int fd[2];
    if (pipe(fd) < 0)
        return emb__fail(EMB_E_NOMEM, "%s: cannot start the %s decoder process: %s", name, format, strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fd[0]);
        close(fd[1]);
        return emb__fail(EMB_E_NOMEM, "%s: cannot start the %s decoder process: %s", name, format, strerror(e));
    }
    if (pid == 0) {
        close(fd[0]);
        child_run(fn, b, len, name, fd[1]);
    }
    close(fd[1]);
    char msg[512];
    emb_status st = EMB_E_FORMAT;
    int r = take_result(fd[0], name, out, &st, msg, sizeof msg);
    if (r) kill(pid, SIGKILL);   /* hung, what it sent made no sense, or no room for it */
    close(fd[0]);
    int ws = reap(pid);
    if (!r && WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
        return st == EMB_OK ? EMB_OK : emb__fail(st, "%s", msg);
    emb_image_free(out);
    if (r == 3) return emb__fail(st, "%s", msg);
    if (r == 2) return emb__fail(EMB_E_FORMAT, "%s decoder did not finish within %d s on %s", format, ISOLATE_TIMEOUT_S, name);
    if (WIFSIGNALED(ws))
        return emb__fail(EMB_E_FORMAT, "%s decoder crashed on %s (signal %d, %s)", format, name, WTERMSIG(ws),
                         strsignal(WTERMSIG(ws)));
    return emb__fail(EMB_E_FORMAT, "%s decoder crashed on %s (exit status %d)", format, name,
                     WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
}
