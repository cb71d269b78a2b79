/* The console as a tty, checked in a new session so the answers are the
 * same on the host and as the guest's init: /dev/tty without a controlling
 * terminal is ENXIO, /dev/console opens as a tty that is not the caller's
 * controlling one (TIOCGPGRP, TIOCSPGRP, TIOCGSID, TIOCNOTTY are ENOTTY),
 * TCGETS/TCGETS2/TIOCGWINSZ work and agree, lseek and pread are ESPIPE,
 * it polls writable, and pipes, files and /dev/null are not ttys. Nothing
 * is written to the console and no setting is changed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include "../t.h"

/* TCGETS2 by number: the headers define it through struct termios2 */
#define K_TCGETS2 0x802c542aUL
/* struct termios2 without <asm/termbits.h> (which clashes with termios.h) */
struct k_termios2 {
    unsigned int c_iflag, c_oflag, c_cflag, c_lflag;
    unsigned char c_line, c_cc[19];
    unsigned int c_ispeed, c_ospeed;
};
struct k_termios {
    unsigned int c_iflag, c_oflag, c_cflag, c_lflag;
    unsigned char c_line, c_cc[19];
};

/* The checks run in a child that called setsid(); each reports a bit. */
enum {
    B_TTY_ENXIO, B_TTY_ENXIO_NB, B_CONSOLE_OPEN, B_ISATTY, B_FSTAT, B_GETFL, B_TCGETS, B_TCGETS2, B_WINSZ,
    B_GPGRP, B_SPGRP, B_GSID, B_NOTTY, B_STILL_NO_CTTY, B_LSEEK, B_PREAD, B_POLL, B_COUNT
};
static const char *const names[B_COUNT] = {
    "/dev/tty without a controlling terminal is ENXIO",
    "/dev/tty with O_NONBLOCK is ENXIO too",
    "/dev/console opens O_RDWR",
    "/dev/console is a tty",
    "fstat: a character device 5:1",
    "F_GETFL is O_RDWR|O_LARGEFILE",
    "TCGETS works",
    "TCGETS2 agrees with TCGETS",
    "TIOCGWINSZ works",
    "TIOCGPGRP on a tty that is not the controlling one is ENOTTY",
    "TIOCSPGRP on it is ENOTTY",
    "TIOCGSID on it is ENOTTY",
    "TIOCNOTTY on it is ENOTTY",
    "opening /dev/console does not make it the controlling terminal",
    "lseek on the console is ESPIPE",
    "pread on the console is ESPIPE",
    "the console polls writable",
};

static int child(void) {
    int bits = 0;
#define BIT(b, cond) \
    if (cond)        \
    bits |= 1 << (b)
    if (setsid() < 0)
        return -1;
    errno = 0;
    int t = open("/dev/tty", O_RDWR);
    BIT(B_TTY_ENXIO, t == -1 && errno == ENXIO);
    errno = 0;
    t = open("/dev/tty", O_RDONLY | O_NONBLOCK);
    BIT(B_TTY_ENXIO_NB, t == -1 && errno == ENXIO);
    int c = open("/dev/console", O_RDWR);
    BIT(B_CONSOLE_OPEN, c >= 0);
    if (c < 0)
        return bits;
    BIT(B_ISATTY, isatty(c) == 1);
    struct stat st;
    BIT(B_FSTAT, fstat(c, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 && minor(st.st_rdev) == 1);
    BIT(B_GETFL, fcntl(c, F_GETFL) == (O_RDWR | 0100000));
    struct k_termios k;
    struct k_termios2 k2;
    memset(&k, 0, sizeof k);
    memset(&k2, 0, sizeof k2);
    long r = syscall(SYS_ioctl, c, TCGETS, &k);
    BIT(B_TCGETS, r == 0);
    long r2 = syscall(SYS_ioctl, c, K_TCGETS2, &k2);
    BIT(B_TCGETS2, r2 == 0 && k2.c_iflag == k.c_iflag && k2.c_oflag == k.c_oflag && k2.c_cflag == k.c_cflag &&
                       k2.c_lflag == k.c_lflag && memcmp(k2.c_cc, k.c_cc, sizeof k.c_cc) == 0);
    struct winsize ws;
    BIT(B_WINSZ, syscall(SYS_ioctl, c, TIOCGWINSZ, &ws) == 0);
    int pg = -7;
    errno = 0;
    r = syscall(SYS_ioctl, c, TIOCGPGRP, &pg);
    BIT(B_GPGRP, r == -1 && errno == ENOTTY && pg == -7);
    pg = getpgrp();
    errno = 0;
    r = syscall(SYS_ioctl, c, TIOCSPGRP, &pg);
    BIT(B_SPGRP, r == -1 && errno == ENOTTY);
    errno = 0;
    r = syscall(SYS_ioctl, c, TIOCGSID, &pg);
    BIT(B_GSID, r == -1 && errno == ENOTTY);
    errno = 0;
    r = syscall(SYS_ioctl, c, TIOCNOTTY, 0);
    BIT(B_NOTTY, r == -1 && errno == ENOTTY);
    errno = 0;
    t = open("/dev/tty", O_RDWR);
    BIT(B_STILL_NO_CTTY, t == -1 && errno == ENXIO);
    errno = 0;
    r = syscall(SYS_lseek, c, 0L, SEEK_CUR);
    BIT(B_LSEEK, r == -1 && errno == ESPIPE);
    char ch;
    errno = 0;
    r = syscall(SYS_pread64, c, &ch, 0L, 0L);
    BIT(B_PREAD, r == -1 && errno == ESPIPE);
    struct pollfd pf = {c, POLLOUT, 0};
    BIT(B_POLL, poll(&pf, 1, 0) == 1 && pf.revents == POLLOUT);
    return bits;
}

int main(void) {
    int p[2];
    alarm(20);
    pipe(p);
    pid_t pid = fork();
    if (pid == 0) {
        int bits = child();
        write(p[1], &bits, sizeof bits);
        _exit(0);
    }
    close(p[1]);
    int bits = 0;
    long n = read(p[0], &bits, sizeof bits);
    waitpid(pid, NULL, 0);
    close(p[0]);
    if (n != sizeof bits || bits < 0)
        bits = 0;
    for (int b = 0; b < B_COUNT; b++)
        CHECK(bits & (1 << b), names[b], "bits %#x", bits);

    /* not ttys */
    int f = open("/dev/null", O_RDWR);
    struct termios tm;
    errno = 0;
    int r = tcgetattr(f, &tm);
    CHECK(r == -1 && errno == ENOTTY && !isatty(f), "/dev/null is not a tty", "%d/%d", r, errno);
    pipe(p);
    errno = 0;
    r = tcgetpgrp(p[0]);
    CHECK(r == -1 && errno == ENOTTY, "tcgetpgrp on a pipe is ENOTTY", "%d/%d", r, errno);
    close(p[0]);
    close(p[1]);
    close(f);
    return t_done("tty_console");
}
