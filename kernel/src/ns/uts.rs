//! A UTS namespace: the host name and NIS domain name (uname(2)'s
//! `nodename` and `domainname`), set by sethostname(2)/setdomainname(2)
//! or /proc/sys/kernel/{hostname,domainname}, at most 64 bytes each.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};
use alloc::vec::Vec;

use executor::WaitQueue;
use spin::Mutex;

/// __NEW_UTS_LEN: the longest name.
pub const MAX_NAME: usize = 64;
/// The host name before anyone sets one (Linux's CONFIG_DEFAULT_HOSTNAME).
pub const DEFAULT_HOSTNAME: &[u8] = b"(none)";
/// The domain name before anyone sets one (Linux's UTS_DOMAINNAME).
pub const DEFAULT_DOMAINNAME: &[u8] = b"(none)";

pub struct UtsNs {
    pub ino: u64,
    hostname: Mutex<Vec<u8>>,
    domainname: Mutex<Vec<u8>>,
}

impl UtsNs {
    pub fn initial() -> Arc<UtsNs> {
        Arc::new(UtsNs {
            ino: super::PROC_UTS_INIT_INO,
            hostname: Mutex::new(DEFAULT_HOSTNAME.to_vec()),
            domainname: Mutex::new(DEFAULT_DOMAINNAME.to_vec()),
        })
    }

    /// A new namespace starting with this one's names (CLONE_NEWUTS).
    pub fn copy(&self) -> Arc<UtsNs> {
        Arc::new(UtsNs {
            ino: super::alloc_ino(),
            hostname: Mutex::new(self.hostname()),
            domainname: Mutex::new(self.domainname()),
        })
    }

    pub fn hostname(&self) -> Vec<u8> {
        self.hostname.lock().clone()
    }

    pub fn domainname(&self) -> Vec<u8> {
        self.domainname.lock().clone()
    }

    /// The caller checked the length (EINVAL past [`MAX_NAME`]).
    pub fn set_hostname(&self, name: &[u8]) {
        *self.hostname.lock() = name.to_vec();
        changed();
    }

    pub fn set_domainname(&self, name: &[u8]) {
        *self.domainname.lock() = name.to_vec();
        changed();
    }
}

/// Changes of any namespace's host or domain name, and the queue woken on
/// each: what poll on /proc/sys/kernel/{hostname,domainname} reports
/// (Linux's hostname_poll, one counter for all namespaces).
pub static NAME_CHANGES: AtomicU64 = AtomicU64::new(0);
pub static NAME_QUEUE: WaitQueue = WaitQueue::new();

fn changed() {
    NAME_CHANGES.fetch_add(1, Ordering::AcqRel);
    NAME_QUEUE.wake_all();
}
