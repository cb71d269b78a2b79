//! The kernel command line (`-append`): `key=value` and bare `flag` words.
//!
//! Aramid understands `init=`, `console=`, `loglevel=` (Linux's 0-7 scale)
//! or `log=` (a `log` crate filter: `off|error|warn|info|debug|trace`),
//! `strace` (later: one line per system call) and `aramid.test=` (kernel
//! self-tests). Unknown words are kept for init's environment, as Linux does.

/// The command line as given, at most [`MAX`] bytes (longer is truncated).
pub struct Cmdline {
    buf: [u8; MAX],
    len: usize,
}

pub const MAX: usize = 2048;

static CMDLINE: spin::Once<Cmdline> = spin::Once::new();

impl Cmdline {
    fn from_bytes(bytes: &[u8]) -> Self {
        let mut buf = [0; MAX];
        let len = bytes.len().min(MAX);
        buf[..len].copy_from_slice(&bytes[..len]);
        Self { buf, len }
    }

    pub fn as_str(&self) -> &str {
        match core::str::from_utf8(&self.buf[..self.len]) {
            Ok(s) => s,
            Err(e) => core::str::from_utf8(&self.buf[..e.valid_up_to()]).unwrap_or(""),
        }
    }

    /// Value of the last `key=value` word, or `None`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.as_str()
            .split_ascii_whitespace()
            .rev()
            .filter_map(|w| w.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// Whether a bare `flag` (or `flag=1`) word is present.
    pub fn flag(&self, flag: &str) -> bool {
        self.as_str().split_ascii_whitespace().any(|w| w == flag)
            || matches!(self.get(flag), Some("1" | "y" | "yes" | "on"))
    }
}

pub(crate) fn set(bytes: &[u8]) {
    CMDLINE.call_once(|| Cmdline::from_bytes(bytes));
}

/// The kernel command line.
pub fn get() -> &'static Cmdline {
    CMDLINE.call_once(|| Cmdline::from_bytes(b""))
}
