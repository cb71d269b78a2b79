//! A device's `uevent` attribute (Linux's drivers/base/core.c uevent_show,
//! uevent_store): reading shows the device's own uevent variables
//! (MAJOR, MINOR, DEVNAME, DEVMODE); writing "ACTION [UUID KEY=VALUE...]"
//! makes the kernel announce a synthetic event for the device to
//! NETLINK_KOBJECT_UEVENT group 1 (kobject_synth_uevent), which is how
//! `udevadm trigger` replays the devices present at boot. A write that
//! does not parse is EINVAL and announces nothing; an empty write does
//! nothing. Mode 0644.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::inode::FileType;
use fs::synthetic::{Node, Opener};

use crate::file::socket::netlink_bus;

/// The uevent attribute of the device at `devpath` in `subsystem`.
pub struct Uevent {
    pub devpath: String,
    pub subsystem: &'static str,
    pub props: Vec<u8>,
}

pub fn node(devpath: String, subsystem: &'static str, props: Vec<u8>) -> Arc<dyn Node> {
    Arc::new(Uevent { devpath, subsystem, props })
}

impl Node for Uevent {
    fn file_type(&self) -> FileType {
        FileType::Regular
    }
    fn perm(&self) -> u32 {
        0o644
    }
    fn produce(&self, _who: &Opener) -> fs::Result<Vec<u8>> {
        Ok(self.props.clone())
    }
    fn store(&self, _who: &Opener, _offset: u64, data: &[u8]) -> fs::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        let synth = net::netlink::uevent::parse_synth(data).map_err(|_| fs::Errno::EINVAL)?;
        netlink_bus::kernel_uevent(synth.action, &self.devpath, self.subsystem, &synth.vars, &self.props).map_err(|_| fs::Errno::ENOMEM)?;
        Ok(data.len())
    }
}

/// /sys/kernel/uevent_seqnum.
pub fn seqnum() -> Vec<u8> {
    alloc::format!("{}\n", netlink_bus::uevent_seqnum()).into_bytes()
}
