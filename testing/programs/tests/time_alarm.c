/* alarm(2), setitimer(2), getitimer(2): SIGALRM at the deadline (never
 * early), intervals, cancellation, remaining-time reports. */
#include <sys/time.h>
#include "../t.h"

static volatile sig_atomic_t hits;
static void on_alarm(int sig) {
    (void)sig;
    hits++;
}

int main(void) {
    signal(SIGALRM, on_alarm);
    CHECK(alarm(0) == 0, "no alarm pending at start", "pending");
    CHECK(alarm(5) == 0 && alarm(0) == 5, "alarm reports the seconds left and alarm(0) cancels", "left");
    double t0 = t_now();
    alarm(1);
    pause();
    double el = t_now() - t0;
    CHECK(hits == 1 && el >= 0.99 && el < 3, "alarm(1) delivers SIGALRM after a second, not before", "hits %d el %.3f", hits, el);

    hits = 0;
    struct itimerval it = {.it_interval = {0, 20000}, .it_value = {0, 20000}}, old, cur;
    t0 = t_now();
    CHECK(setitimer(ITIMER_REAL, &it, &old) == 0 && old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0, "setitimer arms an interval timer", "old");
    while (hits < 3)
        pause();
    el = t_now() - t0;
    CHECK(hits == 3 && el >= 0.059, "a 20 ms interval fires three times in no less than 60 ms", "hits %d el %.3f", hits, el);
    CHECK(getitimer(ITIMER_REAL, &cur) == 0 && cur.it_interval.tv_usec == 20000 && cur.it_value.tv_usec <= 20000,
          "getitimer reports the interval and the time left", "cur %ld %ld", (long)cur.it_interval.tv_usec, (long)cur.it_value.tv_usec);
    struct itimerval off = {{0, 0}, {0, 0}};
    CHECK(setitimer(ITIMER_REAL, &off, &old) == 0 && old.it_interval.tv_usec == 20000, "disarming returns the old setting", "old");
    int before = hits;
    usleep(60000);
    CHECK(hits == before, "a disarmed timer stays quiet", "hits %d -> %d", before, hits);
    errno = 0;
    struct itimerval bad = {{0, 0}, {0, 1000000}};
    CHECK(setitimer(ITIMER_REAL, &bad, NULL) == -1 && errno == EINVAL, "tv_usec of a million is EINVAL", "errno %d", errno);
    errno = 0;
    CHECK(setitimer(7, &it, NULL) == -1 && errno == EINVAL, "an unknown timer is EINVAL", "errno %d", errno);
    return t_done("time_alarm");
}
