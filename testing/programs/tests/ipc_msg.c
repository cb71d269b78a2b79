/* SysV message queues: msgget key rules (IPC_PRIVATE, IPC_CREAT|IPC_EXCL,
 * ENOENT), msgsnd/msgrcv by type (0, >0, <0, MSG_EXCEPT), MSG_NOERROR and
 * E2BIG, MSG_COPY, IPC_NOWAIT (EAGAIN, ENOMSG), blocking both ways with a
 * second process, EIDRM for a waiter when the queue goes, EINTR after a
 * handler, msgctl IPC_STAT/IPC_SET/IPC_INFO/MSG_INFO/MSG_STAT, permission
 * checks and the EINVAL cases. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include "../t.h"
#include "../procfs.h"

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif
#ifndef MSG_STAT_ANY
#define MSG_STAT_ANY 13
#endif

struct m {
    long type;
    char text[64];
};

static int q;

static int snd(int id, long type, const char *s, int flags) {
    struct m m = {type, {0}};
    strcpy(m.text, s);
    return msgsnd(id, &m, strlen(s) + 1, flags);
}

static long rcvtype(int id, long typ, int flags) {
    struct m m = {0, {0}};
    if (msgrcv(id, &m, sizeof m.text, typ, flags) < 0)
        return -1;
    return m.type;
}

static void on_alarm(int sig) { (void)sig; }

/* Waits (about 10 s at most) until process p sleeps: blocked in the call
 * it makes and nothing else. */
static void wait_sleeping(pid_t p) {
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", p);
    for (int i = 0; i < 10000; i++) {
        FILE *f = fopen(path, "r");
        if (f) {
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = 0;
            char *r = strrchr(buf, ')');
            if (r && r[1] == ' ' && r[2] == 'S')
                break;
        }
        t_sleep_ms(1);
    }
    t_sleep_ms(10);
}

static int child_sends_later(void) {
    t_sleep_ms(50);
    return snd(q, 9, "late", 0) == 0 ? 0 : 1;
}

