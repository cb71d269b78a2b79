/* The ioctls systemd and terminal programs issue on ptys, as Linux answers
 * them: TIOCEXCL/TIOCNXCL (0; root still opens an exclusive tty),
 * TIOCLINUX (ENOTTY: not a virtual console), FIONREAD on the master,
 * TCFLSH, TIOCVHANGUP on the slave (the slave descriptions open then read
 * 0 and write EIO, the master is not affected, a new open works), on the
 * master (that master reads 0 and writes EIO, the slave goes on), and
 * EPERM without CAP_SYS_ADMIN; a master stops (EAGAIN) when its slave does
 * not read, and goes on once it does. */
#define _GNU_SOURCE
#include "../t.h"
#include <poll.h>
#include "../pty.h"

static int slave_fd;

static int vhangup_unprivileged(void) {
    STEP(1, setuid(65534) == 0);
    STEP(2, FAILS(ioctl(slave_fd, TIOCVHANGUP), EPERM));
    return 0;
}

int main(void) {
    char name[64], buf[64];
    t_watchdog(30);
    CHECK(t_devpts() == 0, "/dev/pts is devpts", "errno %d", errno);
    int m = t_pty_master(O_NONBLOCK, name, sizeof name);
    int s = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
    CHECK(m >= 0 && s >= 0, "a pair", "errno %d", errno);
    CHECK(ioctl(s, TIOCEXCL) == 0 && ioctl(s, TIOCNXCL) == 0 && ioctl(m, TIOCEXCL) == 0 && ioctl(m, TIOCNXCL) == 0,
          "TIOCEXCL and TIOCNXCL answer 0 on both ends", "errno %d", errno);
    ioctl(s, TIOCEXCL);
    int s2 = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
    CHECK(s2 >= 0, "root opens an exclusive tty", "errno %d", errno);
    ioctl(s, TIOCNXCL);
    char sel[2] = {2, 0};
    CHECK(FAILS(ioctl(s, TIOCLINUX, sel), ENOTTY), "TIOCLINUX: ENOTTY", "errno %d", errno);
    write(s, "abc", 3);
    int n = -1;
    for (int i = 0; i < 2000 && n != 3; i++) {
        ioctl(m, FIONREAD, &n);
        if (n != 3)
            usleep(1000);
    }
    CHECK(n == 3, "FIONREAD on the master counts what the slave wrote", "n %d", n);
    t_read_avail(m, buf, sizeof buf, 3, 2000);
    write(m, "line\n", 5);
    t_read_avail(m, buf, sizeof buf, 6, 2000);
    n = -1;
    for (int i = 0; i < 2000 && n != 5; i++) {
        ioctl(s, FIONREAD, &n);
        if (n != 5)
            usleep(1000);
    }
    CHECK(n == 5 && tcflush(s, TCIFLUSH) == 0 && ioctl(s, FIONREAD, &n) == 0 && n == 0,
          "TCFLSH drops the slave's unread input", "n %d", n);
    CHECK(FAILS(tcflush(s, 7), EINVAL), "TCFLSH with a bad queue: EINVAL", "errno %d", errno);

    slave_fd = s;
    CHECK_CHILD(vhangup_unprivileged, "TIOCVHANGUP without CAP_SYS_ADMIN: EPERM");
    CHECK(ioctl(s, TIOCVHANGUP) == 0, "TIOCVHANGUP on the slave", "errno %d", errno);
    CHECK(read(s, buf, sizeof buf) == 0 && read(s2, buf, sizeof buf) == 0, "every slave descriptor then reads 0",
          "errno %d", errno);
    CHECK(FAILS(write(s, "x", 1), EIO) && FAILS(write(s2, "x", 1), EIO), "and writes EIO", "errno %d", errno);
    CHECK(FAILS(read(m, buf, sizeof buf), EAGAIN), "the master just waits", "errno %d", errno);
    int s3 = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
    int w = write(s3, "y", 1);
    int r = t_read_avail(m, buf, sizeof buf, 1, 2000);
    CHECK(s3 >= 0 && w == 1 && r == 1 && buf[0] == 'y', "a new slave open works", "s3 %d w %d r %d", s3, w, r);

    CHECK(ioctl(m, TIOCVHANGUP) == 0, "TIOCVHANGUP on the master", "errno %d", errno);
    CHECK(read(m, buf, sizeof buf) == 0 && FAILS(write(m, "z", 1), EIO), "that master reads 0 and writes EIO",
          "errno %d", errno);
    CHECK(write(s3, "y", 1) == 1 && FAILS(read(s3, buf, sizeof buf), EAGAIN), "the slave goes on", "errno %d", errno);
    /* Flow control: a slave that does not read stops the master. */
    int m2 = t_pty_master(O_NONBLOCK, name, sizeof name);
    int s4 = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
    struct termios raw;
    tcgetattr(s4, &raw);
    cfmakeraw(&raw);
    tcsetattr(s4, TCSANOW, &raw);
    static char chunk[1024];
    memset(chunk, 'q', sizeof chunk);
    long total = 0;
    errno = 0;
    for (int i = 0; i < 4096; i++) {
        long w2 = write(m2, chunk, sizeof chunk);
        if (w2 < 0)
            break;
        total += w2;
    }
    CHECK(errno == EAGAIN && total >= 4096 && total <= (1L << 20),
          "a master writing to a slave that does not read gets EAGAIN (between 4 KiB and 1 MiB)", "total %ld errno %d",
          total, errno);
    static char sink[1 << 16];
    long got = 0;
    for (int i = 0; i < 200 && got < total; i++) {
        long g = read(s4, sink, sizeof sink);
        if (g > 0)
            got += g;
        else
            usleep(1000);
    }
    struct pollfd pm = {m2, POLLOUT, 0};
    CHECK(got > 0 && poll(&pm, 1, 2000) == 1 && write(m2, chunk, 10) == 10,
          "once the slave reads, the master writes again", "got %ld errno %d", got, errno);
    close(s4);
    close(m2);
    CHECK_NO_CHILDREN();
    return t_done("pty_ioctl");
}
