//! The 16550 UART on COM1 (I/O port 0x3f8): polled output, interrupt-driven
//! input.
//!
//! Output is written byte by byte once the transmit holding register is
//! empty, under an [`IrqMutex`] so that lines from different CPUs never
//! interleave. Input arrives through the I/O APIC (ISA IRQ 4); the interrupt
//! handler drains the receive FIFO into a ring buffer and calls the hook the
//! kernel registered with [`set_input_hook`].

use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};

use x86_64::instructions::port::Port;

use crate::sync::IrqMutex;

const COM1: u16 = 0x3f8;
/// ISA IRQ line of COM1.
pub const IRQ: u8 = 4;

static LOCK: IrqMutex<()> = IrqMutex::new(());
static PRESENT: AtomicBool = AtomicBool::new(false);
static INPUT: IrqMutex<Ring> = IrqMutex::new(Ring::new());
static INPUT_HOOK: spin::Once<fn()> = spin::Once::new();

fn outb(port: u16, value: u8) {
    // SAFETY: COM1's registers are I/O ports owned by this module; writing
    // them has no effect on memory safety.
    unsafe { Port::<u8>::new(port).write(value) }
}

fn inb(port: u16) -> u8 {
    // SAFETY: as for `outb`; reading COM1 registers only has device effects.
    unsafe { Port::<u8>::new(port).read() }
}

/// Programs COM1 for 115200 8N1 with FIFOs.
pub fn init() {
    outb(COM1 + 1, 0x00); // no interrupts yet
    outb(COM1 + 3, 0x80); // DLAB
    outb(COM1, 0x01); // divisor 1: 115200 baud
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); // 8N1
    outb(COM1 + 2, 0xc7); // FIFO on, cleared, 14-byte threshold
    outb(COM1 + 4, 0x0b); // DTR, RTS, OUT2 (IRQ line enable)
    // A scratch-register round trip tells whether a UART is there at all.
    outb(COM1 + 7, 0x5a);
    PRESENT.store(inb(COM1 + 7) == 0x5a, Ordering::Relaxed);
}

/// Enables the receive-data interrupt (the I/O APIC route is set up by
/// `apic::ioapic`).
pub fn enable_rx_interrupt() {
    outb(COM1 + 1, 0x01);
}

fn put(byte: u8) {
    if !PRESENT.load(Ordering::Relaxed) {
        return;
    }
    let mut spins = 0u32;
    while inb(COM1 + 5) & 0x20 == 0 && spins < 100_000 {
        spins += 1;
        core::hint::spin_loop();
    }
    outb(COM1, byte);
}

fn write_raw(bytes: &[u8]) {
    for &b in bytes {
        if b == b'\n' {
            put(b'\r');
        }
        put(b);
    }
}

/// Writes bytes to the console, translating `\n` to `\r\n`.
pub fn write_bytes(bytes: &[u8]) {
    let _g = LOCK.lock();
    write_raw(bytes);
}

/// Writes bytes to the console exactly as given (a tty in raw mode does
/// its own output processing).
pub fn write_raw_bytes(bytes: &[u8]) {
    let _g = LOCK.lock();
    for &b in bytes {
        put(b);
    }
}

/// Runs `f` with exclusive use of the console, so a multi-part line is not
/// interleaved with other CPUs' output.
pub fn with_console<R>(f: impl FnOnce(&mut Console) -> R) -> R {
    let _g = LOCK.lock();
    f(&mut Console)
}

/// Writer for panic and exception reports: does not take the console lock,
/// which the failing CPU may hold.
pub fn emergency_writer() -> Console {
    Console
}

/// A `fmt::Write` over the serial port (see [`with_console`]).
pub struct Console;

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        write_raw(s.as_bytes());
        Ok(())
    }
}

/// Called from the serial interrupt: drains the receive FIFO.
pub(crate) fn handle_interrupt() {
    let mut got = false;
    {
        let mut ring = INPUT.lock();
        while inb(COM1 + 5) & 1 != 0 {
            ring.push(inb(COM1));
            got = true;
        }
    }
    if got {
        if let Some(hook) = INPUT_HOOK.get() {
            hook();
        }
    }
}

/// Registers the function called (in interrupt context) when input arrives.
pub fn set_input_hook(hook: fn()) {
    INPUT_HOOK.call_once(|| hook);
}

/// Takes received bytes out of the input ring; returns how many were copied.
pub fn read_input(buf: &mut [u8]) -> usize {
    let mut ring = INPUT.lock();
    let mut n = 0;
    while n < buf.len() {
        match ring.pop() {
            Some(b) => {
                buf[n] = b;
                n += 1;
            }
            None => break,
        }
    }
    n
}

const RING: usize = 4096;

struct Ring {
    buf: [u8; RING],
    head: usize,
    len: usize,
}

impl Ring {
    const fn new() -> Self {
        Self { buf: [0; RING], head: 0, len: 0 }
    }
    /// Drops the byte when full, like a UART overrun.
    fn push(&mut self, b: u8) {
        if self.len < RING {
            self.buf[(self.head + self.len) % RING] = b;
            self.len += 1;
        }
    }
    fn pop(&mut self) -> Option<u8> {
        if self.len == 0 {
            return None;
        }
        let b = self.buf[self.head];
        self.head = (self.head + 1) % RING;
        self.len -= 1;
        Some(b)
    }
}

/// Whether received bytes are waiting in the input ring.
pub fn input_available() -> bool {
    INPUT.lock().len > 0
}
