//! A tty: Linux's N_TTY line discipline, shared by the serial console
//! ([`TTY`], output to the UART) and the pseudo-terminal slaves
//! (`super::pty`, output into the master's read buffer).
//!
//! Console bytes from the serial interrupt are processed in task context
//! by the tty task ([`run`]); a pty's input is what its master writes.
//! Input translation (ICRNL, INLCR, IGNCR), signals
//! (ISIG: ^C SIGINT, ^\ SIGQUIT, ^Z SIGTSTP to the foreground process
//! group), canonical editing (ICANON: erase, kill, word erase, ^D end of
//! file, lines complete at newline) and echo (ECHO, ECHOE, ECHOK, ECHONL,
//! ECHOCTL). Readers wait, as futures, for a complete line (canonical) or
//! for VMIN bytes (raw). Output processing (OPOST, ONLCR) happens on write.
//! A tty has a session and a foreground process group for job control;
//! a background reader gets SIGTTIN ([`Tty::background_read_check`]).

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::errno::Errno;
use crate::proc::Thread;

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
    /// A pty slave's start (Linux's pts driver: tty_std_termios with
    /// B38400 | CS8 | CREAD).
    pub const fn pty_slave() -> Termios {
        let mut t = Termios::default();
        t.cflag = 0o000017 | 0o60 | 0o200;
        t.ispeed = 38_400;
        t.ospeed = 38_400;
        t
    }

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

/// Where a tty's output goes.
pub enum Output {
    /// The serial line (the console).
    Serial,
    /// A buffer the pty master reads.
    Buffer(spin::Mutex<VecDeque<u8>>),
}

/// Output a pty master has not read yet, at most (Linux's 64 KiB tty
/// buffer limit): a slave write past it waits.
pub const OUTPUT_MAX: usize = 65_536;

pub struct Tty {
    pub termios: spin::Mutex<Termios>,
    pub winsize: spin::Mutex<[u16; 4]>,
    line: spin::Mutex<Line>,
    /// Session the tty controls (0: none) and its foreground group.
    pub session: AtomicU32,
    pub fg_pgrp: AtomicU32,
    /// Woken when input may have become readable (input arrived, termios
    /// changed) and, for a pty, when output was added or taken: readers,
    /// writers and pollers of both ends wait here.
    pub readable: WaitQueue,
    pub output: Output,
}

/// The serial console's tty.
pub static TTY: Tty = Tty::new(Termios::default(), Output::Serial);

impl Tty {
    pub const fn new(termios: Termios, output: Output) -> Tty {
        Tty {
            termios: spin::Mutex::new(termios),
            winsize: spin::Mutex::new(if matches!(output, Output::Serial) { [24, 80, 0, 0] } else { [0; 4] }),
            line: spin::Mutex::new(Line { edit: Vec::new(), lines: VecDeque::new(), ready: VecDeque::new() }),
            session: AtomicU32::new(0),
            fg_pgrp: AtomicU32::new(0),
            readable: WaitQueue::new(),
            output,
        }
    }

    /// Changes the termios; input already typed survives a switch between
    /// canonical and raw mode (complete lines, then the line being edited,
    /// become raw bytes, and raw bytes become the line being edited).
    pub fn set_termios(&self, new: Termios) {
        let mut t = self.termios.lock();
        let was_canon = t.lflag & ICANON != 0;
        *t = new;
        let now_canon = new.lflag & ICANON != 0;
        drop(t);
        let mut l = self.line.lock();
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
        self.readable.wake_all();
    }

    /// Output with OPOST/ONLCR processing.
    pub fn write(&self, data: &[u8]) -> usize {
        let t = *self.termios.lock();
        let onlcr = t.oflag & OPOST != 0 && t.oflag & ONLCR != 0;
        match &self.output {
            Output::Serial if onlcr => platform::serial::write_bytes(data),
            Output::Serial => platform::serial::write_raw_bytes(data),
            Output::Buffer(b) => {
                let mut b = b.lock();
                // Echo a master never reads is dropped past twice the
                // limit (slave writes stop at the limit itself).
                if b.len() >= 2 * OUTPUT_MAX {
                    return data.len();
                }
                for &c in data {
                    if onlcr && c == b'\n' {
                        b.push_back(b'\r');
                    }
                    b.push_back(c);
                }
                drop(b);
                self.readable.wake_all();
            }
        }
        data.len()
    }

    /// Bytes of output not yet taken (a pty's; the console has none).
    pub fn output_len(&self) -> usize {
        match &self.output {
            Output::Serial => 0,
            Output::Buffer(b) => b.lock().len(),
        }
    }

    /// Takes output into `buf` (a pty master's read): how many bytes.
    pub fn take_output(&self, buf: &mut [u8]) -> usize {
        let Output::Buffer(b) = &self.output else { return 0 };
        let mut b = b.lock();
        let n = buf.len().min(b.len());
        for (dst, src) in buf.iter_mut().zip(b.drain(..n)) {
            *dst = src;
        }
        drop(b);
        if n > 0 {
            self.readable.wake_all();
        }
        n
    }

    fn echo_char(&self, t: &Termios, c: u8) {
        if c < 0x20 && c != b'\n' && c != b'\t' && t.lflag & ECHOCTL != 0 {
            self.write(&[b'^', c + 0x40]);
        } else if c == 0x7f && t.lflag & ECHOCTL != 0 {
            self.write(b"^?");
        } else {
            self.write(&[c]);
        }
    }

