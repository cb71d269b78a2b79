/* process_vm_readv(2) / process_vm_writev(2): reading a fork child's
 * memory (it differs from ours after the fork), writing it, scatter and
 * gather over several segments on both sides, a local side shorter than
 * the remote one, partial transfers at an unmapped remote page (the bytes
 * before it; EFAULT when none), a read-only remote page for writev, the
 * argument checks (flags EINVAL, more than IOV_MAX segments EINVAL, bad
 * iovec arrays and local buffers EFAULT, empty lists 0 even for a bad
 * PID), ESRCH for a reaped process, the caller itself, and ptrace attach
 * access (EPERM for another user's process). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include "../t.h"

static char data[8192] = "parent";
static char *two;  /* two pages; the child unmaps the second */
static char *ro;   /* a read-only page */

static long vm_read(pid_t p, struct iovec *l, unsigned long ln, struct iovec *r, unsigned long rn, unsigned long fl) {
    return syscall(SYS_process_vm_readv, p, l, ln, r, rn, fl);
}
static long vm_write(pid_t p, struct iovec *l, unsigned long ln, struct iovec *r, unsigned long rn, unsigned long fl) {
    return syscall(SYS_process_vm_writev, p, l, ln, r, rn, fl);
}

static int to_child[2], from_child[2];
/* The child: changes its copy, then answers requests: 'c' sends back
 * data[0..16], 'q' quits. */
static pid_t start_child(void) {
    pipe(to_child);
    pipe(from_child);
    pid_t c = fork();
    if (c == 0) {
        strcpy(data, "child-data");
        memset(data + 4096, 'C', 4096);
        munmap(two + 4096, 4096);
        memset(two, 'T', 4096);
        write(from_child[1], "r", 1);
        char b;
        while (read(to_child[0], &b, 1) == 1) {
            if (b == 'c')
                write(from_child[1], data, 16);
            else
                break;
        }
        _exit(0);
    }
    char b;
    read(from_child[0], &b, 1);
    return c;
}

static pid_t parent_pid;
static int unprivileged(void) {
    STEP(1, syscall(SYS_setresgid, 65534, 65534, 65534) == 0 && syscall(SYS_setresuid, 65534, 65534, 65534) == 0);
    char buf[8];
    struct iovec l = {buf, 8}, r = {data, 8};
    STEP(2, FAILS(vm_read(parent_pid, &l, 1, &r, 1, 0), EPERM));
    STEP(3, FAILS(vm_write(parent_pid, &l, 1, &r, 1, 0), EPERM));
    STEP(4, vm_read(getpid(), &l, 1, &r, 1, 0) == 8);
    return 0;
}

