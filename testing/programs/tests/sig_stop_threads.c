/* Job control of multithreaded children: SIGSTOP stops every thread
 * (spinning ones too), WUNTRACED/WCONTINUED and SIGCHLD CLD_STOPPED /
 * CLD_CONTINUED reports, every thread running again after SIGCONT, a stop
 * raised by a secondary thread stopping the whole process, a thread
 * blocked in read not returning to user mode while stopped even when data
 * arrives, and SIGKILL of a stopped child. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "../t.h"

static volatile unsigned long *shared; /* [0], [1]: counters of two threads */

static void *spin(void *arg) {
    volatile unsigned long *c = arg;
    for (;;)
        (*c)++;
    return NULL;
}

static int rpipe[2];
static void *reader(void *arg) {
    (void)arg;
    char c;
    if (read(rpipe[0], &c, 1) == 1)
        shared[3] = 1;
    for (;;)
        pause();
    return NULL;
}
static void *stopper(void *arg) {
    (void)arg;
    while (shared[0] == 0)
        t_sleep_ms(1);
    raise(SIGSTOP);
    shared[4] = 1;
    for (;;)
        pause();
    return NULL;
}

int main(void) {
    t_watchdog(40);
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int st;

    /* 1. A two-thread child stops as a whole. */
    t_catch_chld(0);
    t_chld_n = 0;
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, spin, (void *)&shared[1]);
        spin((void *)&shared[0]);
    }
    while (shared[0] == 0 || shared[1] == 0)
        t_sleep_ms(1);
    kill(pid, SIGSTOP);
    st = 0;
    pid_t r = t_wait_poll(pid, &st, WUNTRACED);
    CHECK(r == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "WUNTRACED reports the SIGSTOP", "r ok %d st %#x",
          r == pid, st);
    unsigned long a0 = shared[0], a1 = shared[1];
    t_sleep_ms(50);
    CHECK(shared[0] == a0 && shared[1] == a1, "both threads of the stopped child stay stopped", "moved %d %d",
          shared[0] != a0, shared[1] != a1);
    t_await_chld(1);
    CHECK(t_chld_n >= 1 && t_chld_code[0] == CLD_STOPPED, "SIGCHLD arrives with CLD_STOPPED", "n %d code %d", t_chld_n,
          t_chld_code[0]);
    kill(pid, SIGCONT);
    st = 0;
    r = t_wait_poll(pid, &st, WCONTINUED);
    CHECK(r == pid && WIFCONTINUED(st), "WCONTINUED reports the continue", "st %#x", st);
    t_await_chld(2);
    CHECK(t_chld_n >= 2 && t_chld_code[1] == CLD_CONTINUED, "SIGCHLD arrives with CLD_CONTINUED", "n %d code %d",
          t_chld_n, t_chld_code[1]);
    a0 = shared[0];
    a1 = shared[1];
    for (int i = 0; i < 3000 && (shared[0] == a0 || shared[1] == a1); i++)
        t_sleep_ms(1);
    CHECK(shared[0] != a0 && shared[1] != a1, "both threads run again after SIGCONT", "moved %d %d", shared[0] != a0,
          shared[1] != a1);
    /* A stop while the parent waits without WUNTRACED is not reported. */
    kill(pid, SIGSTOP);
    r = t_wait_poll(pid, &st, WUNTRACED | WNOWAIT);
    CHECK(waitpid(pid, &st, WNOHANG) == 0, "without WUNTRACED a stopped child is not reported", "%s", "");
    kill(pid, SIGKILL);
    st = 0;
    r = t_wait_poll(pid, &st, 0);
    CHECK(r == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "SIGKILL ends a stopped child", "st %#x", st);

    /* 2. A secondary thread raises SIGSTOP; a reader gets data while stopped. */
    shared[0] = shared[1] = shared[3] = shared[4] = 0;
    pipe(rpipe);
    pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, reader, NULL);
        pthread_create(&t, NULL, stopper, NULL);
        spin((void *)&shared[0]);
    }
    st = 0;
    r = t_wait_poll(pid, &st, WUNTRACED);
    CHECK(r == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "raise(SIGSTOP) in a secondary thread stops the process",
          "st %#x", st);
    a0 = shared[0];
    write(rpipe[1], "d", 1);
    t_sleep_ms(50);
    CHECK(shared[0] == a0 && shared[3] == 0 && shared[4] == 0,
          "while stopped no thread runs user code, not even a reader whose data arrived", "spin %d read %lu",
          shared[0] != a0, shared[3]);
    kill(pid, SIGCONT);
    for (int i = 0; i < 3000 && (shared[3] == 0 || shared[4] == 0 || shared[0] == a0); i++)
        t_sleep_ms(1);
    CHECK(shared[3] == 1 && shared[4] == 1 && shared[0] != a0,
          "after SIGCONT the reader has its data, raise returns and the spinner runs", "read %lu raise %lu",
          shared[3], shared[4]);
    kill(pid, SIGKILL);
    t_wait_poll(pid, &st, 0);
    close(rpipe[0]);
    close(rpipe[1]);

    errno = 0;
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD, "no children left behind", "errno %d", errno);
    return t_done("sig_stop_threads");
}
