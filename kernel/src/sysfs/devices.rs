//! The character devices in sysfs: where each one's directory is (the
//! serial port where QEMU's PC puts it, PNP device 00:04), its
//! attributes, and the class and dev/char links to it.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use fs::synthetic::Node;

use super::nodes::{attr, fixed, link, Dir};
use crate::file::vfs::DEVICES;

/// A directory's children, named.
type Children = Vec<(&'static [u8], Arc<dyn Node>)>;

/// A device's class and the directory (under /sys/devices) holding it.
fn place(major: u32, name: &[u8]) -> (&'static str, &'static str) {
    match (major, name) {
        (1, _) => ("mem", "virtual/mem"),
        (4, _) => ("tty", "pnp0/00:04/tty"),
        _ => ("tty", "virtual/tty"),
    }
}

fn name_str(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// The directory of one device: dev, uevent, subsystem (and the
/// console's `active`).
fn device_dir(name: &[u8], major: u32, minor: u32, mode: u32) -> Arc<dyn Node> {
    let (class, parent) = place(major, name);
    let depth = parent.split('/').count() + 2; // devices/<parent...>/<name>
    let mut up = String::new();
    for _ in 0..depth {
        up.push_str("../");
    }
    let mut uevent = format!("MAJOR={major}\nMINOR={minor}\nDEVNAME={}\n", name_str(name));
    // The drivers that give their nodes a mode say so in the uevent
    // (mem_devnode, tty_devnode for tty and ptmx); the others get
    // devtmpfs's default 0600 silently.
    if major == 1 || (major == 5 && minor != 1) {
        uevent.push_str(&format!("DEVMODE={mode:04o}\n"));
    }
    let mut children: Vec<(&[u8], Arc<dyn Node>)> = vec![
        (b"dev", fixed(format!("{major}:{minor}\n").as_bytes())),
        (b"subsystem", link(format!("{up}class/{class}").as_bytes())),
        (b"uevent", super::uevent::node(format!("/devices/{parent}/{}", name_str(name)), class, uevent.into_bytes())),
    ];
    if name == b"console" {
        children.push((b"active", attr(console_active)));
    }
    Dir::node(children)
}

/// The consoles the kernel writes to: the serial port.
fn console_active() -> Vec<u8> {
    b"ttyS0\n".to_vec()
}

/// A CPU list as Linux prints it ("0" or "0-3").
fn cpu_list() -> Vec<u8> {
    let n = platform::smp::cpus_online().max(1);
    if n == 1 {
        b"0\n".to_vec()
    } else {
        format!("0-{}\n", n - 1).into_bytes()
    }
}

/// /sys/devices: the devices under their parents, and the CPUs.
pub fn devices_dir() -> Arc<dyn Node> {
    // Group the devices by parent path.
    let mut parents: Vec<(&'static str, Children)> = Vec::new();
    for (name, major, minor, mode) in DEVICES {
        let (_, parent) = place(*major, name);
        let dir = device_dir(name, *major, *minor, *mode);
        match parents.iter_mut().find(|(p, _)| *p == parent) {
            Some((_, v)) => v.push((name, dir)),
            None => parents.push((parent, vec![(*name, dir)])),
        }
    }
    let group = |prefix: &str| -> Vec<(&'static [u8], Arc<dyn Node>)> {
        parents
            .iter()
            .filter_map(|(p, v)| p.strip_prefix(prefix).map(|rest| (rest, v)))
            .map(|(rest, v)| {
                // "mem" directly, or "00:04/tty" a level or more deeper.
                let mut parts: Vec<&str> = rest.split('/').collect();
                let mut node = Dir::node(v.clone());
                while parts.len() > 1 {
                    let last = parts.pop().unwrap_or_default();
                    node = Dir::node(vec![(leak(last), node)]);
                }
                (leak(parts[0]), node)
            })
            .collect()
    };
    let cpus = platform::smp::cpus_online().max(1);
    let mut cpu: Vec<(&[u8], Arc<dyn Node>)> = Vec::new();
    for i in 0..cpus {
        cpu.push((leak(&format!("cpu{i}")), Dir::node(vec![])));
    }
    cpu.push((b"online", attr(cpu_list)));
    cpu.push((b"possible", attr(cpu_list)));
    cpu.push((b"present", attr(cpu_list)));
    Dir::node(vec![
        (b"pnp0", Dir::node(group("pnp0/"))),
        (b"system", Dir::node(vec![(b"cpu", Dir::node(cpu))])),
        (b"virtual", Dir::node(group("virtual/"))),
    ])
}

/// Names built once for the one sysfs tree live as long as the kernel.
fn leak(s: &str) -> &'static [u8] {
    alloc::boxed::Box::leak(String::from(s).into_boxed_str()).as_bytes()
}

/// /sys/class: mem and tty, a link per device.
pub fn class_dir() -> Arc<dyn Node> {
    let mut classes: Vec<(&'static str, Children)> = Vec::new();
    for (name, major, _, _) in DEVICES {
        let (class, parent) = place(*major, name);
        let target = format!("../../devices/{parent}/{}", name_str(name));
        let l = link(target.as_bytes());
        match classes.iter_mut().find(|(c, _)| *c == class) {
            Some((_, v)) => v.push((name, l)),
            None => classes.push((class, vec![(*name, l)])),
        }
    }
    Dir::node(classes.into_iter().map(|(c, v)| (c.as_bytes(), Dir::node(v))).collect())
}

/// /sys/dev/char: "MAJOR:MINOR" links.
pub fn dev_char_dir() -> Arc<dyn Node> {
    let v: Vec<(&[u8], Arc<dyn Node>)> = DEVICES
        .iter()
        .map(|(name, major, minor, _)| {
            let (_, parent) = place(*major, name);
            (leak(&format!("{major}:{minor}")), link(format!("../../devices/{parent}/{}", name_str(name)).as_bytes()))
        })
        .collect();
    Dir::node(v)
}
