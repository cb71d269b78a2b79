//! The serial console as a file: reads and writes go through the console's
//! tty ([`super::tty`]): line discipline, echo, signals, termios.

use executor::WaitQueue;

use crate::errno::Errno;

pub struct Console;

/// Woken when input becomes readable, for poll/select.
pub static READY: WaitQueue = WaitQueue::new();

/// Called from the serial interrupt: the tty task does the rest.
fn input_arrived() {
    super::tty::INPUT.notify_one();
}

/// Routes serial input to the tty and starts its task.
pub fn init() {
    platform::serial::set_input_hook(input_arrived);
    drop(crate::sched::spawn_on(0, super::tty::run()));
}

/// Whether a read would return now.
pub fn has_input() -> bool {
    super::tty::readable()
}

impl Console {
    pub fn write(&self, data: &[u8]) -> usize {
        super::tty::write(data)
    }

    /// A line (canonical mode) or the bytes available (raw mode), waiting
    /// until there are some.
    pub async fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        super::tty::read(buf, false).await
    }
}
