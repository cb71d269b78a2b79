//! `aramid-runner bench`: the same benchmark program as init under Aramid
//! and under Debian's Linux, in the same QEMU configuration, interleaved,
//! and the table of ratios (benches/README.md explains the method).
//!
//! Each repetition boots, for every `-smp` value, Aramid then Linux (the
//! uncompressed vmlinux through PVH) with `/benches/bench` as init, and
//! Aramid, Linux's vmlinux and Linux's bzImage with `/benches/bench-boot`,
//! which prints one line and ends, for the boot latency: QEMU start to the
//! first line init prints, and to QEMU's exit. The benchmark prints
//! `bench NAME VALUE UNIT` lines (lower is better); the table gives each
//! figure's median per kernel, the ratio Aramid/Linux (below 1: Aramid is
//! faster) and the spread (max-min over median), then the geometric mean
//! of the ratios.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::accel::{self, Accel, Probe, Request};
use crate::monitor::{self, Echo, Options, Source};
use crate::qemu::{Console, QemuConfig};
use crate::settings::Settings;

pub struct BenchArgs {
    pub kernel: PathBuf,
    pub initrd: PathBuf,
    /// Linux's uncompressed vmlinux (PVH); None: Aramid only.
    pub linux: Option<PathBuf>,
    /// Linux's bzImage, for the boot-latency rows only.
    pub bzimage: Option<PathBuf>,
    pub reps: u32,
    pub smp: Vec<u32>,
    pub quick: bool,
    pub out: Option<PathBuf>,
    pub accel: Request,
    pub mem: String,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kernel {
    Aramid,
    Linux,
    LinuxBz,
}

impl Kernel {
    fn name(self) -> &'static str {
        match self {
            Kernel::Aramid => "aramid",
            Kernel::Linux => "linux",
            Kernel::LinuxBz => "linux-bzimage",
        }
    }
}

/// A parsed `bench NAME VALUE UNIT` line.
pub fn parse_line(line: &str) -> Option<Result<(String, f64, String), String>> {
    let rest = line.trim().strip_prefix("bench ")?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(match f.as_slice() {
        [name, value, unit] => match value.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok((name.to_string(), v, unit.to_string())),
            _ => Err(format!("bad value in {line:?}")),
        },
        _ => Err(format!("malformed line {line:?}")),
    })
}

/// What one boot produced.
#[derive(Default)]
struct Boot {
    figures: Vec<(String, f64, String)>,
    errors: Vec<String>,
    first_line: Option<Duration>,
    done: bool,
    elapsed: Duration,
}

