//! The console's tty: Linux's N_TTY line discipline on the serial line.
//!
//! Bytes from the serial interrupt are processed in task context by the
//! tty task ([`run`]): input translation (ICRNL, INLCR, IGNCR), signals
//! (ISIG: ^C SIGINT, ^\ SIGQUIT, ^Z SIGTSTP to the foreground process
//! group), canonical editing (ICANON: erase, kill, word erase, ^D end of
//! file, lines complete at newline) and echo (ECHO, ECHOE, ECHOK, ECHONL,
//! ECHOCTL). Readers wait, as futures, for a complete line (canonical) or
//! for VMIN bytes (raw). Output processing (OPOST, ONLCR) happens on write.
//! The tty has a session and a foreground process group for job control;
//! a background reader gets SIGTTIN.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use executor::{Event, WaitQueue};
use zerocopy::IntoBytes;


// c_iflag
const IGNCR: u32 = 0o200;
const ICRNL: u32 = 0o400;
const INLCR: u32 = 0o100;
const ISTRIP: u32 = 0o40;
// c_oflag
const OPOST: u32 = 0o1;
const ONLCR: u32 = 0o4;
// c_lflag
const ISIG: u32 = 0o1;
const ICANON: u32 = 0o2;
const ECHO: u32 = 0o10;
const ECHOE: u32 = 0o20;
const ECHOK: u32 = 0o40;
const ECHONL: u32 = 0o100;
const NOFLSH: u32 = 0o200;
const ECHOCTL: u32 = 0o1000;
const ECHOKE: u32 = 0o4000;
const IEXTEN: u32 = 0o100000;
// c_cc indices
const VINTR: usize = 0;
const VQUIT: usize = 1;
const VERASE: usize = 2;
const VKILL: usize = 3;
const VEOF: usize = 4;
const VMIN: usize = 6;
const VSUSP: usize = 10;
const VEOL: usize = 11;
const VWERASE: usize = 14;
const VEOL2: usize = 16;

/// The kernel's `struct termios2` (the first 36 bytes are `struct termios`),
/// laid out as the ABI has it.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, zerocopy::FromBytes, zerocopy::IntoBytes, zerocopy::Immutable, zerocopy::KnownLayout)]
pub struct Termios {
    pub iflag: u32,
    pub oflag: u32,
    pub cflag: u32,
    pub lflag: u32,
    pub line: u8,
    pub cc: [u8; 19],
    pub ispeed: u32,
    pub ospeed: u32,
}

impl Termios {
    /// Linux's defaults for a serial console (`stty sane`, 115200 baud).
    pub const fn default() -> Termios {
        Termios {
            iflag: ICRNL | 0o2000, // ICRNL | IXON
            oflag: OPOST | ONLCR,
            cflag: 0o010002 | 0o60 | 0o200 | 0o2000, // B115200 | CS8 | CREAD | HUPCL
            lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
            line: 0,
            cc: [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0],
            ispeed: 115_200,
            ospeed: 115_200,
        }
    }

    /// `struct termios` (TCGETS) or, with the speeds, `struct termios2`.
    pub fn abi_bytes(&self, with_speeds: bool) -> &[u8] {
        &self.as_bytes()[..if with_speeds { TERMIOS2_SIZE } else { TERMIOS_SIZE }]
    }

    /// A termios (or termios2, with the speeds) a process passed; `struct
    /// termios` keeps the old speeds.
    pub fn from_abi(b: &[u8], old: &Termios) -> Termios {
        let mut t = *old;
        t.as_mut_bytes()[..b.len().min(TERMIOS2_SIZE)].copy_from_slice(&b[..b.len().min(TERMIOS2_SIZE)]);
        t
    }
}

/// The sizes of `struct termios` and `struct termios2`.
pub const TERMIOS_SIZE: usize = 36;
pub const TERMIOS2_SIZE: usize = core::mem::size_of::<Termios>();
const _: () = assert!(TERMIOS2_SIZE == 44);

struct Line {
    /// The line being edited (canonical mode).
    edit: Vec<u8>,
    /// Completed lines not yet read (canonical mode); an empty one is an
    /// end of file (^D at the start of a line).
    lines: VecDeque<Vec<u8>>,
    /// Input ready for readers (raw mode).
    ready: VecDeque<u8>,
}

