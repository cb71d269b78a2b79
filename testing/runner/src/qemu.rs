//! The QEMU command line. Every boot — test cases, `run`, the KVM probe —
//! goes through [`QemuConfig`], so they all have the same shape:
//!
//! ```text
//! qemu-system-x86_64 -kernel K [-initrd I] -append "console=ttyS0 ..." -smp N -m 1G
//!     -nographic [-no-reboot] -device isa-debug-exit,iobase=0xf4,iosize=0x04
//!     -accel tcg -cpu max | -accel kvm -cpu host
//!     [-qmp unix:SOCKET,server=on,wait=off]
//!     [interactive: -chardev stdio,...,logfile=LOG -serial chardev:con0 -mon chardev=con0]
//!     [-s -S]
//! ```
//!
//! Piped (non-interactive) boots keep `-nographic`'s default serial on stdout.
//! `-no-reboot` (on unless [`QemuConfig::no_reboot`] is cleared, as `make
//! run` does) makes a guest reset end QEMU, so a run ends; without it QEMU
//! boots the kernel again, like a real machine.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use crate::accel::Accel;
use crate::status::DEBUG_EXIT_IOBASE;

/// Where the guest's serial console goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Console {
    /// Serial on QEMU's stdout, read by [`crate::monitor`].
    Pipe,
    /// Serial and the QEMU monitor multiplexed on the terminal (Ctrl-A x
    /// quits, Ctrl-A c switches to the monitor; Ctrl-C goes to the guest),
    /// optionally also written to a log file by QEMU.
    Interactive { log: Option<PathBuf> },
}

#[derive(Debug, Clone)]
pub struct QemuConfig {
    pub qemu: PathBuf,
    pub kernel: PathBuf,
    pub initrd: Option<PathBuf>,
    /// Extra kernel command-line text, after `console=ttyS0`.
    pub append: String,
    pub smp: u32,
    /// Memory size as QEMU's `-m` takes it, e.g. `1G`.
    pub mem: String,
    pub accel: Accel,
    pub console: Console,
    /// Add `-s -S`: gdb server on :1234, CPUs stopped until gdb continues.
    pub gdb: bool,
    /// `-no-reboot`: a guest reset ends QEMU instead of booting again.
    pub no_reboot: bool,
    /// A QMP socket for [`crate::qmp`].
    pub qmp: Option<PathBuf>,
}

/// The kernel command line: `console=ttyS0` followed by `extra`.
pub fn kernel_cmdline(extra: &str) -> String {
    let extra = extra.trim();
    if extra.is_empty() {
        "console=ttyS0".to_string()
    } else {
        format!("console=ttyS0 {extra}")
    }
}

/// Escapes a value for a QEMU `key=value,...` option (commas are doubled).
fn qemu_opt_value(s: &str) -> String {
    s.replace(',', ",,")
}

impl QemuConfig {
    /// A piped TCG boot with default memory and no extras.
    pub fn new(qemu: impl Into<PathBuf>, kernel: impl Into<PathBuf>) -> Self {
        QemuConfig {
            qemu: qemu.into(),
            kernel: kernel.into(),
            initrd: None,
            append: String::new(),
            smp: 1,
            mem: "1G".to_string(),
            accel: Accel::Tcg,
            console: Console::Pipe,
            gdb: false,
            no_reboot: true,
            qmp: None,
        }
    }

