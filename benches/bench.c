/* Aramid's benchmark program: the same static binary runs as init under
 * Aramid and under Debian's Linux in the same QEMU (benches/README.md).
 *
 * Each benchmark prints one line:  bench <name> <value> <unit>
 * where lower is better (ns per operation, or µs for latency figures).
 * "bench: done" ends the run; as PID 1 the program then powers off
 * (reboot(2) on Linux; on Aramid init's exit does it).
 *
 * argv[0] ending in "-quick" (or the argument "quick") divides every
 * iteration count by 100: `make test` runs it that way so it cannot rot.
 * argv[0] ending in "-boot" prints "bench: boot" and ends at once (the
 * boot-latency runs). */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int quick;
static int ncpu;
static const char *self;

static long iters(long n) { return quick ? (n / 100 > 0 ? n / 100 : 1) : n; }

static inline uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

static void report(const char *name, double value, const char *unit) {
    printf("bench %s %.1f %s\n", name, value, unit);
    fflush(stdout);
}

/* Runs `body` n times and reports ns per iteration. */
#define PER_OP(name, n, body)                                                   \
    do {                                                                        \
        long n_ = iters(n);                                                     \
        uint64_t t0_ = now_ns();                                                \
        for (long i_ = 0; i_ < n_; i_++) {                                      \
            body;                                                               \
        }                                                                       \
        report(name, (double)(now_ns() - t0_) / n_, "ns/op");                  \
    } while (0)

static void pin(int cpu) {
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu % ncpu, &s);
    sched_setaffinity(0, sizeof s, &s);
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Reports p50, p99 and max of `v` (ns) in µs. */
static void distribution(const char *name, uint64_t *v, long n) {
    char buf[96];
    qsort(v, n, sizeof *v, cmp_u64);
    snprintf(buf, sizeof buf, "%s_p50", name);
    report(buf, v[n / 2] / 1000.0, "us");
    snprintf(buf, sizeof buf, "%s_p99", name);
    report(buf, v[(n * 99) / 100] / 1000.0, "us");
    snprintf(buf, sizeof buf, "%s_max", name);
    report(buf, v[n - 1] / 1000.0, "us");
}

/* ---- ping-pong partners ---- */

static int ping_fd[2], pong_fd[2];
static void *pipe_partner(void *arg) {
    (void)arg;
    char c;
    while (read(ping_fd[0], &c, 1) == 1 && c)
        write(pong_fd[1], &c, 1);
    return NULL;
}

static _Atomic uint32_t futex_word;
static long futex_rounds;
static void fwait(uint32_t v) {
    while (futex_word == v)
        syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}
static void fwake(uint32_t v) {
    futex_word = v;
    syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}
static void *futex_partner(void *arg) {
    pin(1);
    (void)arg;
    for (long i = 0; i < futex_rounds; i++) {
        fwait(0);
        fwake(0);
    }
    return NULL;
}

static int ev_a, ev_b;
static long ev_rounds;
static void *epoll_partner(void *arg) {
    (void)arg;
    pin(1);
    int ep = epoll_create1(0);
    struct epoll_event e = {EPOLLIN, {0}};
    epoll_ctl(ep, EPOLL_CTL_ADD, ev_a, &e);
    uint64_t v;
    for (long i = 0; i < ev_rounds; i++) {
        epoll_wait(ep, &e, 1, -1);
        read(ev_a, &v, 8);
        v = 1;
        write(ev_b, &v, 8);
    }
    close(ep);
    return NULL;
}

static long yield_rounds;
static void *yield_partner(void *arg) {
    (void)arg;
    pin(0);
    for (long i = 0; i < yield_rounds; i++)
        sched_yield();
    return NULL;
}

static volatile int stop_busy;
static void *busy(void *arg) {
    pin((int)(intptr_t)arg);
    while (!stop_busy) {
    }
    return NULL;
}

static void *nothing(void *arg) { return arg; }

/* Futex wake latency: the waker stamps the time, the waiter measures. */
static _Atomic uint32_t lat_word;
static _Atomic uint64_t lat_stamp;
static uint64_t *lat_samples;
static long lat_n;
static void *latency_waiter(void *arg) {
    (void)arg;
    pin(1);
    for (long i = 0; i < lat_n; i++) {
        while (lat_word == 0)
            syscall(SYS_futex, &lat_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
        lat_samples[i] = now_ns() - lat_stamp;
        lat_word = 0;
    }
    return NULL;
}

static volatile sig_atomic_t got_signal;
static void on_signal(int s) { (void)s; got_signal++; }

static void bench_syscalls(void) {
    PER_OP("getpid", 200000, syscall(SYS_getpid));
    PER_OP("getppid", 200000, syscall(SYS_getppid));
    struct timespec ts;
    PER_OP("clock_gettime_vdso", 1000000, clock_gettime(CLOCK_MONOTONIC, &ts));
    PER_OP("clock_gettime_syscall", 200000, syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts));
    struct timeval tv;
    PER_OP("gettimeofday", 1000000, gettimeofday(&tv, NULL));
    int null = open("/dev/null", O_RDWR);
    char b = 0;
    PER_OP("read_devnull", 200000, read(null, &b, 1));
    PER_OP("write_devnull", 200000, write(null, &b, 1));
    close(null);
}

