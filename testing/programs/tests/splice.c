/* splice(2) between a pipe and a file, a socket or another pipe: offsets
 * (used and advanced in user memory, the file position left alone) or
 * the position (advanced), a splice into a pipe bounded by its free
 * buffers, a partial move between pipes, Linux's errors (ESPIPE for an
 * offset on a pipe, EINVAL for the same pipe, no pipe, O_APPEND, bad
 * flags, a negative offset; EBADF for a bad descriptor or mode; EPIPE
 * without a reader), 0 for len 0 and at the end of input, EAGAIN with
 * SPLICE_F_NONBLOCK or O_NONBLOCK, and a splice that waits for a writer. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include "../t.h"
#include "../files.h"

#define D "/tmp/splice.d"

static char big[200000];

static int avail(int fd) {
    int n = -1;
    ioctl(fd, FIONREAD, &n);
    return n;
}

static int file_with(const char *name, const char *text) {
    char p[64];
    snprintf(p, sizeof p, D "/%s", name);
    int fd = t_open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (text)
        write(fd, text, strlen(text));
    lseek(fd, 0, SEEK_SET);
    return fd;
}


int main(void) {
    t_watchdog(60);
    signal(SIGPIPE, SIG_IGN);
    t_fresh_dir(D);
    int p[2], q[2];
    char buf[256];

    /* file -> pipe with an offset */
    int f = file_with("a", "hello world");
    pipe(p);
    loff_t off = 6;
    long n = splice(f, &off, p[1], NULL, 100, 0);
    memset(buf, 0, sizeof buf);
    read(p[0], buf, sizeof buf);
    CHECK(n == 5 && off == 11 && !strcmp(buf, "world") && lseek(f, 0, SEEK_CUR) == 0, "file_to_pipe_offset",
          "n=%ld off=%lld buf=%s pos=%ld", n, (long long)off, buf, (long)lseek(f, 0, SEEK_CUR));

    /* file -> pipe at the position: advances it */
    n = splice(f, NULL, p[1], NULL, 5, 0);
    memset(buf, 0, sizeof buf);
    read(p[0], buf, sizeof buf);
    CHECK(n == 5 && !strcmp(buf, "hello") && lseek(f, 0, SEEK_CUR) == 5, "file_to_pipe_position", "n=%ld buf=%s", n, buf);

    /* at the end of the file: 0 */
    off = 11;
    n = splice(f, &off, p[1], NULL, 5, 0);
    CHECK(n == 0 && off == 11 && avail(p[0]) == 0, "file_to_pipe_eof", "n=%ld off=%lld", n, (long long)off);

    /* pipe -> file with an offset, file position untouched */
    write(p[1], "XYZ", 3);
    off = 2;
    n = splice(p[0], NULL, f, &off, 100, 0);
    CHECK(n == 3 && off == 5 && !strcmp(t_get(D "/a"), "heXYZ world") && lseek(f, 0, SEEK_CUR) == 5, "pipe_to_file_offset",
          "n=%ld off=%lld %s", n, (long long)off, t_get(D "/a"));

    /* pipe -> file at the position */
    write(p[1], "12", 2);
    n = splice(p[0], NULL, f, NULL, 100, 0);
    CHECK(n == 2 && lseek(f, 0, SEEK_CUR) == 7 && !strcmp(t_get(D "/a"), "heXYZ12orld"), "pipe_to_file_position", "n=%ld %s", n, t_get(D "/a"));

    /* pipe -> file takes only len bytes */
    write(p[1], "abcdef", 6);
    off = 0;
    n = splice(p[0], NULL, f, &off, 4, 0);
    CHECK(n == 4 && avail(p[0]) == 2 && !strncmp(t_get(D "/a"), "abcd", 4), "pipe_to_file_len", "n=%ld avail=%d", n, avail(p[0]));
    read(p[0], buf, sizeof buf);

    /* pipe -> pipe: everything moves */
    pipe(q);
    write(p[1], "moved", 5);
    n = splice(p[0], NULL, q[1], NULL, 100, 0);
    memset(buf, 0, sizeof buf);
    read(q[0], buf, sizeof buf);
    CHECK(n == 5 && avail(p[0]) == 0 && !strcmp(buf, "moved"), "pipe_to_pipe", "n=%ld buf=%s", n, buf);

    /* pipe -> pipe: part of a buffer */
    write(p[1], "0123456789", 10);
    n = splice(p[0], NULL, q[1], NULL, 4, 0);
    memset(buf, 0, sizeof buf);
    read(q[0], buf, sizeof buf);
    char rest[32] = {0};
    read(p[0], rest, sizeof rest);
    CHECK(n == 4 && !strcmp(buf, "0123") && !strcmp(rest, "456789"), "pipe_to_pipe_partial", "n=%ld buf=%s rest=%s", n, buf, rest);

    /* several buffers move in one call, in order */
    write(p[1], "aa", 2);
    write(p[1], big, 5000);
    write(p[1], "bb", 2);
    n = splice(p[0], NULL, q[1], NULL, 1 << 20, 0);
    CHECK(n == 5004 && avail(q[0]) == 5004, "pipe_to_pipe_many", "n=%ld avail=%d", n, avail(q[0]));
    static char got[6000];
    read(q[0], got, sizeof got);
    CHECK(got[0] == 'a' && got[5002] == 'b' && got[5003] == 'b', "pipe_to_pipe_order", "%c %c", got[0], got[5003]);

    /* len 0 is 0 before anything else */
    CHECK(splice(-1, NULL, -1, NULL, 0, 0) == 0, "len_zero", "errno=%d", errno);
    CHECK(FAILS(splice(p[0], NULL, f, NULL, 10, 0x10), EINVAL), "bad_flags", "errno=%d", errno);
    CHECK(FAILS(splice(-1, NULL, p[1], NULL, 10, 0), EBADF), "bad_fd", "errno=%d", errno);
    off = 0;
    CHECK(FAILS(splice(p[0], &off, f, NULL, 10, 0), ESPIPE), "offset_on_pipe_in", "errno=%d", errno);
    CHECK(FAILS(splice(f, NULL, p[1], &off, 10, 0), ESPIPE), "offset_on_pipe_out", "errno=%d", errno);
    CHECK(FAILS(splice(p[0], NULL, p[1], NULL, 10, 0), EINVAL), "same_pipe", "errno=%d", errno);
    int g = file_with("b", "zz");
    CHECK(FAILS(splice(f, NULL, g, NULL, 10, 0), EINVAL), "no_pipe", "errno=%d", errno);
    CHECK(FAILS(splice(p[1], NULL, q[1], NULL, 10, 0), EBADF), "input_write_only", "errno=%d", errno);
    CHECK(FAILS(splice(f, NULL, p[0], NULL, 10, 0), EBADF), "output_read_only", "errno=%d", errno);
    off = -1;
    CHECK(FAILS(splice(f, &off, p[1], NULL, 10, 0), EINVAL), "negative_offset", "errno=%d", errno);
    CHECK(FAILS(splice(f, (loff_t *)8, p[1], NULL, 10, 0), EFAULT), "bad_offset_pointer", "errno=%d", errno);
    int ap = t_open(D "/b", O_WRONLY | O_APPEND, 0);
    write(p[1], "x", 1);
    CHECK(FAILS(splice(p[0], NULL, ap, NULL, 10, 0), EINVAL), "append_output", "errno=%d", errno);
    read(p[0], buf, sizeof buf);

    /* empty pipe: EAGAIN with SPLICE_F_NONBLOCK, with O_NONBLOCK on the pipe */
    CHECK(FAILS(splice(p[0], NULL, f, NULL, 10, SPLICE_F_NONBLOCK), EAGAIN), "nonblock_empty", "errno=%d", errno);
    CHECK(FAILS(splice(p[0], NULL, q[1], NULL, 10, SPLICE_F_NONBLOCK), EAGAIN), "nonblock_empty_pipe", "errno=%d", errno);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    CHECK(FAILS(splice(p[0], NULL, q[1], NULL, 10, 0), EAGAIN), "o_nonblock_pipe_to_pipe", "errno=%d", errno);
    fcntl(p[0], F_SETFL, 0);

    /* a pipe into a pipe's free buffers: 16 pages by default */
    int h = file_with("big", NULL);
    write(h, big, sizeof big);
    off = 0;
    n = splice(h, &off, q[1], NULL, sizeof big, 0);
    CHECK(n == 65536 && off == 65536, "fills_free_buffers", "n=%ld", n);
    CHECK(FAILS(splice(h, &off, q[1], NULL, 10, SPLICE_F_NONBLOCK), EAGAIN), "full_nonblock", "errno=%d", errno);
    fcntl(q[1], F_SETFL, O_NONBLOCK);
    CHECK(FAILS(splice(h, &off, q[1], NULL, 10, 0), EAGAIN), "full_o_nonblock", "errno=%d", errno);
    fcntl(q[1], F_SETFL, 0);
    close(q[0]);
    close(q[1]);

    /* no writer: 0; no reader: EPIPE */
    pipe(q);
    close(q[1]);
    CHECK(splice(q[0], NULL, f, NULL, 10, 0) == 0, "no_writer_eof", "errno=%d", errno);
    close(q[0]);
    pipe(q);
    close(q[0]);
    off = 0;
    CHECK(FAILS(splice(f, &off, q[1], NULL, 10, 0), EPIPE), "no_reader_epipe", "errno=%d", errno);
    close(q[1]);

    /* a splice that waits for a writer */
    pipe(q);
    pid_t c = fork();
    if (c == 0) {
        t_sleep_ms(50);
        write(q[1], "late", 4);
        _exit(0);
    }
    close(q[1]);
    off = 0;
    n = splice(q[0], NULL, g, &off, 100, 0);
    waitpid(c, NULL, 0);
    CHECK(n == 4 && !strcmp(t_get(D "/b"), "late"), "waits_for_writer", "n=%ld", n);
    close(q[0]);

    /* sockets: socket -> pipe -> socket */
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[0], "sock!", 5);
    n = splice(sv[1], NULL, p[1], NULL, 100, 0);
    long m = splice(p[0], NULL, sv[1], NULL, 100, SPLICE_F_MORE);
    memset(buf, 0, sizeof buf);
    read(sv[0], buf, sizeof buf);
    CHECK(n == 5 && m == 5 && !strcmp(buf, "sock!"), "socket_round_trip", "n=%ld m=%ld buf=%s", n, m, buf);
    off = 0;
    write(p[1], "s", 1);
    CHECK(FAILS(splice(p[0], NULL, sv[1], &off, 10, 0), EINVAL), "offset_on_socket", "errno=%d", errno);
    read(p[0], buf, sizeof buf);
    CHECK(FAILS(splice(sv[1], NULL, p[1], NULL, 10, SPLICE_F_NONBLOCK), EAGAIN), "socket_nonblock", "errno=%d", errno);

    /* sendfile into a pipe */
    off = 0;
    n = sendfile(p[1], f, &off, 5);
    memset(buf, 0, sizeof buf);
    read(p[0], buf, sizeof buf);
    CHECK(n == 5 && off == 5 && !strncmp(buf, "abcd", 4), "sendfile_to_pipe", "n=%ld buf=%s", n, buf);

    return t_done("splice");
}