fn boot(settings: &Settings, accel: Accel, kernel: &Path, initrd: &Path, append: &str, smp: u32, mem: &str, log: PathBuf, timeout: f64) -> Result<Boot, String> {
    let mut cfg = QemuConfig::new(&settings.qemu, kernel);
    cfg.initrd = Some(initrd.to_path_buf());
    cfg.append = append.to_string();
    cfg.smp = smp;
    cfg.mem = mem.to_string();
    cfg.accel = accel;
    cfg.console = Console::Pipe;
    let opts = Options {
        timeout: Some(accel.scale_timeout(Duration::from_secs_f64(timeout))),
        log: Some(log),
        echo: if settings.verbose { Echo::Prefixed(format!("[{}] ", kernel.display())) } else { Echo::Quiet },
        ..Options::default()
    };
    let mut b = Boot::default();
    let report = monitor::run(&mut cfg.command(), &opts, &mut |l| {
        if l.source != Source::Serial {
            return;
        }
        if l.text.contains("bench: ") && b.first_line.is_none() {
            b.first_line = Some(l.at);
        }
        if l.text.contains("bench: done") {
            b.done = true;
        }
        match parse_line(&l.text) {
            Some(Ok(f)) => b.figures.push(f),
            Some(Err(e)) => b.errors.push(e),
            None => {}
        }
    })?;
    b.elapsed = report.elapsed;
    if matches!(report.outcome, monitor::Outcome::TimedOut | monitor::Outcome::Panic | monitor::Outcome::QemuFailed(_)) {
        b.errors.push(format!("{}: {}", kernel.display(), report.outcome));
    }
    Ok(b)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn spread(v: &[f64]) -> f64 {
    let m = median(v);
    let (lo, hi) = v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    if m > 0.0 && v.len() > 1 {
        (hi - lo) / m * 100.0
    } else {
        0.0
    }
}

type Results = BTreeMap<(String, u32), (String, BTreeMap<Kernel, Vec<f64>>)>;

fn record(results: &mut Results, kernel: Kernel, smp: u32, name: &str, value: f64, unit: &str) {
    let e = results.entry((name.to_string(), smp)).or_insert_with(|| (unit.to_string(), BTreeMap::new()));
    e.1.entry(kernel).or_default().push(value);
}

pub fn run(args: &BenchArgs, settings: &Settings) -> Result<i32, String> {
    let probe = Probe {
        qemu: settings.qemu.clone(),
        kernel: args.kernel.clone(),
        initrd: Some(args.initrd.clone()),
        kvm_device: settings.kvm_device.clone(),
        cache: settings.probe_cache(),
        timeout: accel::PROBE_TIMEOUT,
        log: Some(settings.log_dir().join("accel-probe.log")),
        verbose: settings.verbose,
    };
    let choice = accel::choose(args.accel, settings.accel_env.as_deref(), &probe)?;
    println!("{}", choice.line());
    let program = if args.quick { "/benches/bench-quick" } else { "/benches/bench" };
    let mut kernels = vec![(Kernel::Aramid, args.kernel.clone())];
    if let Some(l) = &args.linux {
        kernels.push((Kernel::Linux, l.clone()));
    }
    let mut results: Results = BTreeMap::new();
    let mut failures = 0;
    let timeout = if args.quick { 300.0 } else { 900.0 };
    for rep in 1..=args.reps {
        for &smp in &args.smp {
            for (k, path) in &kernels {
                let append = match k {
                    Kernel::Aramid => format!("init={program} log=warn"),
                    _ => format!("rdinit={program} quiet mitigations=off"),
                };
                let log = settings.log_dir().join(format!("bench-{}-smp{smp}-rep{rep}.log", k.name()));
                let b = boot(settings, choice.accel, path, &args.initrd, &append, smp, &args.mem, log.clone(), timeout)?;
                println!("runner: {} smp={smp} rep {rep}: {} figures in {:.1} s{}", k.name(), b.figures.len(), b.elapsed.as_secs_f64(), if b.done { "" } else { " (incomplete)" });
                if !b.done || !b.errors.is_empty() {
                    failures += 1;
                    for e in &b.errors {
                        println!("runner: {}: {e}", k.name());
                    }
                    if !b.done {
                        println!("runner: {}: no \"bench: done\" line (log: {})", k.name(), log.display());
                    }
                }
                for (name, v, unit) in &b.figures {
                    record(&mut results, *k, smp, name, *v, unit);
                }
            }
            // Boot latency, with the bzImage too when given.
            let mut boots = kernels.clone();
            if let Some(bz) = &args.bzimage {
                boots.push((Kernel::LinuxBz, bz.clone()));
            }
            for (k, path) in &boots {
                let append = match k {
                    Kernel::Aramid => "init=/benches/bench-boot log=warn".to_string(),
                    _ => "rdinit=/benches/bench-boot quiet mitigations=off".to_string(),
                };
                let log = settings.log_dir().join(format!("boot-{}-smp{smp}-rep{rep}.log", k.name()));
                let b = boot(settings, choice.accel, path, &args.initrd, &append, smp, &args.mem, log, 120.0)?;
                match b.first_line {
                    Some(first) => {
                        let kk = if *k == Kernel::LinuxBz { Kernel::Linux } else { *k };
                        let suffix = if *k == Kernel::LinuxBz { "_bzimage" } else { "" };
                        record(&mut results, kk, smp, &format!("boot_to_init{suffix}"), first.as_secs_f64() * 1000.0, "ms");
                        record(&mut results, kk, smp, &format!("boot_to_exit{suffix}"), b.elapsed.as_secs_f64() * 1000.0, "ms");
                    }
                    None => {
                        failures += 1;
                        println!("runner: {} smp={smp}: init printed nothing", k.name());
                    }
                }
            }
        }
    }
    let table = table(&results, args, &choice.accel, settings);
    print!("{table}");
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
        std::fs::write(out.join("latest.md"), &table).map_err(|e| format!("{}: {e}", out.display()))?;
        std::fs::write(out.join("latest.svg"), svg(&results)).map_err(|e| format!("{}: {e}", out.display()))?;
        println!("runner: wrote {}/latest.md and latest.svg", out.display());
    }
    Ok(if failures > 0 { 1 } else { 0 })
}

fn qemu_version(settings: &Settings) -> String {
    std::process::Command::new(&settings.qemu)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_string))
        .unwrap_or_else(|| "unknown QEMU".into())
}

