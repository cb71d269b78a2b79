//! The PC keyboard (i8042 controller, ISA IRQ 1), for one purpose:
//! recognising Ctrl-Alt-Del, which Linux's keyboard driver turns into
//! `ctrl_alt_del()` (its default keymap binds both Delete and the keypad's
//! Delete, with either Ctrl and either Alt, to the "Boot" key). Aramid's
//! console is the serial port, so every other key is dropped; QEMU's
//! monitor `sendkey ctrl-alt-delete` (or QMP `send-key`) reaches this
//! driver as real key events.
//!
//! [`init`] finds the controller (a status port reading 0xff means none),
//! empties its output buffer and sets its configuration byte: keyboard
//! interrupt on, scan-code translation on (so the keyboard's bytes arrive
//! as scan code set 1), keyboard clock enabled. The interrupt handler
//! reads the bytes and runs [`Decoder`]; on Ctrl-Alt-Del it calls the hook
//! the kernel registered with [`set_cad_hook`], which only raises an event
//! (the kernel acts in a task, as Linux defers to a work item).

use core::sync::atomic::{AtomicBool, Ordering};

use x86_64::instructions::port::Port;

use crate::sync::IrqMutex;

/// ISA IRQ line of the keyboard.
pub const IRQ: u8 = 1;

const DATA: u16 = 0x60;
const STATUS: u16 = 0x64;
const COMMAND: u16 = 0x64;
/// Status: output buffer full (a byte to read), input buffer full (the
/// controller has not taken the last byte written), byte from the mouse.
const OUT_FULL: u8 = 1;
const IN_FULL: u8 = 2;
const AUX_DATA: u8 = 0x20;
/// Configuration byte: first-port interrupt, first-port clock disabled,
/// translation to scan code set 1.
const CFG_IRQ1: u8 = 1;
const CFG_CLOCK_OFF: u8 = 0x10;
const CFG_TRANSLATE: u8 = 0x40;

static PRESENT: AtomicBool = AtomicBool::new(false);
static DECODER: IrqMutex<Decoder> = IrqMutex::new(Decoder::new());
static CAD_HOOK: spin::Once<fn()> = spin::Once::new();

fn inb(port: u16) -> u8 {
    // SAFETY: the i8042's data and status ports; reading them has device
    // effects only (it takes a byte from the controller).
    unsafe { Port::<u8>::new(port).read() }
}

fn outb(port: u16, value: u8) {
    // SAFETY: the i8042's data and command ports; device effects only.
    unsafe { Port::<u8>::new(port).write(value) }
}

/// Waits (bounded) until the controller can take a byte.
fn wait_writable() -> bool {
    (0..100_000).any(|_| inb(STATUS) & IN_FULL == 0)
}

/// Waits (bounded) until the controller has a byte for us.
fn wait_readable() -> bool {
    (0..100_000).any(|_| inb(STATUS) & OUT_FULL != 0)
}

fn command(cmd: u8) -> bool {
    wait_writable() && {
        outb(COMMAND, cmd);
        true
    }
}

/// Finds and configures the controller; true when a keyboard interrupt
/// should be routed.
pub(crate) fn init() -> bool {
    if inb(STATUS) == 0xff {
        return false;
    }
    for _ in 0..64 {
        if inb(STATUS) & OUT_FULL == 0 {
            break;
        }
        inb(DATA);
    }
    // Read the configuration byte (command 0x20), write it back (0x60)
    // with the keyboard's interrupt, clock and translation on, then enable
    // the keyboard port (0xae).
    if !command(0x20) || !wait_readable() {
        return false;
    }
    let cfg = (inb(DATA) | CFG_IRQ1 | CFG_TRANSLATE) & !CFG_CLOCK_OFF;
    if !command(0x60) || !wait_writable() {
        return false;
    }
    outb(DATA, cfg);
    if !command(0xae) {
        return false;
    }
    PRESENT.store(true, Ordering::Relaxed);
    true
}

/// Whether an i8042 was found.
pub fn present() -> bool {
    PRESENT.load(Ordering::Relaxed)
}

/// Registers the function called (in interrupt context) on Ctrl-Alt-Del.
pub fn set_cad_hook(hook: fn()) {
    CAD_HOOK.call_once(|| hook);
}

/// Called from the keyboard interrupt: reads what the controller holds.
pub(crate) fn handle_interrupt() {
    let mut cad = false;
    {
        let mut d = DECODER.lock();
        for _ in 0..16 {
            let status = inb(STATUS);
            if status & OUT_FULL == 0 {
                break;
            }
            let byte = inb(DATA);
            if status & AUX_DATA == 0 {
                cad |= d.feed(byte);
            }
        }
    }
    if cad {
        if let Some(hook) = CAD_HOOK.get() {
            hook();
        }
    }
}

/// Scan code set 1, as far as Ctrl-Alt-Del needs: the state of both Ctrl
/// and both Alt keys, and Delete (0xe0 0x53) or the keypad's Delete
/// (0x53) pressed while a Ctrl and an Alt are down.
///
/// ```text
///   0xe0 -> the next byte is an extended code
///   0xe1 -> Pause: its next two bytes are skipped
///   code & 0x80 -> release of (code & 0x7f), else press
///   0x1d Ctrl (0xe0 0x1d right Ctrl)   0x38 Alt (0xe0 0x38 right Alt)
///   0x53 keypad Delete                 0xe0 0x53 Delete
///   0xfa/0xfe/0xaa/0x00/0xff: acknowledgements, self-test, errors: ignored
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoder {
    extended: bool,
    skip: u8,
    /// Bit 0: left, bit 1: right.
    ctrl: u8,
    alt: u8,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    pub const fn new() -> Self {
        Decoder { extended: false, skip: 0, ctrl: 0, alt: 0 }
    }

    /// Takes one byte from the keyboard; true when it completes
    /// Ctrl-Alt-Del.
    pub fn feed(&mut self, byte: u8) -> bool {
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        match byte {
            0xe0 => {
                self.extended = true;
                return false;
            }
            0xe1 => {
                self.skip = 2;
                return false;
            }
            0x00 | 0xfa | 0xfe | 0xaa | 0xff if !self.extended => return false,
            _ => {}
        }
        let extended = core::mem::take(&mut self.extended);
        let (code, pressed) = (byte & 0x7f, byte & 0x80 == 0);
        let side = if extended { 2 } else { 1 };
        let set = |keys: &mut u8| {
            if pressed {
                *keys |= side
            } else {
                *keys &= !side
            }
        };
        match code {
            0x1d => set(&mut self.ctrl),
            0x38 => set(&mut self.alt),
            0x53 => return pressed && self.ctrl != 0 && self.alt != 0,
            _ => {}
        }
        false
    }
}
