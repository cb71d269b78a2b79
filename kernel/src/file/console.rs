//! The serial console as a file: writes go to the UART, reads take bytes
//! the serial interrupt delivered, waiting (as a future) until some arrive.
//! No line discipline yet (the tty issue adds it): bytes are passed raw.

use executor::Event;

use crate::errno::Errno;

pub struct Console;

static INPUT: Event = Event::new();

/// Called from the serial interrupt.
fn input_arrived() {
    INPUT.notify_all();
    INPUT.notify_one();
}

pub fn init() {
    platform::serial::set_input_hook(input_arrived);
}

impl Console {
    pub fn write(&self, data: &[u8]) -> usize {
        platform::serial::write_bytes(data);
        data.len()
    }

    /// Waits until at least one byte is available, then returns up to
    /// `buf.len()`.
    pub async fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let n = platform::serial::read_input(buf);
            if n > 0 {
                return Ok(n);
            }
            INPUT.notified().await;
        }
    }
}