    /// Sends `sig` to the foreground process group.
    pub fn signal_fg(&self, sig: u32) {
        let pgrp = self.fg_pgrp.load(Ordering::Relaxed);
        if pgrp == 0 {
            return;
        }
        for p in crate::proc::pid::all() {
            if p.pgid() == pgrp && !p.is_zombie() {
                crate::signal::send_process(&p, crate::signal::SigInfo::kernel(sig), false);
            }
        }
    }

    /// Input bytes through the line discipline; wakes readers.
    pub fn receive(&self, data: &[u8]) {
        for &c in data {
            self.input(c);
        }
        self.readable.wake_all();
    }

    /// One input byte through the line discipline.
    fn input(&self, c: u8) {
        let t = *self.termios.lock();
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
                    let mut l = self.line.lock();
                    l.edit.clear();
                    l.ready.clear();
                    l.lines.clear();
                }
                // Echoed as the character alone (n_tty_receive_signal_char):
                // the shell prints its own newline.
                if t.lflag & ECHO != 0 {
                    self.echo_char(&t, c);
                }
                self.signal_fg(sig);
                return;
            }
        }
        let mut l = self.line.lock();
        if t.lflag & ICANON == 0 {
            l.ready.push_back(c);
            drop(l);
            if t.lflag & ECHO != 0 {
                self.echo_char(&t, c);
            }
            return;
        }
        if c == t.cc[VERASE] || (c == 0x08 && t.cc[VERASE] == 0x7f) {
            let erased = l.edit.pop().is_some();
            drop(l);
            if erased && t.lflag & ECHO != 0 && t.lflag & ECHOE != 0 {
                self.write(b"\x08 \x08");
            }
        } else if c == t.cc[VWERASE] && t.lflag & IEXTEN != 0 {
            let mut n = 0;
            while l.edit.last() == Some(&b' ') {
                l.edit.pop();
                n += 1;
            }
            while l.edit.last().is_some_and(|&b| b != b' ') {
                l.edit.pop();
                n += 1;
            }
            drop(l);
            for _ in 0..n {
                self.write(b"\x08 \x08");
            }
        } else if c == t.cc[VKILL] {
            let n = l.edit.len();
            l.edit.clear();
            drop(l);
            if t.lflag & ECHO != 0 && t.lflag & ECHOK != 0 {
                for _ in 0..n {
                    self.write(b"\x08 \x08");
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
                self.write(b"\n");
            }
        } else {
            l.edit.push(c);
            drop(l);
            if t.lflag & ECHO != 0 {
                self.echo_char(&t, c);
            }
        }
    }

    /// Whether this tty is the controlling terminal of `p`'s session.
    pub fn is_controlling(&self, p: &crate::proc::Process) -> bool {
        let s = self.session.load(Ordering::Relaxed);
        s != 0 && s == p.sid()
    }

    /// Whether a read would return now.
    pub fn readable(&self) -> bool {
        let t = *self.termios.lock();
        let l = self.line.lock();
        if t.lflag & ICANON != 0 {
            !l.lines.is_empty()
        } else {
            !l.ready.is_empty() || t.cc[VMIN] == 0
        }
    }

    /// Bytes a read could take now (FIONREAD).
    pub fn input_len(&self) -> usize {
        let t = *self.termios.lock();
        let l = self.line.lock();
        if t.lflag & ICANON != 0 {
            l.lines.iter().map(Vec::len).sum()
        } else {
            l.ready.len()
        }
    }

    /// Input held, the line being edited included (what bounds a pty
    /// master's writes).
    pub fn input_held(&self) -> usize {
        let l = self.line.lock();
        l.edit.len() + l.ready.len() + l.lines.iter().map(Vec::len).sum::<usize>()
    }

    /// Drops input not read yet (TCFLSH, TCSETSF).
    pub fn flush_input(&self) {
        let mut l = self.line.lock();
        l.edit.clear();
        l.lines.clear();
        l.ready.clear();
    }

    /// Takes a line (canonical mode) or what is there (raw mode); None when
    /// a read would wait.
    pub fn try_read(&self, buf: &mut [u8]) -> Option<usize> {
        let t = *self.termios.lock();
        let mut l = self.line.lock();
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

    /// Job control: a process of the terminal's session outside its
    /// foreground group that reads from it gets SIGTTIN (EIO if it ignores
    /// or blocks the signal; an orphaned group is not tracked yet).
    pub fn background_read_check(&self, t: &Thread) -> Result<(), Errno> {
        let p = &t.process;
        let session = self.session.load(Ordering::Relaxed);
        let fg = self.fg_pgrp.load(Ordering::Relaxed);
        if session == 0 || session != p.sid() || fg == 0 || p.pgid() == fg {
            return Ok(());
        }
        let action = p.action(crate::signal::SIGTTIN);
        if action.handler == crate::signal::SIG_IGN || t.sigmask() & crate::signal::bit(crate::signal::SIGTTIN) != 0 {
            return Err(Errno::EIO);
        }
        for q in crate::proc::pid::all() {
            if q.pgid() == p.pgid() && !q.is_zombie() {
                crate::signal::send_process(&q, crate::signal::SigInfo::kernel(crate::signal::SIGTTIN), false);
            }
        }
        Err(Errno::ERESTARTSYS)
    }
}

/// Raised by the serial interrupt; the tty task drains the UART's ring.
pub static INPUT: Event = Event::new();

/// The console's tty task: moves bytes from the serial ring through the
/// line discipline, forever.
pub async fn run() {
    loop {
        let mut buf = [0u8; 64];
        let n = platform::serial::read_input(&mut buf);
        if n == 0 {
            INPUT.notified().await;
            continue;
        }
        TTY.receive(&buf[..n]);
    }
}
