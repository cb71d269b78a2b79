//! Netlink delivery between sockets (Linux's af_netlink.c netlink_unicast,
//! netlink_broadcast): the table of bound port ids, each socket's receive
//! queue ([`Endpoint`]), and the kernel's uevent multicast
//! ([`kernel_uevent`], kobject_uevent_net_broadcast).
//!
//! - A datagram carries its sender's port id, the multicast group it was
//!   sent to (0 for unicast) and the sender's credentials (tgid, real uid
//!   and gid; the kernel's are all 0), which a receiver sees through
//!   recvmsg's `sockaddr_nl` and SCM_CREDENTIALS when SO_PASSCRED is on.
//! - Multicast reaches every socket of the protocol that joined the group,
//!   except the sender itself; unicast reaches the socket bound to the
//!   port id (ECONNREFUSED if there is none).
//! - A receiver's classic-BPF filter runs on each datagram: 0 drops it, a
//!   smaller length cuts it.
//! - A receiver whose queued bytes pass its SO_RCVBUF loses the datagram
//!   and its next receive reports ENOBUFS once (sk_err), as Linux does for
//!   multicast. Linux makes a unicast sender wait for room instead; here a
//!   full receiver loses a unicast datagram in the same way.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use executor::WaitQueue;
use net::bpf::Program;
use net::Cred;

use crate::errno::Errno;

/// One datagram waiting to be received.
pub struct Dgram {
    pub data: Vec<u8>,
    /// The sender's port id (0: the kernel).
    pub portid: u32,
    /// The group it was multicast to (0: unicast).
    pub group: u32,
    pub cred: Cred,
}

/// What other sockets deliver to: a netlink socket's receive side.
pub struct Endpoint {
    pub protocol: i32,
    pub events: WaitQueue,
    pub rx: spin::Mutex<VecDeque<Dgram>>,
    queued: AtomicUsize,
    pub rcvbuf: AtomicUsize,
    /// The multicast groups joined (bit n-1 for group n).
    pub groups: AtomicU32,
    pub filter: spin::Mutex<Option<Arc<Program>>>,
    /// A datagram was lost for room: the next receive is ENOBUFS.
    overrun: AtomicBool,
}

impl Endpoint {
    pub fn new(protocol: i32) -> Endpoint {
        Endpoint {
            protocol,
            events: WaitQueue::new(),
            rx: spin::Mutex::new(VecDeque::new()),
            queued: AtomicUsize::new(0),
            rcvbuf: AtomicUsize::new(net::sockbuf::RMEM_DEFAULT),
            groups: AtomicU32::new(0),
            filter: spin::Mutex::new(None),
            overrun: AtomicBool::new(false),
        }
    }

    /// Queues a datagram (kernel replies too), filtered and bounded as
    /// the module documentation says.
    pub fn deliver(&self, mut d: Dgram) {
        let filter = self.filter.lock().clone();
        if let Some(p) = filter {
            let keep = p.run(&d.data) as usize;
            if keep == 0 {
                return;
            }
            d.data.truncate(keep);
        }
        if self.queued.load(Ordering::Relaxed) > self.rcvbuf.load(Ordering::Relaxed) {
            self.overrun.store(true, Ordering::Relaxed);
        } else {
            self.queued.fetch_add(d.data.len(), Ordering::Relaxed);
            self.rx.lock().push_back(d);
        }
        self.events.wake_all();
    }

    /// Takes (or with `peek` copies) the next datagram; ENOBUFS first if
    /// one was lost, EAGAIN if there is none.
    pub fn take(&self, peek: bool) -> Result<Dgram, Errno> {
        if !peek && self.overrun.swap(false, Ordering::Relaxed) {
            return Err(Errno::ENOBUFS);
        }
        let mut rx = self.rx.lock();
        if peek {
            let d = rx.front().ok_or(Errno::EAGAIN)?;
            return Ok(Dgram { data: d.data.clone(), portid: d.portid, group: d.group, cred: d.cred });
        }
        let d = rx.pop_front().ok_or(Errno::EAGAIN)?;
        self.queued.fetch_sub(d.data.len(), Ordering::Relaxed);
        Ok(d)
    }

    /// Whether a receive would find something (a datagram or an error).
    pub fn readable(&self) -> bool {
        self.overrun.load(Ordering::Relaxed) || !self.rx.lock().is_empty()
    }