int main(void) {
    t_watchdog(30);
    two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pid_t c = start_child();
    char buf[64] = {0};
    struct iovec l = {buf, 10}, r = {data, 10};
    long n = vm_read(c, &l, 1, &r, 1, 0);
    CHECK(n == 10 && memcmp(buf, "child-data", 10) == 0, "readv reads the child's memory", "%ld '%.10s'", n, buf);
    CHECK(strcmp(data, "parent") == 0, "our own copy unchanged", "%s", data);

    struct iovec w = {"WRITTEN", 7};
    r.iov_len = 7;
    n = vm_write(c, &w, 1, &r, 1, 0);
    char got[16] = {0};
    write(to_child[1], "c", 1);
    read(from_child[0], got, 16);
    CHECK(n == 7 && memcmp(got, "WRITTENata", 10) == 0, "writev writes the child's memory", "%ld '%.16s'", n, got);

    /* Gather three remote pieces into two local buffers. */
    char a[5] = {0}, b[9] = {0};
    struct iovec l2[2] = {{a, 4}, {b, 8}};
    struct iovec r2[3] = {{data, 2}, {data + 4, 3}, {data + 4096, 7}};
    n = vm_read(c, l2, 2, r2, 3, 0);
    CHECK(n == 12 && memcmp(a, "WRTE", 4) == 0 && memcmp(b, "NCCCCCCC", 8) == 0,
          "readv scatter/gather", "%ld '%s' '%s'", n, a, b);
    /* Scatter local pieces over two remote ranges. */
    struct iovec wl[2] = {{"ab", 2}, {"cdef", 4}};
    struct iovec wr[2] = {{data, 3}, {data + 8, 3}};
    n = vm_write(c, wl, 2, wr, 2, 0);
    write(to_child[1], "c", 1);
    read(from_child[0], got, 16);
    CHECK(n == 6 && memcmp(got, "abcTTENadef", 11) == 0, "writev scatter/gather", "%ld '%.16s'", n, got);

    /* Local side shorter than the remote one. */
    l.iov_len = 3;
    r.iov_len = 100;
    CHECK(vm_read(c, &l, 1, &r, 1, 0) == 3, "local side shorter: its length", "errno %d", errno);

    /* Partial transfers at an unmapped remote page. */
    char *big = malloc(8192);
    struct iovec lb = {big, 8192}, rb = {two, 8192};
    n = vm_read(c, &lb, 1, &rb, 1, 0);
    CHECK(n == 4096 && big[0] == 'T' && big[4095] == 'T', "readv stops at an unmapped page", "%ld", n);
    rb.iov_base = two + 4096;
    CHECK(FAILS(vm_read(c, &lb, 1, &rb, 1, 0), EFAULT), "readv of an unmapped page EFAULT", "errno %d", errno);
    struct iovec rb2[2] = {{two + 4000, 96}, {two + 4096, 100}};
    n = vm_read(c, &lb, 1, rb2, 2, 0);
    CHECK(n == 96, "readv: a bad second segment gives the first", "%ld", n);
    rb.iov_base = two + 4000;
    rb.iov_len = 200;
    n = vm_write(c, &lb, 1, &rb, 1, 0);
    CHECK(n == 96, "writev stops at an unmapped page", "%ld", n);
    rb.iov_base = ro;
    rb.iov_len = 16;
    CHECK(FAILS(vm_write(c, &lb, 1, &rb, 1, 0), EFAULT), "writev to a read-only page EFAULT", "errno %d", errno);
    CHECK(vm_read(c, &lb, 1, &rb, 1, 0) == 16, "readv of a read-only page", "errno %d", errno);

    /* Argument checks. */
    l.iov_len = 4;
    r.iov_len = 4;
    CHECK(FAILS(vm_read(c, &l, 1, &r, 1, 1), EINVAL), "flags EINVAL", "errno %d", errno);
    CHECK(FAILS(vm_write(c, &l, 1, &r, 1, 1), EINVAL), "writev flags EINVAL", "errno %d", errno);
    CHECK(FAILS(vm_read(c, &l, 1025, &r, 1, 0), EINVAL), "liovcnt past IOV_MAX EINVAL", "errno %d", errno);
    CHECK(FAILS(vm_read(c, &l, 1, &r, 1025, 0), EINVAL), "riovcnt past IOV_MAX EINVAL", "errno %d", errno);
    CHECK(FAILS(vm_read(c, (struct iovec *)8, 1, &r, 1, 0), EFAULT), "bad local iovec array EFAULT", "errno %d", errno);
    CHECK(FAILS(vm_read(c, &l, 1, (struct iovec *)8, 1, 0), EFAULT), "bad remote iovec array EFAULT", "errno %d", errno);
    struct iovec bad = {(void *)8, 4};
    CHECK(FAILS(vm_read(c, &bad, 1, &r, 1, 0), EFAULT), "bad local buffer EFAULT", "errno %d", errno);
    struct iovec neg = {buf, (size_t)-1};
    CHECK(FAILS(vm_read(c, &neg, 1, &r, 1, 0), EINVAL), "negative length EINVAL", "errno %d", errno);
    CHECK(vm_read(c, &l, 0, &r, 1, 0) == 0, "no local segments: 0", "errno %d", errno);
    struct iovec zero = {data, 0};
    CHECK(vm_read(999999, &l, 1, &zero, 1, 0) == 0, "empty remote segments: 0 before the PID", "errno %d", errno);
    CHECK(FAILS(vm_read(999999, &l, 1, &r, 1, 0), ESRCH), "no such process ESRCH", "errno %d", errno);

    /* Ourselves. */
    char mine[8] = {0};
    struct iovec lm = {mine, 6}, rm = {data, 6};
    CHECK(vm_read(getpid(), &lm, 1, &rm, 1, 0) == 6 && memcmp(mine, "parent", 6) == 0, "readv of ourselves", "errno %d", errno);

    parent_pid = getpid();
    CHECK_CHILD(unprivileged, "another user's process EPERM");

    write(to_child[1], "q", 1);
    waitpid(c, NULL, 0);
    CHECK(FAILS(vm_read(c, &l, 1, &r, 1, 0), ESRCH), "reaped child ESRCH", "errno %d", errno);
    CHECK_NO_CHILDREN();
    return t_done("process_vm");
}
