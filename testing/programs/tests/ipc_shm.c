/* SysV shared memory: shmget (size rules, EEXIST, ENOENT, EINVAL for a
 * larger size), shmat at a chosen or kernel-chosen address, SHM_RND,
 * SHM_RDONLY (a store faults; mprotect cannot make it writable),
 * SHM_REMAP, memory really shared with a child and across attachments,
 * shm_nattch counting attachments across fork, exit, mprotect splits and
 * shmdt, IPC_RMID keeping an attached segment (SHM_DEST, key private)
 * until the last detach, shmctl IPC_STAT/IPC_SET/IPC_INFO/SHM_INFO/
 * SHM_STAT/SHM_LOCK/SHM_UNLOCK, permissions. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include "../t.h"

static unsigned long nattch(int id) {
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) != 0)
        return 999;
    return ds.shm_nattch;
}

static sigjmp_buf jb;
static void on_segv(int sig) { siglongjmp(jb, sig); }

int main(void) {
    int st;
    t_watchdog(60);
    key_t key = 0x41540000 | (getpid() & 0xffff);
    shmctl(shmget(key, 0, 0), IPC_RMID, NULL);

    CHECK(FAILS(shmget(key, 4096, 0600), ENOENT), "shmget of a missing key is ENOENT", "errno %d", errno);
    CHECK(FAILS(shmget(IPC_PRIVATE, 0, 0600), EINVAL), "a segment of size 0 is EINVAL", "errno %d", errno);
    int k = shmget(key, 10000, IPC_CREAT | 0640);
    CHECK(k >= 0, "shmget IPC_CREAT", "errno %d", errno);
    CHECK(shmget(key, 0, 0) == k && shmget(key, 10000, 0) == k, "an existing segment is found with size 0 or its size", "errno %d", errno);
    CHECK(FAILS(shmget(key, 10001, 0), EINVAL), "asking for more than the segment's size is EINVAL", "errno %d", errno);
    CHECK(FAILS(shmget(key, 100, IPC_CREAT | IPC_EXCL | 0600), EEXIST), "IPC_CREAT|IPC_EXCL is EEXIST", "errno %d", errno);
    struct shmid_ds ds;
    CHECK(shmctl(k, IPC_STAT, &ds) == 0 && ds.shm_segsz == 10000 && ds.shm_nattch == 0 && ds.shm_cpid == getpid() && ds.shm_lpid == 0 && ds.shm_atime == 0 &&
              (ds.shm_perm.mode & 0777) == 0640 && ds.shm_perm.__key == key,
          "IPC_STAT of a new segment", "segsz %lu mode %o", (unsigned long)ds.shm_segsz, ds.shm_perm.mode);

    char *p = shmat(k, NULL, 0);
    CHECK(p != (void *)-1 && ((uintptr_t)p & 4095) == 0, "shmat at a kernel-chosen address", "errno %d", errno);
    CHECK(p[0] == 0 && p[9999] == 0 && p[12287] == 0, "a new segment reads as zeros to the end of its last page", "%s", "");
    strcpy(p, "hello");
    CHECK(shmctl(k, IPC_STAT, &ds) == 0 && ds.shm_nattch == 1 && ds.shm_lpid == getpid() && ds.shm_atime != 0, "shmat counts an attachment and sets lpid, atime", "nattch %lu", (unsigned long)ds.shm_nattch);
    char *q = shmat(k, NULL, SHM_RDONLY);
    CHECK(q != (void *)-1 && q != p && strcmp(q, "hello") == 0, "a second attachment sees the same memory", "errno %d", errno);
    CHECK(nattch(k) == 2, "two attachments", "nattch %lu", nattch(k));
    p[1] = 'E';
    CHECK(q[1] == 'E', "a store through one attachment shows in the other", "%s", "");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    int sig = sigsetjmp(jb, 1);
    if (sig == 0)
        *(volatile char *)q = 'x';
    CHECK(sig == SIGSEGV && q[0] == 'h', "a store to a SHM_RDONLY attachment is SIGSEGV", "sig %d", sig);
    CHECK(FAILS(mprotect(q, 4096, PROT_READ | PROT_WRITE), EACCES), "mprotect cannot make a SHM_RDONLY attachment writable", "errno %d", errno);
    CHECK(shmdt(q) == 0 && nattch(k) == 1, "shmdt detaches", "nattch %lu", nattch(k));
    CHECK(FAILS(shmdt(q), EINVAL), "shmdt of an address with no attachment is EINVAL", "errno %d", errno);
    CHECK(FAILS(shmdt(p + 1), EINVAL), "shmdt of an unaligned address is EINVAL", "errno %d", errno);

    /* mprotect splits the area: Linux counts each part. */
    CHECK(mprotect(p + 4096, 4096, PROT_READ) == 0 && nattch(k) == 3, "an area split by mprotect counts as several attachments", "nattch %lu", nattch(k));
    mprotect(p + 4096, 4096, PROT_READ | PROT_WRITE);

    /* Fork: the child's attachments count, and the memory is shared. */
    pid_t c = fork();
    if (c == 0) {
        if (strcmp(p, "hEllo") != 0)
            _exit(1);
        strcpy(p + 100, "from child");
        _exit(0);
    }
    CHECK((st = t_wait_exit(c)) == 0 && strcmp(p + 100, "from child") == 0, "a child's stores show in the parent", "status %d", st);
    unsigned long before = nattch(k);
    c = fork();
    if (c == 0) {
        unsigned long n = nattch(k);
        _exit(n == before * 2 ? 0 : 1);
    }
    CHECK((st = t_wait_exit(c)) == 0 && nattch(k) == before, "fork adds the child's attachments, exit drops them", "status %d nattch %lu", st, nattch(k));
    c = fork();
    if (c == 0) {
        char *r = shmat(k, NULL, 0);
        if (r == (void *)-1 || strcmp(r + 100, "from child") != 0)
            _exit(1);
        strcpy(r + 200, "attached");
        shmdt(r);
        _exit(0);
    }
    CHECK((st = t_wait_exit(c)) == 0 && strcmp(p + 200, "attached") == 0, "another process attaching sees and shares the memory", "status %d", st);
    CHECK(shmctl(k, IPC_STAT, &ds) == 0 && ds.shm_lpid == c && ds.shm_dtime != 0, "shmdt sets lpid and dtime", "lpid %d", ds.shm_lpid);

    /* Addresses: SHM_RND, unaligned without it, SHM_REMAP. */
    char *hole = mmap(NULL, 8 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole, 8 * 4096);
    CHECK(FAILS((long)shmat(k, hole + 1, 0), EINVAL), "an unaligned address without SHM_RND is EINVAL", "errno %d", errno);
    char *r = shmat(k, hole + 5, SHM_RND);
    CHECK(r == hole && strcmp(r, "hEllo") == 0, "SHM_RND rounds the address down", "r %p hole %p", (void *)r, (void *)hole);
    CHECK(FAILS((long)shmat(k, hole, 0), EINVAL), "attaching over a mapping without SHM_REMAP is EINVAL", "errno %d", errno);
    CHECK(shmat(k, hole, SHM_REMAP) == hole, "SHM_REMAP replaces the mapping", "errno %d", errno);
    CHECK(FAILS((long)shmat(k, NULL, SHM_REMAP), EINVAL), "SHM_REMAP without an address is EINVAL", "errno %d", errno);
    shmdt(hole);
    CHECK(FAILS((long)shmat(-1, NULL, 0), EINVAL), "a negative id is EINVAL", "errno %d", errno);

    /* IPC_RMID while attached: SHM_DEST, key gone, still usable. */
    CHECK(shmctl(k, IPC_RMID, NULL) == 0 && shmctl(k, IPC_STAT, &ds) == 0 && (ds.shm_perm.mode & SHM_DEST) && ds.shm_perm.__key == IPC_PRIVATE && ds.shm_nattch >= 1,
          "IPC_RMID of an attached segment marks it SHM_DEST with key IPC_PRIVATE", "mode %o key %x", ds.shm_perm.mode, ds.shm_perm.__key);
    CHECK(FAILS(shmget(key, 0, 0), ENOENT), "its key no longer finds it", "errno %d", errno);
    CHECK(strcmp(p, "hEllo") == 0, "the memory stays while attached", "%s", "");
    c = fork();
    if (c == 0)
        _exit(strcmp(p + 200, "attached") == 0 ? 0 : 1);
    CHECK((st = t_wait_exit(c)) == 0, "a child inherits the attachment to a removed segment", "status %d", st);
    shmdt(p);
    CHECK(FAILS(shmctl(k, IPC_STAT, &ds), EINVAL), "the last detach removes it", "errno %d", errno);

    /* IPC_SET, locks, info. */
    int s = shmget(IPC_PRIVATE, 8192, 0600);
    shmctl(s, IPC_STAT, &ds);
    ds.shm_perm.mode = 0644;
    CHECK(shmctl(s, IPC_SET, &ds) == 0 && shmctl(s, IPC_STAT, &ds) == 0 && (ds.shm_perm.mode & 0777) == 0644, "IPC_SET changes the mode", "mode %o", ds.shm_perm.mode);
    CHECK(shmctl(s, SHM_LOCK, NULL) == 0 && shmctl(s, IPC_STAT, &ds) == 0 && (ds.shm_perm.mode & SHM_LOCKED), "SHM_LOCK sets SHM_LOCKED", "mode %o", ds.shm_perm.mode);
    CHECK(shmctl(s, SHM_UNLOCK, NULL) == 0 && shmctl(s, IPC_STAT, &ds) == 0 && !(ds.shm_perm.mode & SHM_LOCKED), "SHM_UNLOCK clears it", "mode %o", ds.shm_perm.mode);
    struct shminfo si;
    int maxidx = shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
    CHECK(maxidx >= 0 && si.shmmin == 1 && si.shmmni == 4096 && si.shmmax == 0xfffffffffeffffffUL && si.shmall == 0xfffffffffeffffffUL, "IPC_INFO gives the limits", "max %d mni %lu", maxidx, (unsigned long)si.shmmni);
    struct shm_info su;
    maxidx = shmctl(0, SHM_INFO, (struct shmid_ds *)&su);
    CHECK(maxidx >= 0 && su.used_ids >= 1 && su.shm_tot >= 2, "SHM_INFO counts segments and pages", "used %d tot %lu", su.used_ids, (unsigned long)su.shm_tot);
    int found = 0;
    for (int i = 0; i <= maxidx; i++)
        if (shmctl(i, SHM_STAT, &ds) == s && ds.shm_segsz == 8192)
            found = 1;
    CHECK(found, "SHM_STAT by index returns the id", "maxidx %d", maxidx);
    CHECK(FAILS(shmctl(s, 99, &ds), EINVAL), "an unknown command is EINVAL", "errno %d", errno);
    CHECK(FAILS(shmctl(s, IPC_STAT, (void *)8), EFAULT), "IPC_STAT to a bad pointer is EFAULT", "errno %d", errno);

    /* Another user (same group): 0644 allows read-only attach only. */
    c = fork();
    if (c == 0) {
        if (setuid(65534) != 0)
            _exit(1);
        if (!FAILS((long)shmat(s, NULL, 0), EACCES))
            _exit(2);
        char *ro = shmat(s, NULL, SHM_RDONLY);
        if (ro == (void *)-1)
            _exit(3);
        if (!FAILS(shmctl(s, IPC_RMID, NULL), EPERM))
            _exit(4);
        if (!FAILS(shmctl(s, SHM_LOCK, NULL), EPERM))
            _exit(5);
        _exit(0);
    }
    CHECK((st = t_wait_exit(c)) == 0, "another user: read-only attach, EACCES to write, EPERM to remove or lock", "status %d", st);
    shmctl(s, IPC_RMID, NULL);
    CHECK(FAILS(shmctl(s, IPC_STAT, &ds), EINVAL), "IPC_RMID of an unattached segment removes it at once", "errno %d", errno);
    CHECK_NO_CHILDREN();
    return t_done("ipc_shm");
}
