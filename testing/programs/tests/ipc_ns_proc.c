/* SysV IPC in procfs and IPC namespaces: /proc/sysvipc/{msg,sem,shm}
 * lines in Linux's exact columns (every object, whoever reads), the limits in /proc/sys/kernel (their
 * defaults, writes that take effect, EINVAL for bad values), and
 * unshare(CLONE_NEWIPC) giving an empty namespace with its own limits,
 * /proc/PID/ns/ipc naming it and setns(2) going back. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include "../t.h"
#include "../procfs.h"

static char buf[65536];

static const char *slurp(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return "";
    ssize_t n = 0, r;
    while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    buf[n] = 0;
    close(fd);
    return buf;
}

static int put(const char *path, const char *s) {
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    int r = write(fd, s, strlen(s));
    close(fd);
    return r < 0 ? -1 : 0;
}

/* Whether `path` holds the line `line` (with its newline). */
static int has_line(const char *path, const char *line) {
    const char *t = slurp(path);
    return strstr(t, line) != NULL;
}

static int in_new_ns(void) {
    char before[64] = "", after[64] = "";
    int old = open("/proc/self/ns/ipc", O_RDONLY);
    if (old < 0 || readlink("/proc/self/ns/ipc", before, sizeof before - 1) <= 0)
        return 20;
    if (unshare(CLONE_NEWIPC) != 0)
        return 1;
    if (readlink("/proc/self/ns/ipc", after, sizeof after - 1) <= 0 || strcmp(before, after) == 0 || strncmp(after, "ipc:[", 5) != 0)
        return 21;
    if (msgget(0x41550000 | (getppid() & 0xffff), 0) != -1 || errno != ENOENT)
        return 2;
    struct msqid_ds ds;
    if (msgctl(0, MSG_STAT, &ds) != -1 || errno != EINVAL)
        return 3;
    const char *t = slurp("/proc/sysvipc/msg");
    if (strchr(t, '\n') != t + strlen(t) - 1)
        return 4; /* only the header */
    if (strcmp(slurp("/proc/sys/kernel/msgmax"), "8192\n") != 0)
        return 5; /* fresh defaults, not the parent's */
    if (put("/proc/sys/kernel/msgmax", "100\n") != 0)
        return 6;
    int q = msgget(IPC_PRIVATE, 0600);
    struct { long t; char x[200]; } m = {1, {0}};
    if (msgsnd(q, &m, 101, IPC_NOWAIT) != -1 || errno != EINVAL)
        return 7;
    if (msgsnd(q, &m, 100, IPC_NOWAIT) != 0)
        return 8;
    if (put("/proc/sys/kernel/msgmax", "-1\n") == 0)
        return 9;
    if (put("/proc/sys/kernel/sem", "10 100 5 20\n") != 0 || strcmp(slurp("/proc/sys/kernel/sem"), "10\t100\t5\t20\n") != 0)
        return 10;
    if (semget(IPC_PRIVATE, 11, 0600) != -1 || errno != EINVAL)
        return 11;
    int s = semget(IPC_PRIVATE, 2, 0600);
    struct sembuf ops[6] = {{0, 1, 0}};
    if (s < 0 || semop(s, ops, 6) != -1 || errno != E2BIG)
        return 12;
    if (put("/proc/sys/kernel/shmmax", "4096\n") != 0 || shmget(IPC_PRIVATE, 4097, 0600) != -1 || errno != EINVAL)
        return 13;
    if (shmget(IPC_PRIVATE, 4096, 0600) < 0)
        return 14;
    if (setns(old, CLONE_NEWIPC) != 0)
        return 22;
    if (msgget(0x41550000 | (getppid() & 0xffff), 0) < 0)
        return 23; /* back in the parent's namespace */
    if (strcmp(slurp("/proc/sys/kernel/msgmax"), "8192\n") != 0)
        return 24;
    return 0;
}

