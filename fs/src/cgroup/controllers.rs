//! The controllers a cgroup2 hierarchy offers and the syntax of
//! `cgroup.controllers` / `cgroup.subtree_control`: names separated by
//! spaces, in Linux's subsystem order (cpu, io, memory, pids), and writes
//! of `+name`/`-name` tokens separated by white space, the last token for
//! a controller winning (cgroup_subtree_control_write).

use alloc::vec::Vec;

use crate::errno::{Errno, Result};

bitflags::bitflags! {
    /// A set of controllers.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Controllers: u8 {
        const CPU = 1;
        const IO = 2;
        const MEMORY = 4;
        const PIDS = 8;
    }
}

/// Names in Linux's order (the order of `cgroup_subsys`).
const NAMES: [(Controllers, &str); 4] = [
    (Controllers::CPU, "cpu"),
    (Controllers::IO, "io"),
    (Controllers::MEMORY, "memory"),
    (Controllers::PIDS, "pids"),
];

impl Controllers {
    /// Controllers that work per thread and may be enabled inside a
    /// threaded subtree (Linux's cgrp_dfl_threaded_ss_mask: cpu and pids
    /// of ours).
    pub const THREADED: Controllers = Controllers::CPU.union(Controllers::PIDS);

    /// The controller called `name`.
    pub fn by_name(name: &[u8]) -> Option<Controllers> {
        NAMES.iter().find(|(_, n)| n.as_bytes() == name).map(|(c, _)| *c)
    }

    /// The controller owning a control file such as `pids.max`.
    pub fn of_file(file: &[u8]) -> Option<Controllers> {
        let dot = file.iter().position(|&b| b == b'.')?;
        Self::by_name(&file[..dot])
    }

    /// "cpu io memory pids\n" style: names separated by spaces, then a
    /// newline; an empty set is empty (cgroup_print_ss_mask).
    pub fn render(self) -> Vec<u8> {
        let mut out = Vec::new();
        for (c, n) in NAMES {
            if self.contains(c) {
                if !out.is_empty() {
                    out.push(b' ');
                }
                out.extend_from_slice(n.as_bytes());
            }
        }
        if !out.is_empty() {
            out.push(b'\n');
        }
        out
    }

    /// Parses a `cgroup.subtree_control` write into (enable, disable):
    /// EINVAL for a token without `+`/`-` or with an unknown name.
    pub fn parse_change(input: &[u8]) -> Result<(Controllers, Controllers)> {
        let (mut enable, mut disable) = (Controllers::empty(), Controllers::empty());
        for tok in input.split(|b| b.is_ascii_whitespace()).filter(|t| !t.is_empty()) {
            let c = Self::by_name(&tok[1..]).ok_or(Errno::EINVAL)?;
            match tok[0] {
                b'+' => {
                    enable |= c;
                    disable -= c;
                }
                b'-' => {
                    disable |= c;
                    enable -= c;
                }
                _ => return Err(Errno::EINVAL),
            }
        }
        Ok((enable, disable))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_in_linux_order() {
        assert_eq!(Controllers::all().render(), b"cpu io memory pids\n");
        assert_eq!((Controllers::PIDS | Controllers::CPU).render(), b"cpu pids\n");
        assert_eq!(Controllers::empty().render(), b"");
    }

    #[test]
    fn parses_tokens_last_wins() {
        assert_eq!(Controllers::parse_change(b"+pids +memory\n"), Ok((Controllers::PIDS | Controllers::MEMORY, Controllers::empty())));
        assert_eq!(Controllers::parse_change(b"+pids -pids"), Ok((Controllers::empty(), Controllers::PIDS)));
        assert_eq!(Controllers::parse_change(b"  \n"), Ok((Controllers::empty(), Controllers::empty())));
        assert_eq!(Controllers::parse_change(b"pids"), Err(Errno::EINVAL));
        assert_eq!(Controllers::parse_change(b"+foo"), Err(Errno::EINVAL));
        assert_eq!(Controllers::parse_change(b"+"), Err(Errno::EINVAL));
        assert_eq!(Controllers::of_file(b"pids.max"), Some(Controllers::PIDS));
        assert_eq!(Controllers::of_file(b"cgroup.procs"), None);
    }
}