    /// The arguments after the program name.
    pub fn args(&self) -> Vec<OsString> {
        let mut a: Vec<OsString> = Vec::new();
        let mut push = |s: &str| a.push(OsString::from(s));
        push("-kernel");
        a.push(self.kernel.clone().into_os_string());
        if let Some(initrd) = &self.initrd {
            a.push("-initrd".into());
            a.push(initrd.clone().into_os_string());
        }
        let mut push = |s: String| a.push(OsString::from(s));
        push("-append".into());
        push(kernel_cmdline(&self.append));
        push("-smp".into());
        push(self.smp.to_string());
        push("-m".into());
        push(self.mem.clone());
        push("-nographic".into());
        if self.no_reboot {
            push("-no-reboot".into());
        }
        push("-device".into());
        push(format!(
            "isa-debug-exit,iobase={DEBUG_EXIT_IOBASE:#x},iosize=0x04"
        ));
        for s in self.accel.qemu_args() {
            push(s.to_string());
        }
        if let Console::Interactive { log } = &self.console {
            let mut chardev = "stdio,id=con0,mux=on,signal=off".to_string();
            if let Some(log) = log {
                chardev.push_str(&format!(
                    ",logfile={},logappend=off",
                    qemu_opt_value(&log.to_string_lossy())
                ));
            }
            push("-chardev".into());
            push(chardev);
            push("-serial".into());
            push("chardev:con0".into());
            push("-mon".into());
            push("chardev=con0,mode=readline".into());
        }
        if let Some(qmp) = &self.qmp {
            push("-qmp".into());
            push(format!("unix:{},server=on,wait=off", qemu_opt_value(&qmp.to_string_lossy())));
        }
        if self.gdb {
            push("-s".into());
            push("-S".into());
        }
        a
    }

    /// A [`Command`] for this boot (stdio not configured).
    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.qemu);
        c.args(self.args());
        c
    }

    /// The command line as a shell would need it typed (for `V=1`).
    pub fn shell_line(&self) -> String {
        let mut words = vec![shell_quote(&self.qemu.to_string_lossy())];
        words.extend(
            self.args()
                .iter()
                .map(|a| shell_quote(&a.to_string_lossy())),
        );
        words.join(" ")
    }
}

/// Quotes `s` for a POSIX shell when it contains anything but safe characters.
pub fn shell_quote(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(c: &QemuConfig) -> Vec<String> {
        c.args()
            .into_iter()
            .map(|s| s.into_string().unwrap())
            .collect()
    }

    #[test]
    fn tcg_pipe_shape() {
        let mut c = QemuConfig::new("qemu-system-x86_64", "build/aramid.elf");
        c.initrd = Some("build/initrd.cpio".into());
        c.append = "aramid.test=boot".into();
        c.smp = 4;
        assert_eq!(
            strings(&c),
            [
                "-kernel",
                "build/aramid.elf",
                "-initrd",
                "build/initrd.cpio",
                "-append",
                "console=ttyS0 aramid.test=boot",
                "-smp",
                "4",
                "-m",
                "1G",
                "-nographic",
                "-no-reboot",
                "-device",
                "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-accel",
                "tcg",
                "-cpu",
                "max"
            ]
        );
        assert_eq!(
            c.shell_line(),
            "qemu-system-x86_64 -kernel build/aramid.elf -initrd build/initrd.cpio \
             -append 'console=ttyS0 aramid.test=boot' -smp 4 -m 1G -nographic -no-reboot \
             -device isa-debug-exit,iobase=0xf4,iosize=0x04 -accel tcg -cpu max"
        );
    }

    #[test]
    fn kvm_interactive_gdb_shape() {
        let mut c = QemuConfig::new("qemu", "k.elf");
        c.accel = Accel::Kvm;
        c.console = Console::Interactive {
            log: Some("build/logs/a,b.log".into()),
        };
        c.gdb = true;
        let s = strings(&c);
        assert_eq!(&s[2..4], ["-append", "console=ttyS0"]);
        let tail: Vec<&str> = s[12..].iter().map(String::as_str).collect();
        assert_eq!(
            tail,
            [
                "-accel",
                "kvm",
                "-cpu",
                "host",
                "-chardev",
                "stdio,id=con0,mux=on,signal=off,logfile=build/logs/a,,b.log,logappend=off",
                "-serial",
                "chardev:con0",
                "-mon",
                "chardev=con0,mode=readline",
                "-s",
                "-S"
            ]
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("plain/path.elf"), "plain/path.elf");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
