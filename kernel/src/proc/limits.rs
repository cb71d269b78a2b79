//! Resource limits (getrlimit(2), setrlimit(2), prlimit64(2)): per
//! process, inherited by fork, kept across execve. Defaults are those a
//! Debian system gives PID 1.

pub const RLIM_INFINITY: u64 = u64::MAX;
pub const RLIMIT_FSIZE: usize = 1;
pub const RLIMIT_DATA: usize = 2;
pub const RLIMIT_STACK: usize = 3;
pub const RLIMIT_CORE: usize = 4;
pub const RLIMIT_NPROC: usize = 6;
pub const RLIMIT_NOFILE: usize = 7;
pub const RLIMIT_MEMLOCK: usize = 8;
pub const RLIMIT_AS: usize = 9;
pub const RLIMIT_SIGPENDING: usize = 11;
pub const RLIM_NLIMITS: usize = 16;

#[derive(Clone, Copy, Debug)]
pub struct Limits(pub [(u64, u64); RLIM_NLIMITS]);

impl Default for Limits {
    fn default() -> Self {
        let mut l = [(RLIM_INFINITY, RLIM_INFINITY); RLIM_NLIMITS];
        l[3] = (8 << 20, RLIM_INFINITY); // RLIMIT_STACK
        l[RLIMIT_CORE] = (0, RLIM_INFINITY);
        let nproc = super::task_count::default_nproc();
        l[RLIMIT_NPROC] = (nproc, nproc); // half of threads-max, as Linux's fork_init
        l[RLIMIT_NOFILE] = (1024, 4096);
        l[RLIMIT_MEMLOCK] = (8 << 20, 8 << 20);
        l[RLIMIT_SIGPENDING] = (nproc, nproc); // the same, as Linux's
        l[12] = (819_200, 819_200); // RLIMIT_MSGQUEUE
        l[13] = (0, 0); // RLIMIT_NICE
        l[14] = (0, 0); // RLIMIT_RTPRIO
        Limits(l)
    }
}
