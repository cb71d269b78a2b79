//! Guest test suites: the TOML schema ([`parse_suite`], [`load_suite`]) and
//! the check of one boot against one case ([`Check`]).
//!
//! ```toml
//! [[case]]
//! name = "boot"                      # required; unique; [A-Za-z0-9_.-]
//! append = "aramid.test=boot"        # kernel command line after console=ttyS0
//! smp = [1, 4]                       # CPU counts to boot with (default [1, 4])
//! expect = ["aramid: {smp} CPUs online"]  # substrings that must all appear
//! expect_regex = ['selftest: \d+ passed'] # regexes that must all match a line
//! forbid = ["WARN"]                  # substrings that must not appear
//! outcome = "success"                # success | panic | timeout | poweroff | reboot | halt | exit:N
//! timeout = 60                       # seconds under TCG (scaled down for KVM)
//! timing = ["aramid: {smp} CPUs online"]  # print when these first appeared
//! initrd = "build/initrd-gzip.img"   # boot this image instead of --initrd
//! sendkey = [["marker", "ctrl-alt-delete"]]  # press keys (QEMU names) after a marker
//! ```
//!
//! `{smp}` in `expect`, `expect_regex`, `forbid` and `timing` becomes the
//! case's CPU count. Markers are matched per line of serial output (QEMU's own
//! messages are not matched). Unknown keys are errors, so a misspelt key
//! cannot silently weaken a test.

use std::path::Path;
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;

use crate::monitor::{Outcome, RunReport};

/// Default CPU counts of a case.
pub const DEFAULT_SMP: [u32; 2] = [1, 4];
/// Default time-out of a case, seconds under TCG.
pub const DEFAULT_TIMEOUT_SECS: f64 = 60.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuite {
    #[serde(default)]
    case: Vec<RawCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    #[serde(default)]
    append: String,
    #[serde(default)]
    smp: Option<Vec<u32>>,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    expect_regex: Vec<String>,
    #[serde(default)]
    forbid: Vec<String>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    timeout: Option<f64>,
    #[serde(default)]
    timing: Vec<String>,
    /// Text typed on the serial console once `input_after` has appeared.
    #[serde(default)]
    input: Option<String>,
    #[serde(default)]
    input_after: Option<String>,
    #[serde(default)]
    initrd: Option<String>,
    #[serde(default)]
    sendkey: Vec<(String, String)>,
    /// A dialog: `[marker, text]` pairs, each typed once its marker appears
    /// after the previous one was typed.
    #[serde(default)]
    dialog: Vec<(String, String)>,
}

/// The outcome a case expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Debug-exit status 0.
    Success,
    /// Debug-exit status N (1..=0x7d).
    Exit(u8),
    /// A kernel panic (panic line or panic status).
    Panic,
    /// The guest must still be running at the time-out.
    Timeout,
    /// QEMU exits 0 without a status (ACPI poweroff).
    PoweredOff,
    /// The guest resets the machine (QEMU's SHUTDOWN reason guest-reset).
    Reboot,
    /// The guest prints "reboot: System halted" and stops.
    Halt,
}

impl Expected {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "success" => Ok(Expected::Success),
            "panic" => Ok(Expected::Panic),
            "timeout" => Ok(Expected::Timeout),
            "poweroff" => Ok(Expected::PoweredOff),
            "reboot" => Ok(Expected::Reboot),
            "halt" => Ok(Expected::Halt),
            _ => {
                let n = s
                    .strip_prefix("exit:")
                    .and_then(|n| n.trim().parse::<u8>().ok());
                match n {
                    Some(0) => Ok(Expected::Success),
                    Some(n @ 1..=crate::status::MAX_EXIT_VALUE) => Ok(Expected::Exit(n)),
                    _ => Err(format!(
                        "outcome {s:?}: expected success, panic, timeout, poweroff, reboot, halt or exit:N with N in 0..=125"
                    )),
                }
            }
        }
    }

    fn describe(self) -> String {
        match self {
            Expected::Success => "success".into(),
            Expected::Exit(n) => format!("exit status {n}"),
            Expected::Panic => "a kernel panic".into(),
            Expected::Timeout => "a time-out".into(),
            Expected::PoweredOff => "a poweroff".into(),
            Expected::Reboot => "a reboot".into(),
            Expected::Halt => "a halt".into(),
        }
    }
}