int main(void) {
    int st;
    t_watchdog(60);
    t_proc_mount();
    CHECK(strcmp(slurp("/proc/sys/kernel/msgmax"), "8192\n") == 0, "msgmax defaults to 8192", "%s", buf);
    CHECK(strcmp(slurp("/proc/sys/kernel/msgmnb"), "16384\n") == 0, "msgmnb defaults to 16384", "%s", buf);
    CHECK(strcmp(slurp("/proc/sys/kernel/msgmni"), "32000\n") == 0, "msgmni defaults to 32000", "%s", buf);
    CHECK(strcmp(slurp("/proc/sys/kernel/sem"), "32000\t1024000000\t500\t32000\n") == 0, "sem shows semmsl, semmns, semopm, semmni", "%s", buf);
    CHECK(strcmp(slurp("/proc/sys/kernel/shmmax"), "18446744073692774399\n") == 0, "shmmax default", "%s", buf);
    CHECK(strcmp(slurp("/proc/sys/kernel/shmall"), "18446744073692774399\n") == 0, "shmall default", "%s", buf);
    CHECK(strcmp(slurp("/proc/sys/kernel/shmmni"), "4096\n") == 0, "shmmni default", "%s", buf);

    CHECK(strncmp(slurp("/proc/sysvipc/msg"), "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n", 120) == 0,
          "/proc/sysvipc/msg header", "%.120s", buf);
    key_t key = 0x41550000 | (getpid() & 0xffff);
    msgctl(msgget(key, 0), IPC_RMID, NULL);
    int q = msgget(key, IPC_CREAT | 0640);
    struct { long t; char x[8]; } m = {3, "abcdefg"};
    msgsnd(q, &m, 5, 0);
    struct msqid_ds md;
    msgctl(q, IPC_STAT, &md);
    char line[512];
    snprintf(line, sizeof line, "%10d %10d  %4o  %10lu %10lu %5u %5u %5u %5u %5u %5u %10llu %10llu %10llu\n", key, q, 0640, 5UL, 1UL, getpid(), 0, getuid(), getgid(), getuid(), getgid(),
             (unsigned long long)md.msg_stime, 0ULL, (unsigned long long)md.msg_ctime);
    CHECK(has_line("/proc/sysvipc/msg", line), "/proc/sysvipc/msg shows the queue in Linux's columns", "want %s", line);

    int s = semget(IPC_PRIVATE, 4, 0600);
    struct semid_ds sd;
    union { int val; struct semid_ds *buf; } a = {.buf = &sd};
    semctl(s, 0, IPC_STAT, a);
    snprintf(line, sizeof line, "%10d %10d  %4o %10u %5u %5u %5u %5u %10llu %10llu\n", 0, s, 0600, 4, getuid(), getgid(), getuid(), getgid(), 0ULL, (unsigned long long)sd.sem_ctime);
    const char *semhdr = "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n";
    CHECK(strncmp(slurp("/proc/sysvipc/sem"), semhdr, strlen(semhdr)) == 0, "/proc/sysvipc/sem header", "%.90s", buf);
    CHECK(has_line("/proc/sysvipc/sem", line), "/proc/sysvipc/sem shows the set", "want %s", line);

    int h = shmget(IPC_PRIVATE, 5000, 0600);
    char *p = shmat(h, NULL, 0);
    p[0] = 1;
    struct shmid_ds hd;
    shmctl(h, IPC_STAT, &hd);
    snprintf(line, sizeof line, "%10d %10d  %4o %21lu %5u %5u  %5lu %5u %5u %5u %5u %10llu %10llu %10llu %21lu %21lu\n", 0, h, 0600, 5000UL, getpid(), getpid(), 1UL, getuid(), getgid(),
             getuid(), getgid(), (unsigned long long)hd.shm_atime, 0ULL, (unsigned long long)hd.shm_ctime, 4096UL, 0UL);
    CHECK(strncmp(slurp("/proc/sysvipc/shm"), "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n", 160) == 0,
          "/proc/sysvipc/shm header", "%.160s", buf);
    CHECK(has_line("/proc/sysvipc/shm", line), "/proc/sysvipc/shm shows the segment with nattch and rss", "want %s", line);
    shmctl(h, IPC_RMID, NULL);
    snprintf(line, sizeof line, "%10d %10d  %4o ", 0, h, 01000 | 0600);
    CHECK(has_line("/proc/sysvipc/shm", line), "a removed but attached segment shows SHM_DEST", "want %s", line);
    shmdt(p);
    snprintf(line, sizeof line, "%10d %10d  ", 0, h);
    CHECK(!has_line("/proc/sysvipc/shm", line), "it goes with the last detach", "%s", "");

    /* Every object is listed, whoever reads. */
    pid_t c = fork();
    if (c == 0) {
        setuid(65534);
        snprintf(line, sizeof line, "%10d %10d  ", 0, s);
        _exit(has_line("/proc/sysvipc/sem", line) ? 0 : 1);
    }
    CHECK((st = t_wait_exit(c)) == 0, "another user sees a set it may not read", "status %d", st);
    c = fork();
    if (c == 0) {
        setuid(65534);
        _exit(put("/proc/sys/kernel/msgmax", "100\n") == 0 ? 1 : 0);
    }
    CHECK((st = t_wait_exit(c)) == 0, "only root writes the limits", "status %d", st);

    CHECK_CHILD(in_new_ns, "unshare(CLONE_NEWIPC): an empty namespace whose limits are its own and apply; ns/ipc names it; setns returns");
    CHECK(msgget(key, 0) == q && strcmp(slurp("/proc/sys/kernel/msgmax"), "8192\n") == 0 && strcmp(slurp("/proc/sys/kernel/shmmax"), "18446744073692774399\n") == 0,
          "the parent's namespace is untouched", "%s", buf);

    msgctl(q, IPC_RMID, NULL);
    semctl(s, 0, IPC_RMID);
    CHECK_NO_CHILDREN();
    return t_done("ipc_ns_proc");
}
