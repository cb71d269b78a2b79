/* FIFOs (named pipes): blocking opens, ENXIO for a nonblocking writer without
 * a reader, data through the FIFO, EOF, and O_RDWR looping back. */
#include <fcntl.h>
#include <sys/stat.h>
#include "../t.h"
int main(void) {
    unlink("/tmp/ff");
    CHECK(mkfifo("/tmp/ff", 0600) == 0, "mkfifo", "errno %d", errno);
    errno = 0;
    CHECK(open("/tmp/ff", O_WRONLY | O_NONBLOCK) == -1 && errno == ENXIO, "nonblocking writer without a reader is ENXIO", "errno %d", errno);
    pid_t c = fork();
    if (c == 0) { int w = open("/tmp/ff", O_WRONLY); write(w, "hello", 5); close(w); _exit(0); }
    int r = open("/tmp/ff", O_RDONLY);
    char b[16] = {0}; int n = read(r, b, sizeof b);
    CHECK(n == 5 && memcmp(b, "hello", 5) == 0, "a reader blocks until a writer opens, then reads", "n %d", n);
    waitpid(c, NULL, 0);
    CHECK(read(r, b, sizeof b) == 0, "EOF after the writer closes", "not eof");
    close(r);
    int rw = open("/tmp/ff", O_RDWR);
    CHECK(rw >= 0 && write(rw, "x", 1) == 1 && read(rw, b, 1) == 1 && b[0] == 'x', "O_RDWR never blocks and loops back", "rw %d", rw);
    close(rw); unlink("/tmp/ff");
    return t_done("fs_fifo");
}