/// One validated test case.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub append: String,
    pub smp: Vec<u32>,
    pub expect: Vec<String>,
    pub expect_regex: Vec<String>,
    pub forbid: Vec<String>,
    pub outcome: Expected,
    /// Under TCG.
    pub timeout: Duration,
    pub timing: Vec<String>,
    /// `(marker, text)`: type `text` on the console when `marker` appears.
    /// The console dialog: `(marker, text)` steps in order.
    pub input: Vec<(String, String)>,
    /// An image of its own, instead of the suite run's `--initrd`.
    pub initrd: Option<std::path::PathBuf>,
    /// `(marker, keys)`: keys pressed on the PC keyboard after `marker`.
    pub sendkey: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Suite {
    /// The file's stem, e.g. `boot` for `testing/suites/boot.toml`.
    pub name: String,
    pub cases: Vec<Case>,
}

/// Replaces `{smp}` with the CPU count.
pub fn substitute(marker: &str, smp: u32) -> String {
    marker.replace("{smp}", &smp.to_string())
}

/// Parses suite text; `origin` names it in error messages.
pub fn parse_suite(text: &str, origin: &str) -> Result<Vec<Case>, String> {
    let raw: RawSuite = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
    if raw.case.is_empty() {
        return Err(format!("{origin}: no [[case]] tables"));
    }
    let mut cases: Vec<Case> = Vec::new();
    for rc in raw.case {
        let err = |m: String| format!("{origin}: case {:?}: {m}", rc.name);
        if rc.name.is_empty()
            || !rc
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        {
            return Err(err(
                "name must be non-empty and use only letters, digits, '_', '.', '-'".into(),
            ));
        }
        if cases.iter().any(|c| c.name == rc.name) {
            return Err(err("duplicate name".into()));
        }
        let smp = rc.smp.unwrap_or_else(|| DEFAULT_SMP.to_vec());
        if smp.is_empty() || smp.iter().any(|&n| !(1..=255).contains(&n)) {
            return Err(err(format!(
                "smp = {smp:?}: expected CPU counts in 1..=255"
            )));
        }
        let outcome = Expected::parse(rc.outcome.as_deref().unwrap_or("success")).map_err(err)?;
        let secs = rc.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS);
        if !(secs.is_finite() && secs > 0.0 && secs <= 86_400.0) {
            return Err(err(format!(
                "timeout = {secs}: expected seconds in (0, 86400]"
            )));
        }
        for re in &rc.expect_regex {
            Regex::new(&substitute(re, 1)).map_err(|e| err(format!("expect_regex {re:?}: {e}")))?;
        }
        for (key, list) in [
            ("expect", &rc.expect),
            ("forbid", &rc.forbid),
            ("timing", &rc.timing),
        ] {
            if list.iter().any(|m| m.is_empty()) {
                return Err(err(format!("{key}: empty marker")));
            }
        }
        let mut input = match (rc.input, rc.input_after) {
            (Some(text), Some(after)) if !after.is_empty() => vec![(after, text)],
            (None, None) => Vec::new(),
            _ => return Err(err("input and input_after go together (input_after not empty)".into())),
        };
        if rc.dialog.iter().any(|(m, _)| m.is_empty()) {
            return Err(err("dialog: empty marker".into()));
        }
        input.extend(rc.dialog);
        cases.push(Case {
            initrd: rc.initrd.map(Into::into),
            sendkey: rc.sendkey,
            input,
            name: rc.name,
            append: rc.append,
            smp,
            expect: rc.expect,
            expect_regex: rc.expect_regex,
            forbid: rc.forbid,
            outcome,
            timeout: Duration::from_secs_f64(secs),
            timing: rc.timing,
        });
    }
    Ok(cases)
}

/// Reads and parses a suite file.
pub fn load_suite(path: &Path) -> Result<Suite, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let cases = parse_suite(&text, &path.display().to_string())?;
    let name = path
        .file_stem()
        .map_or_else(|| "suite".into(), |s| s.to_string_lossy().into_owned());
    Ok(Suite { name, cases })
}

