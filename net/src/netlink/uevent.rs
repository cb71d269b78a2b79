//! Kernel uevents (NETLINK_KOBJECT_UEVENT, Linux's lib/kobject_uevent.c):
//! parsing what user space writes to a device's `uevent` attribute (a
//! synthetic event, as `udevadm trigger` asks for) and building the
//! datagram the kernel multicasts to group 1.
//!
//! A write is "ACTION" or "ACTION UUID [KEY=VALUE ...]", with one trailing
//! newline or NUL allowed (kobject_action_type, kobject_action_args). The
//! actions are add, remove, change, move, online, offline, bind and unbind.
//! Without a UUID the event carries SYNTH_UUID=0; with one, SYNTH_UUID=UUID
//! and SYNTH_ARG_KEY=VALUE per pair, keys and values alphanumeric and
//! non-empty, pairs separated by exactly one space. Anything else is
//! EINVAL.
//!
//! The datagram is "ACTION@DEVPATH" then NUL-terminated variables:
//! ACTION, DEVPATH, SUBSYSTEM, the synthetic ones, the device's own (what
//! its uevent attribute shows), SEQNUM — Linux's order.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::Errno;

/// kobject_actions.
pub const ACTIONS: [&str; 8] = ["add", "remove", "change", "move", "online", "offline", "bind", "unbind"];

/// UUID_STRING_LEN.
const UUID_LEN: usize = 36;
/// UEVENT_BUFFER_SIZE: the variables of one event.
const BUFFER_SIZE: usize = 2048;

/// A parsed synthetic-event request: the action and the extra variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Synth {
    pub action: &'static str,
    pub vars: Vec<String>,
}

fn strip_end(b: &[u8]) -> &[u8] {
    match b.last() {
        Some(b'\n' | 0) => &b[..b.len() - 1],
        _ => b,
    }
}

/// uuid_is_valid: 8-4-4-4-12 hexadecimal digits.
fn uuid_valid(b: &[u8]) -> bool {
    b.len() >= UUID_LEN
        && b[..UUID_LEN]
            .iter()
            .enumerate()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

/// A word of alphanumerics up to `delim` or the end (action_arg_word_end):
/// its length, None if empty or if another byte comes first.
fn word(b: &[u8], delim: u8) -> Option<usize> {
    let n = b.iter().position(|&c| c == delim).unwrap_or(b.len());
    (n > 0 && b[..n].iter().all(u8::is_ascii_alphanumeric)).then_some(n)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Parses a write to a `uevent` attribute (see the module documentation).
pub fn parse_synth(buf: &[u8]) -> Result<Synth, Errno> {
    let b = strip_end(buf);
    if b.is_empty() {
        return Err(Errno::EINVAL);
    }
    let (first, args) = match b.iter().position(|&c| c == b' ') {
        Some(sp) => (&b[..sp], Some(&buf[sp + 1..])),
        None => (b, None),
    };
    let action = *ACTIONS.iter().find(|a| a.as_bytes() == first).ok_or(Errno::EINVAL)?;
    let Some(args) = args else {
        return Ok(Synth { action, vars: alloc::vec![String::from("SYNTH_UUID=0")] });
    };
    let args = strip_end(args);
    if !uuid_valid(args) {
        return Err(Errno::EINVAL);
    }
    let mut vars = alloc::vec![format!("SYNTH_UUID={}", text(&args[..UUID_LEN]))];
    let mut rest = &args[UUID_LEN..];
    while !rest.is_empty() {
        if rest[0] != b' ' {
            return Err(Errno::EINVAL);
        }
        rest = &rest[1..];
        let k = word(rest, b'=').ok_or(Errno::EINVAL)?;
        if rest.get(k) != Some(&b'=') {
            return Err(Errno::EINVAL);
        }
        let key = &rest[..k];
        rest = &rest[k + 1..];
        let v = word(rest, b' ').ok_or(Errno::EINVAL)?;
        vars.push(format!("SYNTH_ARG_{}={}", text(key), text(&rest[..v])));
        rest = &rest[v..];
    }
    Ok(Synth { action, vars })
}

/// The datagram of one event: `action` on the device at `devpath` (under
/// /sys, with its leading slash) of `subsystem`, with the `synth`
/// variables, the device's own `props` (lines of its uevent attribute)
/// and `seqnum`. ENOMEM if the variables pass UEVENT_BUFFER_SIZE.
pub fn message(action: &str, devpath: &str, subsystem: &str, synth: &[String], props: &[u8], seqnum: u64) -> Result<Vec<u8>, Errno> {
    let mut vars: Vec<u8> = Vec::new();
    let mut add = |v: &[u8]| {
        vars.extend_from_slice(v);
        vars.push(0);
    };
    add(format!("ACTION={action}").as_bytes());
    add(format!("DEVPATH={devpath}").as_bytes());
    add(format!("SUBSYSTEM={subsystem}").as_bytes());
    for v in synth {
        add(v.as_bytes());
    }
    for line in props.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
        add(line);
    }
    add(format!("SEQNUM={seqnum}").as_bytes());
    if vars.len() > BUFFER_SIZE {
        return Err(Errno::ENOMEM);
    }
    let mut out = format!("{action}@{devpath}").into_bytes();
    out.push(0);
    out.extend_from_slice(&vars);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(s: &Synth) -> Vec<&str> {
        s.vars.iter().map(String::as_str).collect()
    }

    #[test]
    fn actions_as_linux_parses_them() {
        assert_eq!(parse_synth(b"change").unwrap().action, "change");
        assert_eq!(vars(&parse_synth(b"change\n").unwrap()), ["SYNTH_UUID=0"]);
        assert_eq!(parse_synth(b"online\0").unwrap().action, "online");
        for bad in [&b""[..], b"\n", b"chan", b"bogus", b"change\n\n", b"change ", b"change 1234"] {
            assert_eq!(parse_synth(bad), Err(Errno::EINVAL), "{:?}", bad);
        }
    }

    #[test]
    fn uuid_and_arguments() {
        let u = "12345678-1234-1234-1234-123456789abc";
        let s = parse_synth(format!("add {u} A=b C=d").as_bytes()).unwrap();
        assert_eq!(s.action, "add");
        assert_eq!(vars(&s), [format!("SYNTH_UUID={u}").as_str(), "SYNTH_ARG_A=b", "SYNTH_ARG_C=d"]);
        assert_eq!(vars(&parse_synth(format!("change {u}\n").as_bytes()).unwrap()).len(), 1);
        assert_eq!(vars(&parse_synth(format!("change {u} A=b\n").as_bytes()).unwrap())[1], "SYNTH_ARG_A=b");
        for bad in [" =x", "  A=b", "A=b", " A", " a-b=c", " A=", " A=b "] {
            assert_eq!(parse_synth(format!("change {u}{bad}").as_bytes()), Err(Errno::EINVAL), "{bad}");
        }
        assert_eq!(parse_synth(b"change 12345678-1234-1234-1234-123456789abx"), Err(Errno::EINVAL));
    }

    #[test]
    fn datagram_layout() {
        let m = message("change", "/devices/virtual/mem/null", "mem", &[String::from("SYNTH_UUID=0")], b"MAJOR=1\nMINOR=3\n", 7).unwrap();
        assert_eq!(
            m,
            b"change@/devices/virtual/mem/null\0ACTION=change\0DEVPATH=/devices/virtual/mem/null\0SUBSYSTEM=mem\0SYNTH_UUID=0\0MAJOR=1\0MINOR=3\0SEQNUM=7\0"
        );
    }
}