pub struct Tty {
    pub termios: spin::Mutex<Termios>,
    pub winsize: spin::Mutex<[u16; 4]>,
    line: spin::Mutex<Line>,
    /// Session the tty controls (0: none) and its foreground group.
    pub session: AtomicU32,
    pub fg_pgrp: AtomicU32,
    /// Woken when input may have become readable (input arrived, termios
    /// changed): readers and pollers wait here.
    pub readable: WaitQueue,
}

pub static TTY: Tty = Tty {
    termios: spin::Mutex::new(Termios::default()),
    winsize: spin::Mutex::new([24, 80, 0, 0]),
    line: spin::Mutex::new(Line { edit: Vec::new(), lines: VecDeque::new(), ready: VecDeque::new() }),
    session: AtomicU32::new(0),
    fg_pgrp: AtomicU32::new(0),
    readable: WaitQueue::new(),
};

/// Changes the termios; input already typed survives a switch between
/// canonical and raw mode (complete lines, then the line being edited,
/// become raw bytes, and raw bytes become the line being edited).
pub fn set_termios(new: Termios) {
    let mut t = TTY.termios.lock();
    let was_canon = t.lflag & ICANON != 0;
    *t = new;
    let now_canon = new.lflag & ICANON != 0;
    drop(t);
    let mut l = TTY.line.lock();
    if was_canon && !now_canon {
        let lines: Vec<Vec<u8>> = l.lines.drain(..).collect();
        for line in lines {
            l.ready.extend(line);
        }
        let edit = core::mem::take(&mut l.edit);
        l.ready.extend(edit);
    } else if !was_canon && now_canon {
        let raw: Vec<u8> = l.ready.drain(..).collect();
        for c in raw {
            if c == b'\n' {
                let mut edit = core::mem::take(&mut l.edit);
                edit.push(c);
                l.lines.push_back(edit);
            } else {
                l.edit.push(c);
            }
        }
    }
    drop(l);
    TTY.readable.wake_all();
}

/// Raised by the serial interrupt; the tty task drains the UART's ring.
pub static INPUT: Event = Event::new();

/// Output with OPOST/ONLCR processing.
pub fn write(data: &[u8]) -> usize {
    let t = *TTY.termios.lock();
    if t.oflag & OPOST != 0 && t.oflag & ONLCR != 0 {
        platform::serial::write_bytes(data);
    } else {
        platform::serial::write_raw_bytes(data);
    }
    data.len()
}

fn echo_char(t: &Termios, c: u8) {
    if c < 0x20 && c != b'\n' && c != b'\t' && t.lflag & ECHOCTL != 0 {
        write(&[b'^', c + 0x40]);
    } else if c == 0x7f && t.lflag & ECHOCTL != 0 {
        write(b"^?");
    } else {
        write(&[c]);
    }
}

fn signal_fg(sig: u32) {
    let pgrp = TTY.fg_pgrp.load(Ordering::Relaxed);
    if pgrp == 0 {
        return;
    }
    for p in crate::proc::pid::all() {
        if p.pgid() == pgrp && !p.is_zombie() {
            crate::signal::send_process(&p, crate::signal::SigInfo::kernel(sig), false);
        }
    }
}