int main(void) {
    int st;
    t_watchdog(60);
    t_proc_mount();
    key_t key = 0x41520000 | (getpid() & 0xffff);
    msgctl(msgget(key, 0), IPC_RMID, NULL);

    errno = 0;
    CHECK(msgget(key, 0600) == -1 && errno == ENOENT, "msgget of a missing key without IPC_CREAT is ENOENT", "errno %d", errno);
    int k = msgget(key, IPC_CREAT | 0640);
    CHECK(k >= 0, "msgget IPC_CREAT creates", "errno %d", errno);
    CHECK(msgget(key, 0) == k, "msgget of an existing key returns its id", "errno %d", errno);
    CHECK(FAILS(msgget(key, IPC_CREAT | IPC_EXCL | 0600), EEXIST), "IPC_CREAT|IPC_EXCL on an existing key is EEXIST", "errno %d", errno);
    int p1 = msgget(IPC_PRIVATE, 0600), p2 = msgget(IPC_PRIVATE, 0600);
    CHECK(p1 >= 0 && p2 >= 0 && p1 != p2, "IPC_PRIVATE always creates a new queue", "%d %d", p1, p2);
    msgctl(p2, IPC_RMID, NULL);
    q = p1;

    struct msqid_ds ds;
    CHECK(msgctl(k, IPC_STAT, &ds) == 0 && ds.msg_perm.__key == key && (ds.msg_perm.mode & 0777) == 0640 && ds.msg_perm.uid == geteuid() &&
              ds.msg_perm.cuid == geteuid() && ds.msg_qnum == 0 && ds.msg_qbytes == 16384 && ds.msg_lspid == 0,
          "IPC_STAT of a new queue", "mode %o qbytes %lu", ds.msg_perm.mode, (unsigned long)ds.msg_qbytes);
    msgctl(k, IPC_RMID, NULL);
    errno = 0;
    CHECK(msgctl(k, IPC_STAT, &ds) == -1 && errno == EINVAL, "a removed queue's id is EINVAL", "errno %d", errno);

    CHECK(snd(q, 1, "one", 0) == 0 && snd(q, 2, "two", 0) == 0 && snd(q, 3, "three", 0) == 0 && snd(q, 1, "uno", 0) == 0, "msgsnd queues messages", "errno %d", errno);
    CHECK(msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qnum == 4 && ds.msg_cbytes == 4 + 4 + 6 + 4 && ds.msg_lspid == getpid(), "IPC_STAT counts messages and bytes",
          "qnum %lu cbytes %lu", (unsigned long)ds.msg_qnum, (unsigned long)ds.msg_cbytes);
    struct m m;
    memset(&m, 0, sizeof m);
    errno = 0;
    long n = msgrcv(q, &m, sizeof m.text, 2, MSG_COPY | IPC_NOWAIT);
    CHECK(n == 6 && m.type == 3 && strcmp(m.text, "three") == 0, "MSG_COPY reads the N-th message", "n %ld type %ld errno %d", n, m.type, errno);
    CHECK(FAILS(msgrcv(q, &m, sizeof m.text, 9, MSG_COPY | IPC_NOWAIT), ENOMSG), "MSG_COPY past the last message is ENOMSG", "errno %d", errno);
    CHECK(FAILS(msgrcv(q, &m, sizeof m.text, 0, MSG_COPY), EINVAL), "MSG_COPY without IPC_NOWAIT is EINVAL", "errno %d", errno);
    CHECK(rcvtype(q, 2, 0) == 2, "msgrcv type > 0 takes that type", "errno %d", errno);
    CHECK(rcvtype(q, 1, MSG_EXCEPT) == 3, "MSG_EXCEPT takes the first of another type", "errno %d", errno);
    memset(&m, 0, sizeof m);
    n = msgrcv(q, &m, sizeof m.text, 0, 0);
    CHECK(n == 4 && m.type == 1 && strcmp(m.text, "one") == 0, "msgrcv type 0 takes the first message", "n %ld", n);
    CHECK(snd(q, 5, "five", 0) == 0 && snd(q, 4, "four", 0) == 0 && rcvtype(q, -4, 0) == 1 && rcvtype(q, -5, 0) == 4, "msgrcv type < 0 takes the lowest type up to |type|", "errno %d", errno);
    CHECK(FAILS(rcvtype(q, -3, IPC_NOWAIT), ENOMSG), "no fitting message with IPC_NOWAIT is ENOMSG", "errno %d", errno);
    CHECK(FAILS(msgrcv(q, &m, 2, 5, 0), E2BIG), "a message longer than the buffer is E2BIG", "errno %d", errno);
    memset(&m, 0, sizeof m);
    n = msgrcv(q, &m, 2, 5, MSG_NOERROR);
    CHECK(n == 2 && m.type == 5 && m.text[0] == 'f' && m.text[1] == 'i' && m.text[2] == 0, "MSG_NOERROR truncates", "n %ld", n);
    CHECK(msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qnum == 0 && ds.msg_cbytes == 0 && ds.msg_lrpid == getpid(), "the queue is empty again", "qnum %lu", (unsigned long)ds.msg_qnum);

    CHECK(FAILS(snd(q, 0, "x", 0), EINVAL), "mtype 0 is EINVAL", "errno %d", errno);
    CHECK(FAILS(msgsnd(q, &m, 8193, 0), EINVAL), "a message past msgmax is EINVAL", "errno %d", errno);
    CHECK(FAILS(msgsnd(q, (void *)8, 4, 0), EFAULT), "msgsnd of a bad pointer is EFAULT", "errno %d", errno);
    CHECK(FAILS(msgsnd(-1, &m, 4, 0), EINVAL), "a negative id is EINVAL", "errno %d", errno);
    CHECK(FAILS(msgctl(q, 99, &ds), EINVAL), "an unknown msgctl command is EINVAL", "errno %d", errno);

    /* A full queue: IPC_SET shrinks msg_qbytes. */
    msgctl(q, IPC_STAT, &ds);
    ds.msg_qbytes = 10;
    ds.msg_perm.mode = 0644;
    CHECK(msgctl(q, IPC_SET, &ds) == 0 && msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qbytes == 10 && (ds.msg_perm.mode & 0777) == 0644, "IPC_SET changes qbytes and mode", "qbytes %lu mode %o", (unsigned long)ds.msg_qbytes, ds.msg_perm.mode);
    CHECK(snd(q, 1, "12345678", 0) == 0 && FAILS(snd(q, 1, "abc", IPC_NOWAIT), EAGAIN), "a full queue with IPC_NOWAIT is EAGAIN", "errno %d", errno);
    /* A sender blocks until a receiver makes room. */
    pid_t c = fork();
    if (c == 0)
        _exit(snd(q, 7, "blocked", 0) == 0 ? 0 : 1);
    t_sleep_ms(50);
    CHECK(rcvtype(q, 0, 0) == 1, "receive makes room", "errno %d", errno);
    CHECK((st = t_wait_exit(c)) == 0, "a blocked sender completes once there is room", "status %d", st);
    CHECK(rcvtype(q, 7, IPC_NOWAIT) == 7, "the blocked sender's message arrived", "errno %d", errno);
    ds.msg_qbytes = 16384;
    msgctl(q, IPC_SET, &ds);

    /* A receiver blocks until a message comes. */
    CHECK_CHILD(child_sends_later, "a child sends");
    CHECK(rcvtype(q, 9, IPC_NOWAIT) == 9, "message from another process", "errno %d", errno);
    c = fork();
    if (c == 0) {
        t_sleep_ms(50);
        snd(q, 11, "wake", 0);
        _exit(0);
    }
    CHECK(rcvtype(q, 11, 0) == 11, "a blocked receiver gets the message sent later", "errno %d", errno);
    t_wait_exit(c);

    /* A signal with a handler interrupts a blocked msgrcv: EINTR. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
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
    CHECK(FAILS(rcvtype(q, 12, 0), EINTR), "msgrcv interrupted by a handler is EINTR even with SA_RESTART", "errno %d", errno);
    t_kill_reap(c);

    /* A waiter sees EIDRM when the queue is removed. */
    int r = msgget(IPC_PRIVATE, 0600);
    c = fork();
    if (c == 0) {
        long t = rcvtype(r, 1, 0);
        _exit(t == -1 && errno == EIDRM ? 0 : 1);
    }
    wait_sleeping(c);
    msgctl(r, IPC_RMID, NULL);
    CHECK((st = t_wait_exit(c)) == 0, "a blocked receiver gets EIDRM when the queue is removed", "status %d", st);

    /* Info commands. */
    struct msginfo mi;
    int maxidx = msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
    CHECK(maxidx >= 0 && mi.msgmax == 8192 && mi.msgmnb == 16384 && mi.msgmni == 32000 && mi.msgssz == 16 && mi.msgseg == 0xffff, "IPC_INFO gives the limits", "max %d msgmax %d mnb %d mni %d", maxidx, mi.msgmax, mi.msgmnb, mi.msgmni);
    snd(q, 3, "abc", 0);
    maxidx = msgctl(0, MSG_INFO, (struct msqid_ds *)&mi);
    CHECK(maxidx >= 0 && mi.msgpool >= 1 && mi.msgmap >= 1 && mi.msgtql >= 4, "MSG_INFO counts queues, messages and bytes", "pool %d map %d tql %d", mi.msgpool, mi.msgmap, mi.msgtql);
    int found = 0;
    for (int i = 0; i <= maxidx; i++) {
        int id = msgctl(i, MSG_STAT, &ds);
        if (id == q && ds.msg_qnum == 1)
            found = 1;
    }
    CHECK(found, "MSG_STAT by index finds the queue and returns its id", "maxidx %d", maxidx);
    CHECK(FAILS(msgctl(q, IPC_STAT, (void *)8), EFAULT), "IPC_STAT to a bad pointer is EFAULT", "errno %d", errno);

    /* Permissions as another user. */
    int priv = msgget(IPC_PRIVATE, 0600);
    int open = msgget(IPC_PRIVATE, 0622);
    c = fork();
    if (c == 0) {
        if (setuid(65534) != 0)
            _exit(1);
        if (!FAILS(snd(priv, 1, "x", IPC_NOWAIT), EACCES))
            _exit(2);
        if (!FAILS(msgctl(priv, IPC_STAT, &ds), EACCES))
            _exit(3);
        if (!FAILS(msgctl(priv, IPC_RMID, NULL), EPERM))
            _exit(4);
        if (snd(open, 1, "x", IPC_NOWAIT) != 0)
            _exit(5);
        if (!FAILS(rcvtype(open, 0, IPC_NOWAIT), EACCES))
            _exit(6);
        _exit(0);
    }
    CHECK((st = t_wait_exit(c)) == 0, "another user: mode bits decide (EACCES), only the owner removes (EPERM)", "status %d", st);
    msgctl(priv, IPC_RMID, NULL);
    msgctl(open, IPC_RMID, NULL);
    msgctl(q, IPC_RMID, NULL);
    CHECK_NO_CHILDREN();
    return t_done("ipc_msg");
}