/// The state of one boot of one case: which markers have been seen, when.
#[derive(Debug)]
pub struct Check {
    outcome: Expected,
    timeout: Duration,
    /// Marker and when it first appeared.
    expect: Vec<(String, Option<Duration>)>,
    regex: Vec<(Regex, bool)>,
    /// Marker and the first line containing it.
    forbid: Vec<(String, Option<String>)>,
    timing: Vec<(String, Option<Duration>)>,
}

impl Check {
    /// `timeout` is the effective (scaled) time-out, for messages.
    pub fn new(case: &Case, smp: u32, timeout: Duration) -> Result<Self, String> {
        let subst = |v: &[String]| v.iter().map(|m| substitute(m, smp)).collect::<Vec<_>>();
        let mut regex = Vec::new();
        for re in &case.expect_regex {
            let r = Regex::new(&substitute(re, smp))
                .map_err(|e| format!("expect_regex {re:?}: {e}"))?;
            regex.push((r, false));
        }
        Ok(Check {
            outcome: case.outcome,
            timeout,
            expect: subst(&case.expect).into_iter().map(|m| (m, None)).collect(),
            regex,
            forbid: subst(&case.forbid).into_iter().map(|m| (m, None)).collect(),
            timing: subst(&case.timing).into_iter().map(|m| (m, None)).collect(),
        })
    }

    /// Feeds one serial line that arrived `at` after QEMU started.
    pub fn observe(&mut self, at: Duration, line: &str) {
        for (m, seen) in self.expect.iter_mut().chain(self.timing.iter_mut()) {
            if seen.is_none() && line.contains(m.as_str()) {
                *seen = Some(at);
            }
        }
        for (r, seen) in &mut self.regex {
            if !*seen && r.is_match(line) {
                *seen = true;
            }
        }
        for (m, hit) in &mut self.forbid {
            if hit.is_none() && line.contains(m.as_str()) {
                *hit = Some(line.to_string());
            }
        }
    }

    /// When each `timing` marker first appeared.
    pub fn timings(&self) -> &[(String, Option<Duration>)] {
        &self.timing
    }