    /// SO_ERROR: the pending error (ENOBUFS), cleared.
    pub fn take_error(&self) -> i32 {
        if self.overrun.swap(false, Ordering::Relaxed) {
            Errno::ENOBUFS.0
        } else {
            0
        }
    }

    pub fn pending_error(&self) -> bool {
        self.overrun.load(Ordering::Relaxed)
    }

    /// The size of the next datagram.
    pub fn next_len(&self) -> usize {
        self.rx.lock().front().map_or(0, |d| d.data.len())
    }
}

/// Bound port ids, per protocol.
static PORTS: spin::Mutex<BTreeMap<(i32, u32), Weak<Endpoint>>> = spin::Mutex::new(BTreeMap::new());
static ROVER: AtomicU32 = AtomicU32::new(-4096i32 as u32);

/// Binds `ep` to `portid` (EADDRINUSE if taken).
pub fn bind(ep: &Arc<Endpoint>, portid: u32) -> Result<(), Errno> {
    let mut ports = PORTS.lock();
    if ports.get(&(ep.protocol, portid)).is_some_and(|w| w.strong_count() > 0) {
        return Err(Errno::EADDRINUSE);
    }
    ports.insert((ep.protocol, portid), Arc::downgrade(ep));
    Ok(())
}

/// netlink_autobind: `pid` if free, else the next free id from -4096
/// downwards.
pub fn autobind(ep: &Arc<Endpoint>, pid: u32) -> u32 {
    let mut ports = PORTS.lock();
    let taken = |ports: &BTreeMap<(i32, u32), Weak<Endpoint>>, id: u32| ports.get(&(ep.protocol, id)).is_some_and(|w| w.strong_count() > 0);
    let mut id = pid;
    while taken(&ports, id) {
        id = ROVER.fetch_sub(1, Ordering::Relaxed);
        if (id as i32) > -4096 {
            ROVER.store(-4097i32 as u32, Ordering::Relaxed);
        }
    }
    ports.insert((ep.protocol, id), Arc::downgrade(ep));
    id
}

/// Frees a port id.
pub fn unbind(protocol: i32, portid: u32) {
    PORTS.lock().remove(&(protocol, portid));
}

/// Sends `data` to `group` (a group number, 0 for none) of `protocol`,
/// skipping the sender's port id.
pub fn multicast(protocol: i32, from: u32, group: u32, cred: Cred, data: &[u8]) {
    if group == 0 || group > 32 {
        return;
    }
    let bit = 1u32 << (group - 1);
    let targets: Vec<Arc<Endpoint>> = PORTS
        .lock()
        .iter()
        .filter(|((p, id), _)| *p == protocol && (from == 0 || *id != from))
        .filter_map(|(_, w)| w.upgrade())
        .filter(|ep| ep.groups.load(Ordering::Relaxed) & bit != 0)
        .collect();
    for ep in targets {
        ep.deliver(Dgram { data: data.to_vec(), portid: from, group, cred });
    }
}

/// Sends `data` to the socket bound to `to` (ECONNREFUSED if none).
pub fn unicast(protocol: i32, from: u32, to: u32, cred: Cred, data: &[u8]) -> Result<(), Errno> {
    let ep = PORTS.lock().get(&(protocol, to)).and_then(Weak::upgrade).ok_or(Errno::ECONNREFUSED)?;
    ep.deliver(Dgram { data: data.to_vec(), portid: from, group: 0, cred });
    Ok(())
}

/// The last uevent sequence number (/sys/kernel/uevent_seqnum).
static SEQNUM: AtomicU64 = AtomicU64::new(0);

pub fn uevent_seqnum() -> u64 {
    SEQNUM.load(Ordering::Relaxed)
}

/// Announces `action` on the device at `devpath` (kobject_uevent_env):
/// the next sequence number, then the datagram to NETLINK_KOBJECT_UEVENT
/// group 1 from the kernel.
pub fn kernel_uevent(action: &str, devpath: &str, subsystem: &str, synth: &[alloc::string::String], props: &[u8]) -> Result<(), Errno> {
    // Checked before the number is taken, as add_uevent_var fails first.
    net::netlink::uevent::message(action, devpath, subsystem, synth, props, 0).map_err(|e| Errno(e.0))?;
    let seq = SEQNUM.fetch_add(1, Ordering::Relaxed) + 1;
    let msg = net::netlink::uevent::message(action, devpath, subsystem, synth, props, seq).map_err(|e| Errno(e.0))?;
    multicast(super::netlink::NETLINK_KOBJECT_UEVENT, 0, 1, Cred::default(), &msg);
    Ok(())
}
