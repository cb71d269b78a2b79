/* eventfd(2) counter and semaphore modes, blocking and non-blocking, with
 * poll; timerfd(2) one-shot, interval with expiration counts, absolute
 * times, gettime, disarm, and poll readiness; neither has a position
 * (pread/pwrite ESPIPE) nor an fsync method (EINVAL). */
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include "../t.h"

int main(void) {
    uint64_t v = 0;
    int e = eventfd(3, EFD_NONBLOCK);
    CHECK(e >= 0 && read(e, &v, 8) == 8 && v == 3, "eventfd read returns the counter", "v %llu", (unsigned long long)v);
    errno = 0;
    CHECK(read(e, &v, 8) == -1 && errno == EAGAIN, "a zero counter is EAGAIN when non-blocking", "errno %d", errno);
    v = 5;
    write(e, &v, 8);
    v = 2;
    write(e, &v, 8);
    CHECK(read(e, &v, 8) == 8 && v == 7, "writes add up", "v %llu", (unsigned long long)v);
    errno = 0;
    CHECK(read(e, &v, 4) == -1 && errno == EINVAL, "a read of fewer than 8 bytes is EINVAL", "errno %d", errno);
    v = UINT64_MAX;
    errno = 0;
    CHECK(write(e, &v, 8) == -1 && errno == EINVAL, "writing 2^64-1 is EINVAL", "errno %d", errno);
    v = UINT64_MAX - 1;
    write(e, &v, 8);
    v = 1;
    errno = 0;
    CHECK(write(e, &v, 8) == -1 && errno == EAGAIN, "overflowing the counter is EAGAIN when non-blocking", "errno %d", errno);
    struct pollfd pf = {e, POLLIN | POLLOUT, 0};
    CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN, "a full counter polls readable, not writable", "revents %#x", pf.revents);
    close(e);

    int s = eventfd(2, EFD_SEMAPHORE);
    uint64_t a = 0, b = 0;
    read(s, &a, 8);
    read(s, &b, 8);
    CHECK(a == 1 && b == 1, "semaphore mode reads 1 at a time", "%llu %llu", (unsigned long long)a, (unsigned long long)b);
    pid_t c = fork();
    if (c == 0) {
        usleep(50000);
        uint64_t one = 1;
        write(s, &one, 8);
        _exit(0);
    }
    double t0 = t_now();
    read(s, &a, 8);
    CHECK(a == 1 && t_now() - t0 > 0.03, "a blocking read waits for a write from another process", "waited %.3f", t_now() - t0);
    waitpid(c, NULL, 0);
    close(s);
    errno = 0;
    CHECK(eventfd(0, 0x40) == -1 && errno == EINVAL, "an unknown eventfd flag is EINVAL", "errno %d", errno);

    int t = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = {{0, 0}, {0, 50000000}}, cur;
    t0 = t_now();
    CHECK(t >= 0 && timerfd_settime(t, 0, &its, NULL) == 0, "arm a 50 ms one-shot timerfd", "errno %d", errno);
    CHECK(read(t, &v, 8) == 8 && v == 1 && t_now() - t0 >= 0.049, "read blocks until it expires, never early", "v %llu el %.3f",
          (unsigned long long)v, t_now() - t0);
    struct itimerspec iv = {{0, 10000000}, {0, 10000000}};
    double armed = t_now();
    timerfd_settime(t, 0, &iv, NULL);
    usleep(55000);
    read(t, &v, 8);
    /* The periods that passed by the read: at least 4, at most what the
     * clock allows (a loaded machine may oversleep). */
    double periods = (t_now() - armed) / 0.01;
    CHECK(v >= 4 && v <= periods + 1, "an interval timer counts its expirations", "v %llu in %.1f periods", (unsigned long long)v,
          periods);
    CHECK(timerfd_gettime(t, &cur) == 0 && cur.it_interval.tv_nsec == 10000000 && cur.it_value.tv_nsec <= 10000000,
          "gettime reports the interval and the time left", "%ld", cur.it_value.tv_nsec);
    struct itimerspec zero = {{0, 0}, {0, 0}};
    timerfd_settime(t, 0, &zero, NULL);
    int tn = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    errno = 0;
    CHECK(read(tn, &v, 8) == -1 && errno == EAGAIN, "a non-blocking read of an unexpired timer is EAGAIN", "errno %d", errno);
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 30000000;
    t_ts_carry(&abs);
    struct itimerspec at = {{0, 0}, abs};
    timerfd_settime(tn, TFD_TIMER_ABSTIME, &at, NULL);
    struct pollfd tp = {tn, POLLIN, 0};
    CHECK(poll(&tp, 1, 1000) == 1 && tp.revents == POLLIN && read(tn, &v, 8) == 8 && v == 1, "an absolute timer wakes poll", "revents %#x",
          tp.revents);
    errno = 0;
    CHECK(timerfd_create(42, 0) == -1 && errno == EINVAL, "an unknown clock is EINVAL", "errno %d", errno);
    errno = 0;
    CHECK(timerfd_settime(tn, 0x80, &at, NULL) == -1 && errno == EINVAL, "an unknown settime flag is EINVAL", "errno %d", errno);
    int ep = eventfd(5, EFD_NONBLOCK);
    errno = 0;
    CHECK(pread(ep, &v, 8, 0) == -1 && errno == ESPIPE, "pread of an eventfd is ESPIPE", "errno %d", errno);
    v = 1;
    errno = 0;
    CHECK(pwrite(ep, &v, 8, 0) == -1 && errno == ESPIPE && read(ep, &v, 8) == 8 && v == 5,
          "pwrite of an eventfd is ESPIPE and leaves the count", "errno %d v %llu", errno, (unsigned long long)v);
    errno = 0;
    CHECK(pread(tn, &v, 8, 0) == -1 && errno == ESPIPE, "pread of a timerfd is ESPIPE", "errno %d", errno);
    errno = 0;
    CHECK(fsync(ep) == -1 && errno == EINVAL && fdatasync(tn) == -1 && errno == EINVAL,
          "fsync of an eventfd and fdatasync of a timerfd are EINVAL", "errno %d", errno);
    close(ep);
    return t_done("ev_eventfd_timerfd");
}
