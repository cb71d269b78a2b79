/* ioprio_get(2), ioprio_set(2): the value of a thread that never set one
 * (IOPRIO_CLASS_NONE, 0), setting and reading back per thread, the
 * process group's answer as Linux's ioprio_best (a thread without a class
 * counts as best-effort level 4), inheritance by fork, the validation of
 * `which`, `who` and the value (EINVAL, ESRCH), and the permission rules
 * for the real-time class and for another user's thread (EPERM). */
#define _GNU_SOURCE
#include <pthread.h>
#include "../t.h"

#define WHO_PROCESS 1
#define WHO_PGRP 2
#define WHO_USER 3
#define PRIO(class, data) (((class) << 13) | (data))
#define CLASS_NONE 0
#define CLASS_RT 1
#define CLASS_BE 2
#define CLASS_IDLE 3

static long get(int which, int who) { return syscall(SYS_ioprio_get, which, who); }
static long set(int which, int who, int prio) { return syscall(SYS_ioprio_set, which, who, prio); }

static volatile int go, stop;
static pid_t tid;
static void *parked(void *arg) {
    (void)arg;
    t_thread_park(&tid, &go, &stop);
    return NULL;
}

/* A fork child sees its parent's value. */
static int child_inherits(void) {
    STEP(1, get(WHO_PROCESS, 0) == PRIO(CLASS_BE, 5));
    return 0;
}

/* Without privileges (uid 65534). */
static int unprivileged(void) {
    pid_t parent = getppid();
    STEP(1, setuid(65534) == 0);
    STEP(2, FAILS(set(WHO_PROCESS, 0, PRIO(CLASS_RT, 0)), EPERM));
    STEP(3, set(WHO_PROCESS, 0, PRIO(CLASS_IDLE, 0)) == 0);
    STEP(4, get(WHO_PROCESS, 0) == PRIO(CLASS_IDLE, 0));
    /* Another user's process: readable, not settable. */
    STEP(5, get(WHO_PROCESS, parent) >= 0);
    STEP(6, FAILS(set(WHO_PROCESS, parent, PRIO(CLASS_BE, 7)), EPERM));
    return 0;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    CHECK(get(WHO_PROCESS, 0) == 0, "a thread that never set one answers 0 (IOPRIO_CLASS_NONE)", "%ld", get(WHO_PROCESS, 0));
    CHECK(get(WHO_PROCESS, getpid()) == 0, "by pid too", "%ld", get(WHO_PROCESS, getpid()));
    CHECK(set(WHO_PROCESS, 0, PRIO(CLASS_BE, 3)) == 0, "ioprio_set best-effort level 3 succeeds", "errno %d", errno);
    CHECK(get(WHO_PROCESS, 0) == PRIO(CLASS_BE, 3), "ioprio_get reads it back", "%lx", get(WHO_PROCESS, 0));
    CHECK(set(WHO_PROCESS, 0, PRIO(CLASS_IDLE, 9)) == 0 && get(WHO_PROCESS, 0) == PRIO(CLASS_IDLE, 9), "the idle class takes any level", "%lx", get(WHO_PROCESS, 0));
    CHECK(set(WHO_PROCESS, 0, PRIO(CLASS_RT, 7)) == 0 && get(WHO_PROCESS, 0) == PRIO(CLASS_RT, 7), "root may set the real-time class", "%lx", get(WHO_PROCESS, 0));
    CHECK(set(WHO_PROCESS, 0, 0) == 0 && get(WHO_PROCESS, 0) == 0, "IOPRIO_CLASS_NONE can be set back", "%lx", get(WHO_PROCESS, 0));

    CHECK(FAILS(set(WHO_PROCESS, 0, PRIO(4, 0)), EINVAL), "an unknown class is EINVAL", "errno %d", errno);
    CHECK(FAILS(set(WHO_PROCESS, 0, PRIO(CLASS_NONE, 1)), EINVAL), "IOPRIO_CLASS_NONE with a level is EINVAL", "errno %d", errno);
    CHECK(FAILS(get(4, 0), EINVAL) && FAILS(set(0, 0, 0), EINVAL), "an unknown `which` is EINVAL", "errno %d", errno);
    CHECK(FAILS(get(WHO_PROCESS, -1), ESRCH), "a negative pid is ESRCH", "errno %d", errno);
    CHECK(FAILS(get(WHO_PROCESS, 99999999), ESRCH) && FAILS(set(WHO_PROCESS, 99999999, 0), ESRCH), "a missing pid is ESRCH", "errno %d", errno);

    /* Per thread: another thread keeps its own. */
    pthread_t th;
    pthread_create(&th, NULL, parked, NULL);
    t_await(&go, 1);
    CHECK(set(WHO_PROCESS, tid, PRIO(CLASS_BE, 6)) == 0, "ioprio_set by thread id succeeds", "errno %d", errno);
    CHECK(get(WHO_PROCESS, tid) == PRIO(CLASS_BE, 6) && get(WHO_PROCESS, 0) == 0, "the value is the thread's own", "%lx %lx", get(WHO_PROCESS, tid), get(WHO_PROCESS, 0));
    /* Over the group: best of (none = BE 4, BE 6) is BE 4. */
    CHECK(get(WHO_PGRP, 0) == PRIO(CLASS_BE, 4), "the process group answers ioprio_best, none counting as BE 4", "%lx", get(WHO_PGRP, 0));
    set(WHO_PROCESS, 0, PRIO(CLASS_BE, 1));
    CHECK(get(WHO_PGRP, 0) == PRIO(CLASS_BE, 1), "the best level of the group wins", "%lx", get(WHO_PGRP, 0));
    CHECK(get(WHO_PGRP, getpgrp()) == PRIO(CLASS_BE, 1), "by process group id too", "%lx", get(WHO_PGRP, getpgrp()));
    t_set(&stop, 1);
    pthread_join(th, NULL);

    set(WHO_PROCESS, 0, PRIO(CLASS_BE, 5));
    CHECK_CHILD(child_inherits, "a fork child inherits the value");
    CHECK_CHILD(unprivileged, "without CAP_SYS_NICE: no real-time class, no other user's process");
    CHECK_NO_CHILDREN();
    return t_done("ioprio");
}