static void bench_files(void) {
    mkdir("/tmp", 01777);
    mkdir("/tmp/bench", 0755);
    int f = open("/tmp/bench/file", O_CREAT | O_RDWR, 0644);
    write(f, "data", 4);
    struct stat st;
    PER_OP("open_close", 50000, close(open("/tmp/bench/file", O_RDONLY)));
    PER_OP("stat", 100000, stat("/tmp/bench/file", &st));
    PER_OP("fstat", 200000, fstat(f, &st));
    close(f);
    mkdir("/tmp/bench/dir", 0755);
    char path[64];
    for (int i = 0; i < 100; i++) {
        snprintf(path, sizeof path, "/tmp/bench/dir/entry%03d", i);
        close(open(path, O_CREAT | O_WRONLY, 0644));
    }
    int d = open("/tmp/bench/dir", O_RDONLY | O_DIRECTORY);
    char buf[8192];
    PER_OP("getdents64_100", 5000, {
        lseek(d, 0, SEEK_SET);
        while (syscall(SYS_getdents64, d, buf, sizeof buf) > 0) {
        }
    });
    close(d);
}

static void bench_ipc(void) {
    pipe(ping_fd);
    pipe(pong_fd);
    pid_t c = fork();
    if (c == 0) {
        pin(1);
        pipe_partner(NULL);
        _exit(0);
    }
    pin(0);
    char x = 1;
    PER_OP("pipe_pingpong", 20000, {
        write(ping_fd[1], &x, 1);
        read(pong_fd[0], &x, 1);
    });
    x = 0;
    write(ping_fd[1], &x, 1);
    waitpid(c, NULL, 0);
    close(ping_fd[0]), close(ping_fd[1]), close(pong_fd[0]), close(pong_fd[1]);

    pthread_t th;
    futex_rounds = iters(20000);
    futex_word = 0;
    pthread_create(&th, NULL, futex_partner, NULL);
    uint64_t t0 = now_ns();
    for (long i = 0; i < futex_rounds; i++) {
        fwake(1);
        fwait(1);
    }
    report("futex_pingpong", (double)(now_ns() - t0) / futex_rounds, "ns/op");
    pthread_join(th, NULL);

    ev_a = eventfd(0, 0);
    ev_b = eventfd(0, 0);
    ev_rounds = iters(20000);
    pthread_create(&th, NULL, epoll_partner, NULL);
    int ep = epoll_create1(0);
    struct epoll_event e = {EPOLLIN, {0}};
    epoll_ctl(ep, EPOLL_CTL_ADD, ev_b, &e);
    uint64_t v = 1;
    t0 = now_ns();
    for (long i = 0; i < ev_rounds; i++) {
        v = 1;
        write(ev_a, &v, 8);
        epoll_wait(ep, &e, 1, -1);
        read(ev_b, &v, 8);
    }
    report("eventfd_epoll_pingpong", (double)(now_ns() - t0) / ev_rounds, "ns/op");
    pthread_join(th, NULL);
    close(ep), close(ev_a), close(ev_b);

    yield_rounds = iters(50000);
    pin(0);
    pthread_create(&th, NULL, yield_partner, NULL);
    t0 = now_ns();
    for (long i = 0; i < yield_rounds; i++)
        sched_yield();
    report("sched_yield_2threads", (double)(now_ns() - t0) / (2 * yield_rounds), "ns/op");
    pthread_join(th, NULL);

    signal(SIGUSR1, on_signal);
    PER_OP("signal_deliver_return", 50000, raise(SIGUSR1));

    lat_n = iters(5000);
    lat_samples = calloc(lat_n, sizeof *lat_samples);
    lat_word = 0;
    pthread_create(&th, NULL, latency_waiter, NULL);
    pin(0);
    for (long i = 0; i < lat_n; i++) {
        while (lat_word != 0)
            sched_yield();
        usleep(100); /* let the waiter block */
        lat_stamp = now_ns();
        lat_word = 1;
        syscall(SYS_futex, &lat_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
    pthread_join(th, NULL);
    distribution("futex_wake_latency", lat_samples, lat_n);
    free(lat_samples);
}

static void bench_processes(void) {
    PER_OP("fork_exit_wait", 2000, {
        pid_t p = fork();
        if (p == 0)
            _exit(0);
        waitpid(p, NULL, 0);
    });
    char *argv_static[] = {(char *)self, "exit", NULL};
    PER_OP("vfork_exec_static_wait", 500, {
        pid_t p = vfork();
        if (p == 0) {
            execv(self, argv_static);
            _exit(127);
        }
        waitpid(p, NULL, 0);
    });
    char *argv_dyn[] = {"/usr/bin/true", NULL};
    if (access("/usr/bin/true", X_OK) == 0)
        PER_OP("vfork_exec_dynamic_wait", 200, {
            pid_t p = vfork();
            if (p == 0) {
                execv("/usr/bin/true", argv_dyn);
                _exit(127);
            }
            waitpid(p, NULL, 0);
        });
    pthread_t th;
    PER_OP("thread_create_join", 5000, {
        pthread_create(&th, NULL, nothing, NULL);
        pthread_join(th, NULL);
    });
}

static void bench_memory(void) {
    PER_OP("mmap_touch_munmap_1", 20000, {
        char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p[0] = 1;
        munmap(p, 4096);
    });
    PER_OP("mmap_touch_munmap_1000", 50, {
        char *p = mmap(NULL, 1000 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (int k = 0; k < 1000; k++)
            p[k * 4096] = 1;
        munmap(p, 1000 * 4096);
    });
    long pages = iters(50000);
    char *p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint64_t t0 = now_ns();
    for (long k = 0; k < pages; k++)
        p[k * 4096] = 1;
    report("page_fault", (double)(now_ns() - t0) / pages, "ns/op");
    munmap(p, pages * 4096);
    char *base = sbrk(0);
    PER_OP("brk_grow_touch", 5000, {
        char *q = sbrk(4096);
        q[0] = 1;
    });
    brk(base);
}

static void bench_timers(void) {
    struct timespec zero = {0, 0};
    PER_OP("nanosleep_0", 20000, nanosleep(&zero, NULL));
    long n = iters(1000);
    uint64_t *v = calloc(n, sizeof *v);
    for (int busy_phase = 0; busy_phase < 2; busy_phase++) {
        pthread_t busy_th[64];
        int nb = busy_phase ? (ncpu < 64 ? ncpu : 64) : 0;
        stop_busy = 0;
        for (int k = 0; k < nb; k++)
            pthread_create(&busy_th[k], NULL, busy, (void *)(intptr_t)k);
        for (long i = 0; i < n; i++) {
            struct timespec d = {0, 1000000};
            uint64_t t0 = now_ns();
            clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL);
            v[i] = now_ns() - t0 - 1000000;
        }
        stop_busy = 1;
        for (int k = 0; k < nb; k++)
            pthread_join(busy_th[k], NULL);
        distribution(busy_phase ? "sleep_1ms_overshoot_busy" : "sleep_1ms_overshoot", v, n);
    }
    /* A periodic 1 kHz timerfd: how far each expiry lands from its slot. */
    long periods = iters(10000);
    uint64_t *j = calloc(periods, sizeof *j);
    int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    uint64_t start = now_ns() + 1000000;
    struct itimerspec its = {{0, 1000000}, {start / 1000000000, start % 1000000000}};
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
    uint64_t seen = 0;
    long k = 0;
    while (k < periods) {
        uint64_t exp;
        if (read(tfd, &exp, 8) != 8)
            break;
        uint64_t t = now_ns();
        seen += exp;
        uint64_t slot = start + (seen - 1) * 1000000;
        j[k++] = t > slot ? t - slot : 0;
    }
    close(tfd);
    distribution("timerfd_1khz_lateness", j, k);
    free(j);
    free(v);
}

/* AF_UNIX: ping-pong of one byte over a stream and a datagram socketpair
 * with the partner process on another CPU and on the same one, and
 * stream throughput as the time per 64 KiB moved to a reader on another
 * CPU. */
static void unix_pingpong(const char *name, int type, int partner_cpu) {
    int sv[2];
    socketpair(AF_UNIX, type, 0, sv);
    pid_t c = fork();
    if (c == 0) {
        pin(partner_cpu);
        char ch;
        while (read(sv[1], &ch, 1) == 1 && ch)
            write(sv[1], &ch, 1);
        _exit(0);
    }
    pin(0);
    char x = 1;
    PER_OP(name, 20000, {
        write(sv[0], &x, 1);
        read(sv[0], &x, 1);
    });
    x = 0;
    write(sv[0], &x, 1);
    waitpid(c, NULL, 0);
    close(sv[0]), close(sv[1]);
}

static void bench_unix(void) {
    unix_pingpong("unix_stream_pingpong", SOCK_STREAM, 1);
    unix_pingpong("unix_stream_pingpong_same_cpu", SOCK_STREAM, 0);
    unix_pingpong("unix_dgram_pingpong", SOCK_DGRAM, 1);
    unix_pingpong("unix_dgram_pingpong_same_cpu", SOCK_DGRAM, 0);

    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    static char buf[65536];
    long n = iters(4000);
    pid_t c = fork();
    if (c == 0) {
        pin(1);
        close(sv[0]);
        long total = 0, r;
        while ((r = read(sv[1], buf, sizeof buf)) > 0)
            total += r;
        _exit(total == n * (long)sizeof buf ? 0 : 1);
    }
    pin(0);
    close(sv[1]);
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++)
        write(sv[0], buf, sizeof buf);
    close(sv[0]);
    waitpid(c, NULL, 0);
    report("unix_stream_64k_transfer", (double)(now_ns() - t0) / n, "ns/op");
}

/* TCP over loopback: one-byte ping-pong with the partner process on
 * another CPU (TCP_NODELAY on both ends), and the time per 64 KiB moved
 * to a reader on another CPU. Linux booted with only an initramfs has lo
 * down: it is brought up first (Aramid's lo is always up). */
static void lo_up(void) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (s >= 0)
        close(s);
}

