//! syslog(2) (klogctl), Linux's do_syslog over the ring of /dev/kmsg
//! ([`crate::file::kmsg`]), with dmesg_restrict off:
//! - READ_ALL (3) and SIZE_BUFFER (10) are open to everyone; every other
//!   action needs CAP_SYSLOG (EPERM);
//! - CLOSE (0), OPEN (1): nothing to do;
//! - READ (2): waits for unread records, then takes as many whole lines
//!   (`<PRIO>[SSSSS.UUUUUU] TEXT\n`) as fit, consuming them;
//! - READ_ALL (3) / READ_CLEAR (4): the newest lines since the last clear
//!   that fit, without consuming; READ_CLEAR then clears;
//! - CLEAR (5); CONSOLE_OFF (6) / CONSOLE_ON (7) / CONSOLE_LEVEL (8, level
//!   1..=8, else EINVAL): the console level is recorded;
//! - SIZE_UNREAD (9): bytes READ would return; SIZE_BUFFER (10): the ring
//!   size; other actions EINVAL. A read with a NULL buffer or a negative
//!   length is EINVAL, a zero length returns 0.

use core::sync::atomic::{AtomicU32, Ordering};

use super::Call;
use crate::errno::{Errno, SysResult};
use crate::file::kmsg::{NEW_RECORD, RING, RING_BYTES};
use crate::uaccess;

const CAP_SYSLOG: u32 = 34;
/// console_loglevel and the level CONSOLE_ON restores.
static CONSOLE_LEVEL: AtomicU32 = AtomicU32::new(7);
static SAVED_LEVEL: AtomicU32 = AtomicU32::new(0);
const MINIMUM_CONSOLE_LEVEL: u32 = 1;

pub async fn syslog(call: &Call<'_>, action: i32, buf: u64, len: i32) -> SysResult {
    if !matches!(action, 3 | 10) && !call.thread.creds.lock().capable(CAP_SYSLOG) {
        return Err(Errno::EPERM);
    }
    let reads = matches!(action, 2..=4);
    if reads {
        if buf == 0 || len < 0 {
            return Err(Errno::EINVAL);
        }
        if len == 0 {
            return Ok(0);
        }
    }
    let max = len.max(0) as usize;
    match action {
        0 | 1 => Ok(0),
        2 => {
            let t = call.thread;
            crate::file::io::wait(t, NEW_RECORD.wait_for(|| {
                let r = RING.lock();
                (r.syslog_seq < r.next_seq()).then_some(())
            }))
            .await?;
            let mut out = alloc::vec::Vec::new();
            {
                let mut r = RING.lock();
                let mut seq = r.syslog_seq.max(r.first_seq());
                while let Some(rec) = r.get(seq) {
                    let mut line = alloc::vec::Vec::new();
                    fs::kmsg::Ring::format_syslog(rec, &mut line);
                    if out.len() + line.len() > max {
                        break;
                    }
                    out.extend_from_slice(&line);
                    seq += 1;
                }
                r.syslog_seq = seq;
            }
            let mm = t.process.mm().ok_or(Errno::EFAULT)?;
            uaccess::write_bytes(&mm, buf, &out)?;
            Ok(out.len() as u64)
        }
        3 | 4 => {
            let out = {
                let mut r = RING.lock();
                let out = r.syslog_tail(r.clear_seq, max);
                if action == 4 {
                    r.clear_seq = r.next_seq();
                }
                out
            };
            let mm = call.thread.process.mm().ok_or(Errno::EFAULT)?;
            uaccess::write_bytes(&mm, buf, &out)?;
            Ok(out.len() as u64)
        }
        5 => {
            let mut r = RING.lock();
            r.clear_seq = r.next_seq();
            Ok(0)
        }
        6 => {
            if SAVED_LEVEL.load(Ordering::Relaxed) == 0 {
                SAVED_LEVEL.store(CONSOLE_LEVEL.load(Ordering::Relaxed), Ordering::Relaxed);
            }
            CONSOLE_LEVEL.store(MINIMUM_CONSOLE_LEVEL, Ordering::Relaxed);
            Ok(0)
        }
        7 => {
            let saved = SAVED_LEVEL.swap(0, Ordering::Relaxed);
            if saved != 0 {
                CONSOLE_LEVEL.store(saved, Ordering::Relaxed);
            }
            Ok(0)
        }
        8 => {
            if !(1..=8).contains(&len) {
                return Err(Errno::EINVAL);
            }
            CONSOLE_LEVEL.store((len as u32).max(MINIMUM_CONSOLE_LEVEL), Ordering::Relaxed);
            SAVED_LEVEL.store(0, Ordering::Relaxed);
            Ok(0)
        }
        9 => {
            let r = RING.lock();
            Ok(r.syslog_len(r.syslog_seq) as u64)
        }
        10 => Ok(RING_BYTES as u64),
        _ => Err(Errno::EINVAL),
    }
}