/// One input byte through the line discipline.
fn input(c: u8) {
    let t = *TTY.termios.lock();
    let mut c = if t.iflag & ISTRIP != 0 { c & 0x7f } else { c };
    if c == b'\r' {
        if t.iflag & IGNCR != 0 {
            return;
        }
        if t.iflag & ICRNL != 0 {
            c = b'\n';
        }
    } else if c == b'\n' && t.iflag & INLCR != 0 {
        c = b'\r';
    }
    if t.lflag & ISIG != 0 {
        let sig = if c == t.cc[VINTR] && c != 0 {
            Some(crate::signal::SIGINT)
        } else if c == t.cc[VQUIT] && c != 0 {
            Some(crate::signal::SIGQUIT)
        } else if c == t.cc[VSUSP] && c != 0 {
            Some(crate::signal::SIGTSTP)
        } else {
            None
        };
        if let Some(sig) = sig {
            if t.lflag & NOFLSH == 0 {
                let mut l = TTY.line.lock();
                l.edit.clear();
                l.ready.clear();
                l.lines.clear();
            }
            if t.lflag & ECHO != 0 {
                echo_char(&t, c);
                write(b"\n");
            }
            signal_fg(sig);
            return;
        }
    }
    let mut l = TTY.line.lock();
    if t.lflag & ICANON == 0 {
        l.ready.push_back(c);
        drop(l);
        if t.lflag & ECHO != 0 {
            echo_char(&t, c);
        }
        return;
    }
    if c == t.cc[VERASE] || (c == 0x08 && t.cc[VERASE] == 0x7f) {
        if l.edit.pop().is_some() && t.lflag & ECHO != 0 && t.lflag & ECHOE != 0 {
            write(b"\x08 \x08");
        }
    } else if c == t.cc[VWERASE] && t.lflag & IEXTEN != 0 {
        while l.edit.last() == Some(&b' ') {
            l.edit.pop();
            write(b"\x08 \x08");
        }
        while l.edit.last().is_some_and(|&b| b != b' ') {
            l.edit.pop();
            write(b"\x08 \x08");
        }
    } else if c == t.cc[VKILL] {
        let n = l.edit.len();
        l.edit.clear();
        if t.lflag & ECHO != 0 && t.lflag & ECHOK != 0 {
            for _ in 0..n {
                write(b"\x08 \x08");
            }
        }
    } else if c == t.cc[VEOF] && c != 0 {
        // End of file: the line so far (possibly empty) is complete.
        let edit = core::mem::take(&mut l.edit);
        l.lines.push_back(edit);
    } else if c == b'\n' || (c == t.cc[VEOL] && c != 0) || (c == t.cc[VEOL2] && c != 0) {
        let mut edit = core::mem::take(&mut l.edit);
        edit.push(c);
        l.lines.push_back(edit);
        drop(l);
        if t.lflag & ECHO != 0 || t.lflag & ECHONL != 0 {
            write(b"\n");
        }
        return;
    } else {
        l.edit.push(c);
        drop(l);
        if t.lflag & ECHO != 0 {
            echo_char(&t, c);
        }
        return;
    }
    drop(l);
}

/// The tty task: moves bytes from the serial ring through the line
/// discipline, forever.
pub async fn run() {
    loop {
        let mut buf = [0u8; 64];
        let n = platform::serial::read_input(&mut buf);
        if n == 0 {
            INPUT.notified().await;
            continue;
        }
        for &c in &buf[..n] {
            input(c);
        }
        TTY.readable.wake_all();
    }
}

/// Whether the console is the controlling terminal of `p`'s session.
pub fn is_controlling(p: &crate::proc::Process) -> bool {
    let s = TTY.session.load(Ordering::Relaxed);
    s != 0 && s == p.sid()
}

/// Whether a read would return now.
pub fn readable() -> bool {
    let t = *TTY.termios.lock();
    let l = TTY.line.lock();
    if t.lflag & ICANON != 0 {
        !l.lines.is_empty()
    } else {
        !l.ready.is_empty() || t.cc[VMIN] == 0
    }
}

/// Takes a line (canonical mode) or what is there (raw mode); None when a
/// read would wait.
pub fn try_read(buf: &mut [u8]) -> Option<usize> {
    let t = *TTY.termios.lock();
    let mut l = TTY.line.lock();
    if t.lflag & ICANON != 0 {
        let line = l.lines.front_mut()?;
        let n = buf.len().min(line.len());
        buf[..n].copy_from_slice(&line[..n]);
        line.drain(..n);
        if line.is_empty() {
            l.lines.pop_front();
        }
        Some(n)
    } else {
        let min = t.cc[VMIN] as usize;
        if l.ready.is_empty() && min > 0 {
            return None;
        }
        let n = buf.len().min(l.ready.len());
        for b in buf.iter_mut().take(n) {
            *b = l.ready.pop_front().unwrap_or(0);
        }
        Some(n)
    }
}
