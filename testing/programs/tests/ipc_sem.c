/* SysV semaphores: semget (nsems rules, EEXIST, ENOENT, size check),
 * semop's all-or-nothing operations, IPC_NOWAIT (EAGAIN), ERANGE past
 * SEMVMX, EFBIG, E2BIG, blocking with a second process and GETNCNT and
 * GETZCNT while it waits, EIDRM when the set goes, EINTR after a handler
 * (never restarted), semtimedop's time-out (EAGAIN) and bad timespec
 * (EINVAL), SEM_UNDO applied at exit and cleared by SETVAL, semctl
 * GETVAL/SETVAL/GETALL/SETALL/GETPID/IPC_STAT/IPC_SET/IPC_INFO/SEM_INFO/
 * SEM_STAT, permissions. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include "../t.h"

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
    struct seminfo *__buf;
};

static int op(int id, unsigned short num, short o, short flg) {
    struct sembuf b = {num, o, flg};
    return semop(id, &b, 1);
}

static void on_usr1(int sig) { (void)sig; }

static void wait_count(int id, int num, int cmd, int want) {
    for (int i = 0; i < 10000 && semctl(id, num, cmd) != want; i++)
        t_sleep_ms(1);
}

int main(void) {
    int st;
    t_watchdog(60);
    key_t key = 0x41530000 | (getpid() & 0xffff);
    semctl(semget(key, 0, 0), 0, IPC_RMID);

    CHECK(FAILS(semget(key, 2, 0600), ENOENT), "semget of a missing key is ENOENT", "errno %d", errno);
    CHECK(FAILS(semget(IPC_PRIVATE, 0, 0600), EINVAL), "a new set of 0 semaphores is EINVAL", "errno %d", errno);
    CHECK(FAILS(semget(IPC_PRIVATE, 32001, 0600), EINVAL), "more than semmsl semaphores is EINVAL", "errno %d", errno);
    int k = semget(key, 3, IPC_CREAT | 0600);
    CHECK(k >= 0, "semget IPC_CREAT", "errno %d", errno);
    CHECK(semget(key, 0, 0) == k && semget(key, 2, 0) == k, "an existing set is found with nsems 0 or fewer", "errno %d", errno);
    CHECK(FAILS(semget(key, 4, 0), EINVAL), "asking for more semaphores than the set has is EINVAL", "errno %d", errno);
    CHECK(FAILS(semget(key, 3, IPC_CREAT | IPC_EXCL | 0600), EEXIST), "IPC_CREAT|IPC_EXCL is EEXIST", "errno %d", errno);
    struct semid_ds ds;
    union semun a = {.buf = &ds};
    CHECK(semctl(k, 0, IPC_STAT, a) == 0 && ds.sem_nsems == 3 && ds.sem_otime == 0 && (ds.sem_perm.mode & 0777) == 0600 && ds.sem_perm.__key == key,
          "IPC_STAT of a new set", "nsems %lu", (unsigned long)ds.sem_nsems);
    CHECK(semctl(k, 0, GETVAL) == 0 && semctl(k, 2, GETVAL) == 0, "semaphores start at 0", "errno %d", errno);
    semctl(k, 0, IPC_RMID);

    int s = semget(IPC_PRIVATE, 3, 0600);
    CHECK(semctl(s, 1, SETVAL, (union semun){.val = 5}) == 0 && semctl(s, 1, GETVAL) == 5 && semctl(s, 1, GETPID) == getpid(), "SETVAL, GETVAL, GETPID", "errno %d", errno);
    CHECK(FAILS(semctl(s, 1, SETVAL, (union semun){.val = 32768}), ERANGE) && FAILS(semctl(s, 1, SETVAL, (union semun){.val = -1}), ERANGE), "SETVAL outside 0..32767 is ERANGE", "errno %d", errno);
    CHECK(FAILS(semctl(s, 3, GETVAL), EINVAL), "a semaphore number past the set is EINVAL", "errno %d", errno);
    unsigned short vals[3] = {1, 2, 3}, got[3] = {0};
    CHECK(semctl(s, 0, SETALL, (union semun){.array = vals}) == 0 && semctl(s, 0, GETALL, (union semun){.array = got}) == 0 && got[0] == 1 && got[1] == 2 && got[2] == 3,
          "SETALL and GETALL", "%d %d %d", got[0], got[1], got[2]);
    unsigned short big[3] = {1, 40000, 3};
    CHECK(FAILS(semctl(s, 0, SETALL, (union semun){.array = big}), ERANGE) && semctl(s, 1, GETVAL) == 2, "SETALL past SEMVMX is ERANGE and changes nothing", "errno %d", errno);

    struct sembuf two[2] = {{0, -1, 0}, {2, -4, IPC_NOWAIT}};
    CHECK(FAILS(semop(s, two, 2), EAGAIN) && semctl(s, 0, GETVAL) == 1, "a semop that would block with IPC_NOWAIT is EAGAIN and applies nothing", "val %d", semctl(s, 0, GETVAL));
    struct sembuf ok2[2] = {{0, -1, 0}, {2, 4, 0}};
    CHECK(semop(s, ok2, 2) == 0 && semctl(s, 0, GETVAL) == 0 && semctl(s, 2, GETVAL) == 7, "a semop applies all its operations", "errno %d", errno);
    CHECK(semctl(s, 0, IPC_STAT, a) == 0 && ds.sem_otime != 0, "semop sets sem_otime", "otime %ld", (long)ds.sem_otime);
    CHECK(op(s, 0, 0, IPC_NOWAIT) == 0, "waiting for zero on a zero semaphore succeeds at once", "errno %d", errno);
    CHECK(FAILS(op(s, 2, 0, IPC_NOWAIT), EAGAIN), "waiting for zero on a non-zero semaphore with IPC_NOWAIT is EAGAIN", "errno %d", errno);
    CHECK(FAILS(op(s, 2, 32767, 0), ERANGE), "going past SEMVMX is ERANGE", "errno %d", errno);
    CHECK(FAILS(op(s, 3, 1, 0), EFBIG), "a semaphore number past the set is EFBIG", "errno %d", errno);
    struct sembuf many[501];
    memset(many, 0, sizeof many);
    CHECK(FAILS(semop(s, many, 501), E2BIG), "more than semopm operations is E2BIG", "errno %d", errno);
    CHECK(FAILS(semop(s, many, 0), EINVAL), "zero operations is EINVAL", "errno %d", errno);
    CHECK(FAILS(semop(s, (void *)8, 1), EFAULT), "a bad sembuf pointer is EFAULT", "errno %d", errno);
    CHECK(FAILS(semop(-1, many, 1), EINVAL), "a negative id is EINVAL", "errno %d", errno);
    /* Duplicates are applied in order. */
    struct sembuf dup[3] = {{1, 1, 0}, {1, -3, 0}, {1, 1, 0}};
    CHECK(semop(s, dup, 3) == 0 && semctl(s, 1, GETVAL) == 1, "operations on the same semaphore apply in order", "val %d", semctl(s, 1, GETVAL));

    /* Time-outs. */
    struct timespec ts = {0, 20 * 1000000};
    struct sembuf dec = {0, -1, 0};
    double t0 = t_now();
    CHECK(FAILS(semtimedop(s, &dec, 1, &ts), EAGAIN) && t_now() - t0 >= 0.015, "semtimedop times out with EAGAIN", "errno %d", errno);
    struct timespec bad = {0, 1000000000};
    CHECK(FAILS(semtimedop(s, &dec, 1, &bad), EINVAL), "a malformed timespec is EINVAL", "errno %d", errno);

    /* A second process blocks, is counted, and is woken. */
    pid_t c = fork();
    if (c == 0)
        _exit(op(s, 0, -2, 0) == 0 ? 0 : 1);
    wait_count(s, 0, GETNCNT, 1);
    CHECK(semctl(s, 0, GETNCNT) == 1 && semctl(s, 0, GETZCNT) == 0, "GETNCNT counts a process waiting to decrement", "ncnt %d", semctl(s, 0, GETNCNT));
    op(s, 0, 1, 0);
    t_sleep_ms(20);
    CHECK(semctl(s, 0, GETNCNT) == 1 && semctl(s, 0, GETVAL) == 1, "a partial increment does not wake it", "val %d", semctl(s, 0, GETVAL));
    op(s, 0, 1, 0);
    CHECK((st = t_wait_exit(c)) == 0 && semctl(s, 0, GETVAL) == 0 && semctl(s, 0, GETNCNT) == 0, "enough makes the waiter's semop complete", "status %d", st);
    CHECK(semctl(s, 0, GETPID) == c, "GETPID names the last process to operate", "pid %d", semctl(s, 0, GETPID));
    c = fork();
    if (c == 0)
        _exit(op(s, 2, 0, 0) == 0 ? 0 : 1);
    wait_count(s, 2, GETZCNT, 1);
    CHECK(semctl(s, 2, GETZCNT) == 1, "GETZCNT counts a process waiting for zero", "zcnt %d", semctl(s, 2, GETZCNT));
    semctl(s, 2, SETVAL, (union semun){.val = 0});
    CHECK((st = t_wait_exit(c)) == 0, "SETVAL to zero wakes the zero-waiter", "status %d", st);

    /* A handler interrupts: EINTR, never a restart. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    c = fork();
    if (c == 0) {
        for (int i = 0; i < 300; i++) {
            kill(getppid(), SIGUSR1);
            t_sleep_ms(100);
        }
        _exit(0);
    }
    CHECK(FAILS(op(s, 0, -1, 0), EINTR), "semop interrupted by a handler is EINTR even with SA_RESTART", "errno %d", errno);
    t_kill_reap(c);

    /* SEM_UNDO: undone when the process exits. */
    semctl(s, 1, SETVAL, (union semun){.val = 0});
    c = fork();
    if (c == 0) {
        if (op(s, 1, 3, SEM_UNDO) != 0 || op(s, 1, -1, SEM_UNDO) != 0)
            _exit(1);
        _exit(semctl(s, 1, GETVAL) == 2 ? 0 : 2);
    }
    CHECK((st = t_wait_exit(c)) == 0 && semctl(s, 1, GETVAL) == 0, "SEM_UNDO adjustments are undone at exit", "status %d val %d", st, semctl(s, 1, GETVAL));
    c = fork();
    if (c == 0) {
        op(s, 1, 4, SEM_UNDO);
        semctl(s, 1, SETVAL, (union semun){.val = 1});
        _exit(0);
    }
    t_wait_exit(c);
    CHECK(semctl(s, 1, GETVAL) == 1, "SETVAL clears the adjustments", "val %d", semctl(s, 1, GETVAL));
    semctl(s, 1, SETVAL, (union semun){.val = 2});
    c = fork();
    if (c == 0) {
        op(s, 1, 5, SEM_UNDO);
        semctl(s, 1, SETVAL, (union semun){.val = 1});
        op(s, 1, -1, SEM_UNDO);
        _exit(0);
    }
    t_wait_exit(c);
    CHECK(semctl(s, 1, GETVAL) == 1, "adjustments made after SETVAL are undone at exit", "val %d", semctl(s, 1, GETVAL));
    CHECK(FAILS(op(s, 1, -32767, SEM_UNDO | IPC_NOWAIT), EAGAIN), "an undo-carrying op that blocks with IPC_NOWAIT is EAGAIN", "errno %d", errno);
    c = fork();
    if (c == 0) {
        semctl(s, 1, SETVAL, (union semun){.val = 32767});
        if (op(s, 1, -32767, SEM_UNDO) != 0)
            _exit(1);
        semctl(s, 1, SETVAL, (union semun){.val = 32767});
        if (op(s, 1, -32767, SEM_UNDO) != 0) /* adjustment 32767 again: SETVAL cleared it */
            _exit(2);
        _exit(0);
    }
    CHECK((st = t_wait_exit(c)) == 0 && semctl(s, 1, GETVAL) == 32767, "an adjustment is clamped to SEMVMX at exit", "status %d val %d", st, semctl(s, 1, GETVAL));

    /* EIDRM for a waiter. */
    int r = semget(IPC_PRIVATE, 1, 0600);
    c = fork();
    if (c == 0)
        _exit(FAILS(op(r, 0, -1, 0), EIDRM) ? 0 : 1);
    wait_count(r, 0, GETNCNT, 1);
    semctl(r, 0, IPC_RMID);
    CHECK((st = t_wait_exit(c)) == 0, "a waiter gets EIDRM when the set is removed", "status %d", st);
    CHECK(FAILS(semctl(r, 0, GETVAL), EINVAL), "a removed set's id is EINVAL", "errno %d", errno);

    /* IPC_SET, info commands. */
    semctl(s, 0, IPC_STAT, a);
    ds.sem_perm.mode = 0644;
    CHECK(semctl(s, 0, IPC_SET, a) == 0 && semctl(s, 0, IPC_STAT, a) == 0 && (ds.sem_perm.mode & 0777) == 0644, "IPC_SET changes the mode", "mode %o", ds.sem_perm.mode);
    struct seminfo si;
    int maxidx = semctl(0, 0, IPC_INFO, (union semun){.__buf = &si});
    CHECK(maxidx >= 0 && si.semmsl == 32000 && si.semopm == 500 && si.semvmx == 32767 && si.semmni == 32000 && si.semaem == 32767, "IPC_INFO gives the limits", "msl %d opm %d vmx %d", si.semmsl, si.semopm, si.semvmx);
    maxidx = semctl(0, 0, SEM_INFO, (union semun){.__buf = &si});
    CHECK(maxidx >= 0 && si.semusz >= 1 && si.semaem >= 3, "SEM_INFO counts sets and semaphores", "usz %d aem %d", si.semusz, si.semaem);
    int found = 0;
    for (int i = 0; i <= maxidx; i++)
        if (semctl(i, 0, SEM_STAT, a) == s && ds.sem_nsems == 3)
            found = 1;
    CHECK(found, "SEM_STAT by index returns the id", "maxidx %d", maxidx);
    CHECK(FAILS(semctl(s, 0, 99), EINVAL), "an unknown command is EINVAL", "errno %d", errno);

    /* Permissions as another user (same group): 0644 lets it read, not alter. */
    c = fork();
    if (c == 0) {
        if (setuid(65534) != 0)
            _exit(1);
        if (semctl(s, 0, GETVAL) < 0)
            _exit(2);
        if (!FAILS(op(s, 0, 1, 0), EACCES))
            _exit(3);
        if (op(s, 0, 0, IPC_NOWAIT) != 0)
            _exit(4);
        if (!FAILS(semctl(s, 0, SETVAL, (union semun){.val = 1}), EACCES))
            _exit(5);
        if (!FAILS(semctl(s, 0, IPC_RMID), EPERM))
            _exit(6);
        _exit(0);
    }
    CHECK((st = t_wait_exit(c)) == 0, "another user: read-only access, EACCES to alter, EPERM to remove", "status %d", st);
    semctl(s, 0, IPC_RMID);
    CHECK_NO_CHILDREN();
    return t_done("ipc_sem");
}