/// The ratio Aramid/Linux of one row, if both kernels have it.
fn ratio(row: &BTreeMap<Kernel, Vec<f64>>) -> Option<f64> {
    let a = median(row.get(&Kernel::Aramid)?);
    let l = median(row.get(&Kernel::Linux)?);
    (a > 0.0 && l > 0.0).then(|| a / l)
}

fn table(results: &Results, args: &BenchArgs, accel: &Accel, settings: &Settings) -> String {
    let mut s = String::new();
    let date = std::process::Command::new("date").arg("-u").arg("+%Y-%m-%d %H:%M UTC").output().ok().and_then(|o| String::from_utf8(o.stdout).ok()).unwrap_or_default();
    let cpu = if matches!(accel, Accel::Kvm) { "host" } else { "max" };
    let _ = writeln!(s, "# Aramid vs Linux, same QEMU, same initramfs\n");
    let _ = writeln!(
        s,
        "{} · accelerator {accel} (-cpu {cpu}) · -m {} · {} repetition(s), interleaved · {}{}\n",
        qemu_version(settings),
        args.mem,
        args.reps,
        date.trim(),
        if args.quick { " · QUICK run (iteration counts / 100: not a measurement)" } else { "" }
    );
    let _ = writeln!(s, "Lower is better; ratio = Aramid / Linux (below 1: Aramid is faster); spread = (max - min) / median over the repetitions.\n");
    let _ = writeln!(s, "| benchmark | smp | unit | Linux | Aramid | ratio | spread L / A |");
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    let mut logs = Vec::new();
    for ((name, smp), (unit, row)) in results {
        let fmt = |k: Kernel| row.get(&k).map_or("—".to_string(), |v| format!("{:.1}", median(v)));
        let sp = |k: Kernel| row.get(&k).map_or("—".to_string(), |v| format!("{:.0}%", spread(v)));
        let r = ratio(row);
        if let Some(r) = r {
            logs.push(r.ln());
        }
        let _ = writeln!(
            s,
            "| {name} | {smp} | {unit} | {} | {} | {} | {} / {} |",
            fmt(Kernel::Linux),
            fmt(Kernel::Aramid),
            r.map_or("—".to_string(), |r| format!("{r:.2}")),
            sp(Kernel::Linux),
            sp(Kernel::Aramid)
        );
    }
    if !logs.is_empty() {
        let g = (logs.iter().sum::<f64>() / logs.len() as f64).exp();
        let _ = writeln!(s, "\nGeometric mean of the {} ratios: **{g:.2}** ({}).", logs.len(), if g < 1.0 { "Aramid faster overall" } else { "Linux faster overall" });
    }
    s
}

/// A horizontal bar chart of the ratios on a log scale (1 in the middle).
fn svg(results: &Results) -> String {
    let rows: Vec<(String, f64)> = results.iter().filter_map(|((name, smp), (_, row))| ratio(row).map(|r| (format!("{name} (smp {smp})"), r))).collect();
    let (w, bar, left) = (900.0, 16.0, 330.0);
    let h = 40.0 + rows.len() as f64 * (bar + 4.0);
    let mid = left + (w - left - 20.0) / 2.0;
    let scale = (w - left - 20.0) / 2.0 / 4f64.ln(); // ratio 4 (or 1/4) reaches the edge
    let mut s = String::new();
    let _ = writeln!(s, r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">"#);
    let _ = writeln!(s, r#"<text x="10" y="16">Aramid / Linux (log scale; left of the line: Aramid faster)</text>"#);
    let _ = writeln!(s, r#"<line x1="{mid}" y1="24" x2="{mid}" y2="{h}" stroke="black"/>"#);
    for (i, (label, r)) in rows.iter().enumerate() {
        let y = 30.0 + i as f64 * (bar + 4.0);
        let len = (r.ln() * scale).clamp(-(mid - left), w - 20.0 - mid);
        let (x, width) = if len < 0.0 { (mid + len, -len) } else { (mid, len) };
        let color = if *r <= 1.0 { "#2a7" } else { "#c44" };
        let _ = writeln!(s, r#"<text x="{}" y="{}" text-anchor="end">{label}</text>"#, left - 6.0, y + bar - 4.0);
        let _ = writeln!(s, r#"<rect x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{bar}" fill="{color}"/>"#);
        let _ = writeln!(s, r#"<text x="{:.1}" y="{}">{r:.2}</text>"#, if len < 0.0 { mid + 4.0 } else { mid + len + 4.0 }, y + bar - 4.0);
    }
    s.push_str("</svg>\n");
    s
}
