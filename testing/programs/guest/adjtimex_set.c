/* Guest-only (it changes the clock's NTP state and steps the clock, which
 * the host's must not): adjtimex as Linux answers on a fresh boot without
 * an NTP daemon, and the values set read back with Linux's rules.
 * Expected lines in testing/suites/guest.toml. */
#define _GNU_SOURCE
#include <sys/timex.h>
#include "../t.h"

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct timex t = {0};
    int r = adjtimex(&t);
    CHECK(r == TIME_ERROR && t.status == STA_UNSYNC && t.maxerror == 16000000 && t.esterror == 16000000 && t.constant == 2 && t.freq == 0 && t.offset == 0,
          "a fresh clock: TIME_ERROR, STA_UNSYNC, errors at 16 s, constant 2", "%d %x %ld %ld %ld", r, t.status, t.maxerror, t.esterror, t.constant);
    memset(&t, 0, sizeof t);
    t.modes = ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR;
    t.status = STA_PLL;
    t.maxerror = 1000;
    t.esterror = 500;
    r = adjtimex(&t);
    CHECK(r == TIME_OK && t.status == STA_PLL && t.esterror == 500 && t.maxerror >= 1000 && t.maxerror < 100000, "setting the status synchronized answers TIME_OK", "%d %x %ld", r, t.status, t.maxerror);
    memset(&t, 0, sizeof t);
    t.modes = ADJ_TIMECONST;
    t.constant = 3;
    CHECK(adjtimex(&t) == TIME_OK && t.constant == 7, "ADJ_TIMECONST adds 4 in microsecond mode", "%ld", t.constant);
    memset(&t, 0, sizeof t);
    t.modes = ADJ_FREQUENCY;
    t.freq = 1000L << 16;
    CHECK(adjtimex(&t) >= 0 && t.freq == 500L << 16, "the frequency is clamped to 500 ppm", "%ld", t.freq);
    memset(&t, 0, sizeof t);
    t.modes = ADJ_NANO;
    CHECK(adjtimex(&t) >= 0 && (t.status & STA_NANO) && t.time.tv_usec < 1000000000, "ADJ_NANO switches to nanoseconds", "%x", t.status);
    memset(&t, 0, sizeof t);
    t.modes = ADJ_MICRO;
    CHECK(adjtimex(&t) >= 0 && !(t.status & STA_NANO) && t.time.tv_usec < 1000000, "ADJ_MICRO switches back", "%x", t.status);
    memset(&t, 0, sizeof t);
    t.modes = ADJ_OFFSET_SINGLESHOT;
    t.offset = 1000;
    CHECK(adjtimex(&t) >= 0 && t.offset == 0, "adjtime's correction returns the previous one", "%ld", t.offset);
    memset(&t, 0, sizeof t);
    t.modes = ADJ_OFFSET_SS_READ;
    CHECK(adjtimex(&t) >= 0 && t.offset > 0 && t.offset <= 1000, "ADJ_OFFSET_SS_READ reports what is left of it", "%ld", t.offset);
    time_t before = time(NULL);
    memset(&t, 0, sizeof t);
    t.modes = ADJ_SETOFFSET;
    t.time.tv_sec = 100;
    CHECK(adjtimex(&t) >= 0 && time(NULL) >= before + 99 && time(NULL) <= before + 105, "ADJ_SETOFFSET steps the clock", "%ld -> %ld", (long)before, (long)time(NULL));
    t.modes = ADJ_SETOFFSET;
    t.time.tv_sec = -100;
    t.time.tv_usec = 0;
    CHECK(adjtimex(&t) >= 0 && time(NULL) >= before - 1 && time(NULL) <= before + 5, "and back", "%ld", (long)time(NULL));
    memset(&t, 0, sizeof t);
    t.modes = ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR | ADJ_FREQUENCY | ADJ_TIMECONST;
    t.status = STA_UNSYNC;
    t.maxerror = 16000000;
    t.esterror = 16000000;
    t.constant = -2;
    CHECK(adjtimex(&t) == TIME_ERROR && t.constant == 2 && t.freq == 0, "the state goes back to unsynchronized", "%ld", t.constant);
    return t_done("adjtimex_set");
}