    /// Why the run failed the case; empty when it passed.
    pub fn verdict(&self, report: &RunReport) -> Vec<String> {
        let mut why = Vec::new();
        let got = &report.outcome;
        let panic_line = || {
            report
                .panic_line
                .clone()
                .unwrap_or_else(|| "panic exit status".into())
        };
        let secs = self.timeout.as_secs_f64();
        match (self.outcome, got) {
            (Expected::Panic, Outcome::Panic) | (Expected::Timeout, Outcome::TimedOut) => {}
            (Expected::Reboot, Outcome::Rebooted) | (Expected::Halt, Outcome::Halted) => {}
            (Expected::Success, Outcome::Success) | (Expected::PoweredOff, Outcome::PoweredOff) => {
            }
            (Expected::Exit(n), Outcome::Exit(m)) if n == *m => {}
            (Expected::Panic, Outcome::TimedOut) => why.push(format!(
                "timed out after {secs:.0} s (expected a kernel panic)"
            )),
            (Expected::Panic, other) => why.push(format!("expected a kernel panic, got {other}")),
            (_, Outcome::Panic) => why.push(format!("unexpected panic: {}", panic_line())),
            (_, Outcome::TimedOut) => why.push(format!("timed out after {secs:.0} s")),
            (Expected::Timeout, other) => why.push(format!(
                "expected the guest to hang until the time-out, but it ended: {other}"
            )),
            (_, Outcome::QemuFailed(m)) => why.push(format!("QEMU failed: {m}")),
            (want, other) => why.push(format!(
                "wrong exit status: expected {}, got {other}",
                want.describe()
            )),
        }
        for (m, seen) in &self.expect {
            if seen.is_none() {
                why.push(format!("missing marker {m:?}"));
            }
        }
        for (r, seen) in &self.regex {
            if !seen {
                why.push(format!("missing match for regex {:?}", r.as_str()));
            }
        }
        for (m, hit) in &self.forbid {
            if let Some(line) = hit {
                why.push(format!("forbidden marker {m:?} in {line:?}"));
            }
        }
        why
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUITE: &str = r#"
        [[case]]
        name = "boot"
        append = "aramid.test=boot"
        expect = ["aramid: {smp} CPUs online", "selftest: all passed"]
        expect_regex = ['heap: \d+ KiB free on {smp} cpus']
        forbid = ["WARN"]
        timing = ["aramid: {smp} CPUs online"]

        [[case]]
        name = "page-fault"
        smp = [1]
        outcome = "panic"
        timeout = 30

        [[case]]
        name = "hang"
        outcome = "timeout"
        timeout = 2.5

        [[case]]
        name = "init-exit"
        outcome = "exit:3"
    "#;

    fn report(outcome: Outcome) -> RunReport {
        RunReport {
            outcome,
            elapsed: Duration::from_secs(1),
            panic_line: None,
            tail: vec![],
            qemu_stderr: vec![],
            raw_status: Ok(1),
        }
    }

    #[test]
    fn parses_the_schema_with_defaults() {
        let cases = parse_suite(SUITE, "t.toml").unwrap();
        assert_eq!(cases.len(), 4);
        let boot = &cases[0];
        assert_eq!(boot.name, "boot");
        assert_eq!(boot.append, "aramid.test=boot");
        assert_eq!(boot.smp, [1, 4]);
        assert_eq!(boot.outcome, Expected::Success);
        assert_eq!(boot.timeout, Duration::from_secs(60));
        assert_eq!(boot.forbid, ["WARN"]);
        assert_eq!(cases[1].smp, [1]);
        assert_eq!(cases[1].outcome, Expected::Panic);
        assert_eq!(cases[1].timeout, Duration::from_secs(30));
        assert_eq!(cases[2].outcome, Expected::Timeout);
        assert_eq!(cases[2].timeout, Duration::from_millis(2500));
        assert_eq!(cases[3].outcome, Expected::Exit(3));
        assert!(cases[3].expect.is_empty());
    }

    #[test]
    fn rejects_bad_suites() {
        let bad = |t: &str| parse_suite(t, "t.toml").unwrap_err();
        assert!(bad("").contains("no [[case]]"));
        assert!(bad("[[case]]\nname = \"a\"\nexpct = [\"x\"]\n").contains("expct"));
        assert!(bad("[[case]]\nexpect = []\n").contains("name"));
        assert!(bad("[[case]]\nname = \"a b\"\n").contains("name must"));
        assert!(bad("[[case]]\nname = \"a\"\n[[case]]\nname = \"a\"\n").contains("duplicate"));
        assert!(bad("[[case]]\nname = \"a\"\nsmp = []\n").contains("smp"));
        assert!(bad("[[case]]\nname = \"a\"\nsmp = [0]\n").contains("smp"));
        assert!(bad("[[case]]\nname = \"a\"\noutcome = \"exit:200\"\n").contains("outcome"));
        assert!(bad("[[case]]\nname = \"a\"\noutcome = \"crash\"\n").contains("outcome"));
        assert!(bad("[[case]]\nname = \"a\"\ntimeout = 0\n").contains("timeout"));
        assert!(bad("[[case]]\nname = \"a\"\nexpect_regex = [\"(\"]\n").contains("expect_regex"));
        assert!(bad("[[case]]\nname = \"a\"\nexpect = [\"\"]\n").contains("empty marker"));
        assert!(bad("[[case]]\nname = \"a\"\nsmp = \"4\"\n").contains("t.toml"));
    }

    #[test]
    fn input_needs_its_marker() {
        let c = parse_suite("[[case]]\nname = \"a\"\ninput = \"hi\\n\"\ninput_after = \"ready\"\n", "t").unwrap();
        assert_eq!(c[0].input, vec![("ready".to_string(), "hi\n".to_string())]);
        assert!(parse_suite("[[case]]\nname = \"a\"\ninput = \"hi\"\n", "t").is_err());
        assert!(parse_suite("[[case]]\nname = \"a\"\n", "t").unwrap()[0].input.is_empty());
        let d = parse_suite("[[case]]\nname = \"a\"\ndialog = [[\"login:\", \"root\\n\"], [\"# \", \"ls\\n\"]]\n", "t").unwrap();
        assert_eq!(d[0].input, vec![("login:".to_string(), "root\n".to_string()), ("# ".to_string(), "ls\n".to_string())]);
        assert!(parse_suite("[[case]]\nname = \"a\"\ndialog = [[\"\", \"x\"]]\n", "t").is_err());
    }

    #[test]
    fn outcomes_parse() {
        assert_eq!(Expected::parse("exit:0").unwrap(), Expected::Success);
        assert_eq!(Expected::parse("exit:125").unwrap(), Expected::Exit(125));
        assert!(Expected::parse("exit:126").is_err());
        assert!(Expected::parse("exit:").is_err());
        assert_eq!(Expected::parse("poweroff").unwrap(), Expected::PoweredOff);
        assert_eq!(Expected::parse("reboot").unwrap(), Expected::Reboot);
        assert_eq!(Expected::parse("halt").unwrap(), Expected::Halt);
    }

    #[test]
    fn markers_substitute_smp_and_are_timed() {
        let cases = parse_suite(SUITE, "t.toml").unwrap();
        let mut c = Check::new(&cases[0], 4, Duration::from_secs(60)).unwrap();
        c.observe(Duration::from_millis(100), "aramid: 1 CPUs online");
        c.observe(Duration::from_millis(200), "heap: 1024 KiB free on 4 cpus");
        let why = c.verdict(&report(Outcome::Success));
        assert_eq!(
            why,
            [
                "missing marker \"aramid: 4 CPUs online\"",
                "missing marker \"selftest: all passed\""
            ]
        );
        c.observe(Duration::from_millis(412), "[0.4] aramid: 4 CPUs online");
        c.observe(Duration::from_millis(500), "aramid: 4 CPUs online");
        c.observe(Duration::from_millis(900), "selftest: all passed");
        assert!(c.verdict(&report(Outcome::Success)).is_empty());
        assert_eq!(
            c.timings(),
            [(
                "aramid: 4 CPUs online".to_string(),
                Some(Duration::from_millis(412))
            )]
        );
        c.observe(Duration::from_secs(1), "WARN: something");
        assert_eq!(
            c.verdict(&report(Outcome::Success)),
            ["forbidden marker \"WARN\" in \"WARN: something\""]
        );
    }

    #[test]
    fn regex_must_match() {
        let cases = parse_suite(SUITE, "t.toml").unwrap();
        let mut c = Check::new(&cases[0], 1, Duration::from_secs(60)).unwrap();
        c.observe(Duration::ZERO, "aramid: 1 CPUs online");
        c.observe(Duration::ZERO, "selftest: all passed");
        c.observe(Duration::ZERO, "heap: 1024 KiB free on 4 cpus");
        assert_eq!(
            c.verdict(&report(Outcome::Success)),
            ["missing match for regex \"heap: \\\\d+ KiB free on 1 cpus\""]
        );
        c.observe(Duration::ZERO, "heap: 77 KiB free on 1 cpus");
        assert!(c.verdict(&report(Outcome::Success)).is_empty());
    }

    #[test]
    fn outcomes_are_checked() {
        let cases = parse_suite(SUITE, "t.toml").unwrap();
        let t = Duration::from_secs(60);
        let boot = Check::new(&cases[3], 1, t).unwrap(); // exit:3, no markers
        assert!(boot.verdict(&report(Outcome::Exit(3))).is_empty());
        assert_eq!(
            boot.verdict(&report(Outcome::Exit(1))),
            ["wrong exit status: expected exit status 3, got exit status 1"]
        );
        assert_eq!(
            boot.verdict(&report(Outcome::TimedOut)),
            ["timed out after 60 s"]
        );
        let mut r = report(Outcome::Panic);
        r.panic_line = Some("aramid: kernel panic at x.rs:1".into());
        assert_eq!(
            boot.verdict(&r),
            ["unexpected panic: aramid: kernel panic at x.rs:1"]
        );

        let pf = Check::new(&cases[1], 1, t).unwrap();
        assert!(pf.verdict(&report(Outcome::Panic)).is_empty());
        assert_eq!(
            pf.verdict(&report(Outcome::Success)),
            ["expected a kernel panic, got success"]
        );

        let hang = Check::new(&cases[2], 1, t).unwrap();
        assert!(hang.verdict(&report(Outcome::TimedOut)).is_empty());
        assert!(
            hang.verdict(&report(Outcome::Success))[0].starts_with("expected the guest to hang")
        );
        assert!(hang.verdict(&report(Outcome::Panic))[0].starts_with("unexpected panic"));
        let q = boot.verdict(&report(Outcome::QemuFailed("no kvm".into())));
        assert_eq!(q, ["QEMU failed: no kvm"]);
    }
}
