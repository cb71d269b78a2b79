/* Unix98 ptys: posix_openpt/grantpt/unlockpt/ptsname, TIOCGPTN, the lock
 * (slave open and TIOCGPTPEER EIO while locked), data both ways through
 * the line discipline (canonical lines, echo, ONLCR, raw mode), the
 * slave's default termios and window size (set through the master),
 * FIONREAD, poll on both ends, the master's EIO and POLLHUP once every
 * slave descriptor is closed (its input kept for the next open), and the
 * hangup when the master closes (node gone, read 0, write and ioctl EIO). */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/sysmacros.h>
#include "../t.h"
#include "../pty.h"

int main(void) {
    char name[64], buf[256];
    int n;
    t_watchdog(30);
    CHECK(t_devpts() == 0, "/dev/pts is devpts", "errno %d", errno);

    int m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    CHECK(m >= 0 && ioctl(m, TIOCGPTN, &n) == 0 && n >= 0, "posix_openpt opens a master; TIOCGPTN names it",
          "m %d errno %d", m, errno);
    snprintf(name, sizeof name, "/dev/pts/%d", n);
    CHECK(strcmp(ptsname(m), name) == 0, "ptsname is /dev/pts/N", "%s", ptsname(m));
    CHECK(stat(name, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 136 && minor(st.st_rdev) == (unsigned)n,
          "/dev/pts/N is char 136:N", "errno %d", errno);
    CHECK((st.st_mode & 07777) == 0600 && st.st_uid == getuid(), "its mode is 0600, owned by the opener",
          "mode %o uid %d", st.st_mode, st.st_uid);
    int lk = -1;
    CHECK(ioctl(m, TIOCGPTLCK, &lk) == 0 && lk == 1, "a new pair is locked", "lk %d", lk);
    CHECK(FAILS(open(name, O_RDWR | O_NOCTTY), EIO), "opening a locked slave: EIO", "errno %d", errno);
    CHECK(FAILS(ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY), EIO), "TIOCGPTPEER on a locked pair: EIO", "errno %d",
          errno);
    CHECK(grantpt(m) == 0 && unlockpt(m) == 0 && ioctl(m, TIOCGPTLCK, &lk) == 0 && lk == 0, "grantpt and unlockpt",
          "lk %d errno %d", lk, errno);
    int s = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
    CHECK(s >= 0, "the unlocked slave opens", "errno %d", errno);
    CHECK(isatty(s) && isatty(m), "both ends are ttys", "errno %d", errno);
    CHECK(FAILS(ioctl(s, TIOCGPTN, &n), ENOTTY), "TIOCGPTN on the slave: ENOTTY", "errno %d", errno);

    struct termios t;
    tcgetattr(s, &t);
    CHECK(t.c_iflag == (ICRNL | IXON) && t.c_oflag == (OPOST | ONLCR) && t.c_cflag == (B38400 | CS8 | CREAD) &&
              t.c_lflag == (ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN) && cfgetospeed(&t) == B38400,
          "the slave starts with Linux's pty termios", "i %o o %o c %o l %o", t.c_iflag, t.c_oflag, t.c_cflag,
          t.c_lflag);
    struct termios tm;
    tcgetattr(m, &tm);
    CHECK(tm.c_iflag == t.c_iflag && tm.c_oflag == t.c_oflag && tm.c_cflag == t.c_cflag && tm.c_lflag == t.c_lflag,
          "the master's TCGETS shows the slave's termios", "lflag %o", tm.c_lflag);
    struct winsize ws = {0};
    CHECK(ioctl(s, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 0 && ws.ws_col == 0, "the window size starts at 0x0",
          "%dx%d", ws.ws_row, ws.ws_col);
    struct winsize set = {40, 100, 0, 0};
    CHECK(ioctl(m, TIOCSWINSZ, &set) == 0 && ioctl(s, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 40 && ws.ws_col == 100,
          "TIOCSWINSZ on the master sets the slave's size", "%dx%d", ws.ws_row, ws.ws_col);

    struct pollfd p = {m, POLLIN | POLLOUT, 0};
    CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLOUT, "an idle master polls writable only", "revents %#x",
          p.revents);
    CHECK(write(s, "out\n", 4) == 4, "the slave writes", "errno %d", errno);
    int r = t_read_avail(m, buf, sizeof buf, 5, 2000);
    CHECK(r == 5 && strcmp(buf, "out\r\n") == 0, "the master reads it with ONLCR", "r %d [%s]", r, buf);

    CHECK(write(m, "hel", 3) == 3, "the master writes", "errno %d", errno);
    r = t_read_avail(m, buf, sizeof buf, 3, 2000);
    CHECK(r == 3 && strcmp(buf, "hel") == 0, "ECHO: the master reads its input back", "r %d [%s]", r, buf);
    errno = 0;
    CHECK(read(s, buf, sizeof buf) == -1 && errno == EAGAIN, "ICANON: no line yet, the slave read would wait",
          "errno %d", errno);
    p.fd = s;
    p.events = POLLIN;
    CHECK(poll(&p, 1, 0) == 0, "and the slave does not poll readable", "revents %#x", p.revents);
    write(m, "lo\r", 3);
    r = t_read_avail(m, buf, sizeof buf, 4, 2000);
    CHECK(r == 4 && strcmp(buf, "lo\r\n") == 0, "ICRNL: CR ends the line, echoed as CR LF", "r %d [%s]", r, buf);
    CHECK(poll(&p, 1, 2000) == 1 && (p.revents & POLLIN), "now the slave polls readable", "revents %#x", p.revents);
    int avail = -1;
    CHECK(ioctl(s, FIONREAD, &avail) == 0 && avail == 6, "FIONREAD on the slave counts the line", "%d", avail);
    r = read(s, buf, sizeof buf);
    CHECK(r == 6 && memcmp(buf, "hello\n", 6) == 0, "the slave reads the whole line", "r %d", r);
    write(m, "ab\177c\n", 5);
    r = t_read_avail(s, buf, sizeof buf, 3, 2000);
    CHECK(r == 3 && memcmp(buf, "ac\n", 3) == 0, "VERASE removes a character", "r %d [%s]", r, buf);
    t_read_avail(m, buf, sizeof buf, 100, 50);

    t.c_lflag &= ~(ICANON | ECHO);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    CHECK(tcsetattr(s, TCSANOW, &t) == 0, "raw mode set", "errno %d", errno);
    write(m, "xy", 2);
    r = t_read_avail(s, buf, sizeof buf, 2, 2000);
    CHECK(r == 2 && memcmp(buf, "xy", 2) == 0, "raw mode: bytes arrive without a newline", "r %d", r);
    errno = 0;
    CHECK(read(m, buf, sizeof buf) == -1 && errno == EAGAIN, "and without echo", "errno %d", errno);

    int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    CHECK(peer >= 0 && fstat(peer, &st) == 0 && minor(st.st_rdev) == (unsigned)n && fcntl(peer, F_GETFD) == FD_CLOEXEC,
          "TIOCGPTPEER opens the slave (O_CLOEXEC kept)", "peer %d errno %d", peer, errno);
    close(peer);

    write(m, "kept\n", 5);
    close(s);
    p.fd = m;
    p.events = POLLIN;
    r = poll(&p, 1, 0);
    CHECK(r == 1 && (p.revents & POLLHUP), "every slave closed: the master polls POLLHUP", "revents %#x", p.revents);
    errno = 0;
    CHECK(read(m, buf, sizeof buf) == -1 && errno == EIO, "and reads EIO", "errno %d", errno);
    s = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
    r = t_read_avail(s, buf, sizeof buf, 5, 2000);
    CHECK(s >= 0 && r == 5 && memcmp(buf, "kept\n", 5) == 0, "a new slave open finds the input still there",
          "s %d r %d", s, r);
    errno = 0;
    CHECK(read(m, buf, sizeof buf) == -1 && errno == EAGAIN, "and the master waits again", "errno %d", errno);

    close(m);
    CHECK(FAILS(access(name, F_OK), ENOENT), "closing the master removes /dev/pts/N", "errno %d", errno);
    CHECK(read(s, buf, sizeof buf) == 0, "a hung-up slave reads 0", "errno %d", errno);
    CHECK(FAILS(write(s, "x", 1), EIO), "writes EIO", "errno %d", errno);
    CHECK(FAILS(tcgetattr(s, &t), EIO), "and its ioctls are EIO", "errno %d", errno);
    p.fd = s;
    p.events = POLLIN | POLLOUT;
    CHECK(poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLOUT | POLLERR | POLLHUP)) == (POLLIN | POLLOUT | POLLERR | POLLHUP),
          "and polls POLLIN|POLLOUT|POLLERR|POLLHUP", "revents %#x", p.revents);
    int m2 = posix_openpt(O_RDWR | O_NOCTTY), n2 = -1;
    ioctl(m2, TIOCGPTN, &n2);
    CHECK(n2 != n, "the index stays taken while a slave is open", "n %d n2 %d", n, n2);
    close(s);
    close(m2);
    int m3 = posix_openpt(O_RDWR | O_NOCTTY), n3 = -1;
    ioctl(m3, TIOCGPTN, &n3);
    CHECK(n3 == (n < n2 ? n : n2), "once both ends are closed the lowest index is reused", "n %d n2 %d n3 %d", n, n2,
          n3);
    close(m3);
    return t_done("pty_basic");
}