/* A connected pair: *client on this side, the accepted end returned. */
static int tcp_pair(int *client) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &al) != 0)
        return -1;
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&a, sizeof a) != 0)
        return -1;
    int s = accept(l, NULL, NULL);
    close(l);
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *client = c;
    return s;
}

static void bench_tcp(void) {
    lo_up();
    int c, s = tcp_pair(&c);
    if (s < 0) {
        printf("bench: tcp loopback unavailable (errno %d)\n", errno);
        return;
    }
    pid_t p = fork();
    if (p == 0) {
        pin(1);
        close(c);
        char ch;
        while (read(s, &ch, 1) == 1 && ch)
            write(s, &ch, 1);
        _exit(0);
    }
    pin(0);
    close(s);
    char x = 1;
    PER_OP("tcp_loopback_pingpong", 10000, {
        write(c, &x, 1);
        read(c, &x, 1);
    });
    x = 0;
    write(c, &x, 1);
    waitpid(p, NULL, 0);
    close(c);

    s = tcp_pair(&c);
    static char buf[65536];
    long n = iters(2000);
    p = fork();
    if (p == 0) {
        pin(1);
        close(c);
        long total = 0, r;
        while ((r = read(s, buf, sizeof buf)) > 0)
            total += r;
        _exit(total == n * (long)sizeof buf ? 0 : 1);
    }
    pin(0);
    close(s);
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++) {
        long off = 0, w;
        while (off < (long)sizeof buf && (w = write(c, buf + off, sizeof buf - off)) > 0)
            off += w;
    }
    close(c);
    waitpid(p, NULL, 0);
    report("tcp_loopback_64k_transfer", (double)(now_ns() - t0) / n, "ns/op");
}

int main(int argc, char **argv) {
    self = argv[0];
    if (argc > 1 && !strcmp(argv[1], "exit"))
        return 0;
    size_t len = strlen(argv[0]);
    if (len >= 5 && !strcmp(argv[0] + len - 5, "-boot")) {
        printf("bench: boot\n");
        fflush(stdout);
        if (getpid() == 1)
            reboot(RB_POWER_OFF);
        return 0;
    }
    quick = (len >= 6 && !strcmp(argv[0] + len - 6, "-quick")) || (argc > 1 && !strcmp(argv[1], "quick"));
    if (getpid() == 1 && access("/dev/null", F_OK) != 0) {
        /* Linux with only an initramfs: devtmpfs gives /dev/null. */
        mkdir("/dev", 0755);
        mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    }
    ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1)
        ncpu = 1;
    printf("bench: start (%d CPUs%s)\n", ncpu, quick ? ", quick" : "");
    fflush(stdout);
    bench_syscalls();
    bench_files();
    bench_ipc();
    bench_unix();
    bench_tcp();
    bench_processes();
    bench_memory();
    bench_timers();
    printf("bench: done\n");
    fflush(stdout);
    if (getpid() == 1) {
        sync();
        reboot(RB_POWER_OFF);
    }
    return 0;
}
