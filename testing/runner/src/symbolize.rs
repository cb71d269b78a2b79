//! The backtrace symbolizer. The kernel prints each frame as a line
//! containing `bt: 0x<hex address>` (anything may precede it, e.g. a frame
//! number); [`SymbolTable::annotate`] appends ` <symbol+0xoff>` to such a line,
//! with Rust names demangled in their short form (no hash).
//!
//! The table comes from the kernel ELF's symbol table ([`SymbolTable::from_elf_file`]):
//! function symbols, plus named labels in executable sections (assembly entry
//! points are often untyped). A lookup picks the symbol with the greatest
//! address <= the frame address, and rejects it when the symbol's size is
//! known and the address lies past its end.

use std::path::Path;

use object::{Object, ObjectSection, ObjectSymbol, SectionKind, SymbolKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub addr: u64,
    /// Size in bytes; 0 when unknown.
    pub size: u64,
    /// Demangled name.
    pub name: String,
}

#[derive(Debug, Clone, Default)]
pub struct SymbolTable {
    /// Sorted by address, one symbol per address.
    syms: Vec<Symbol>,
}

/// Demangles a Rust symbol (legacy or v0) without its hash; other names are
/// returned unchanged.
pub fn demangle(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}

/// Function symbols, and named labels in executable sections, as
/// `(address, size, mangled name)`.
fn collect_functions<'d, 'f>(
    file: &'f object::File<'d>,
    syms: impl Iterator<Item = object::Symbol<'d, 'f>>,
) -> Vec<(u64, u64, String)> {
    let mut out = Vec::new();
    for sym in syms {
        let Ok(name) = sym.name() else { continue };
        if name.is_empty() || name.starts_with(".L") || name.starts_with('$') || sym.is_undefined()
        {
            continue;
        }
        let wanted = match sym.kind() {
            SymbolKind::Text => true,
            SymbolKind::Label | SymbolKind::Unknown => sym
                .section_index()
                .and_then(|i| file.section_by_index(i).ok())
                .is_some_and(|s| s.kind() == SectionKind::Text),
            _ => false,
        };
        if wanted {
            out.push((sym.address(), sym.size(), name.to_string()));
        }
    }
    out
}

/// Finds the frame address in a backtrace line: the hex number after `bt:`.
pub fn frame_address(line: &str) -> Option<u64> {
    let mut rest = line;
    while let Some(pos) = rest.find("bt:") {
        rest = &rest[pos + 3..];
        let after = rest.trim_start();
        if let Some(hex) = after
            .strip_prefix("0x")
            .or_else(|| after.strip_prefix("0X"))
        {
            let end = hex
                .find(|c: char| !c.is_ascii_hexdigit())
                .unwrap_or(hex.len());
            if (1..=16).contains(&end) {
                return u64::from_str_radix(&hex[..end], 16).ok();
            }
        }
    }
    None
}

impl SymbolTable {
    /// Builds a table from `(address, size, name)` symbols; names are
    /// demangled. Where several symbols share an address, the first one with
    /// a known size wins (else the first one).
    pub fn new(symbols: impl IntoIterator<Item = (u64, u64, String)>) -> Self {
        let mut syms: Vec<Symbol> = symbols
            .into_iter()
            .map(|(addr, size, name)| Symbol {
                addr,
                size,
                name: demangle(&name),
            })
            .collect();
        // Stable sort: by address, sized symbols first.
        syms.sort_by_key(|s| (s.addr, s.size == 0));
        syms.dedup_by_key(|s| s.addr);
        SymbolTable { syms }
    }

    pub fn len(&self) -> usize {
        self.syms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.syms.is_empty()
    }

    /// Reads the symbol table of an ELF file.
    pub fn from_elf_file(path: &Path) -> Result<Self, String> {
        let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_elf_bytes(&data).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads the symbol table of an ELF image in memory.
    pub fn from_elf_bytes(data: &[u8]) -> Result<Self, String> {
        let file =
            object::File::parse(data).map_err(|e| format!("not a readable ELF file: {e}"))?;
        let mut out = collect_functions(&file, file.symbols());
        if out.is_empty() {
            out = collect_functions(&file, file.dynamic_symbols());
        }
        if out.is_empty() {
            return Err("no function symbols (stripped?)".into());
        }
        Ok(Self::new(out))
    }

    /// The symbol containing `addr` and the offset into it.
    pub fn lookup(&self, addr: u64) -> Option<(&Symbol, u64)> {
        let idx = self.syms.partition_point(|s| s.addr <= addr);
        let sym = self.syms.get(idx.checked_sub(1)?)?;
        let off = addr - sym.addr;
        if sym.size != 0 && off >= sym.size {
            return None;
        }
        Some((sym, off))
    }

    /// `name+0xoff` for `addr`.
    pub fn describe(&self, addr: u64) -> Option<String> {
        self.lookup(addr)
            .map(|(s, off)| format!("{}+{off:#x}", s.name))
    }

    /// [`describe`](Self::describe) for a return address: the call it
    /// returns from is the byte before, which matters when the call is a
    /// function's last instruction (a call to a `-> !` function), so the
    /// symbol is looked up at `addr - 1` and the offset given for `addr`.
    pub fn describe_return_address(&self, addr: u64) -> Option<String> {
        self.lookup(addr.checked_sub(1)?)
            .map(|(s, off)| format!("{}+{:#x}", s.name, off + 1))
    }

    /// The line with ` <symbol+0xoff>` appended when it is a backtrace frame
    /// whose address resolves; otherwise the line unchanged.
    pub fn annotate(&self, line: &str) -> String {
        match frame_address(line).and_then(|a| self.describe_return_address(a)) {
            Some(d) => format!("{line} <{d}>"),
            None => line.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> SymbolTable {
        SymbolTable::new([
            (
                0xffff_ffff_8000_1000,
                0x100,
                "_ZN6kernel4main17h0123456789abcdefE".to_string(),
            ),
            (
                0xffff_ffff_8000_1100,
                0x40,
                "_ZN8platform4trap10page_fault17hfedcba9876543210E".to_string(),
            ),
            // A gap from 0x1140 to 0x1200, then an unsized assembly label.
            (0xffff_ffff_8000_1200, 0, "syscall_entry".to_string()),
            // A duplicate alias at the same address, unsized: the sized one wins.
            (0xffff_ffff_8000_2000, 0, "alias".to_string()),
            (
                0xffff_ffff_8000_2000,
                0x10,
                "_RNvCs1234_6kernel5panic".to_string(),
            ),
        ])
    }

    #[test]
    fn demangles_without_hash() {
        assert_eq!(
            demangle("_ZN6kernel4main17h0123456789abcdefE"),
            "kernel::main"
        );
        assert_eq!(demangle("_RNvCs1234_6kernel5panic"), "kernel::panic");
        assert_eq!(demangle("memcpy"), "memcpy");
    }

    #[test]
    fn lookup_picks_the_greatest_address_within_size() {
        let t = table();
        assert_eq!(t.len(), 4);
        assert_eq!(
            t.describe(0xffff_ffff_8000_1000).unwrap(),
            "kernel::main+0x0"
        );
        assert_eq!(
            t.describe(0xffff_ffff_8000_10ff).unwrap(),
            "kernel::main+0xff"
        );
        assert_eq!(
            t.describe(0xffff_ffff_8000_1123).unwrap(),
            "platform::trap::page_fault+0x23"
        );
        // Past the end of a sized symbol, in the gap.
        assert_eq!(t.describe(0xffff_ffff_8000_1140), None);
        // Unsized symbols extend to the next one.
        assert_eq!(
            t.describe(0xffff_ffff_8000_1fff).unwrap(),
            "syscall_entry+0xdff"
        );
        assert_eq!(
            t.describe(0xffff_ffff_8000_2004).unwrap(),
            "kernel::panic+0x4"
        );
        assert_eq!(t.describe(0xffff_ffff_8000_2010), None);
        // Below the first symbol.
        assert_eq!(t.describe(0x1000), None);
        assert_eq!(SymbolTable::default().describe(0x1000), None);
    }

    #[test]
    fn finds_frame_addresses() {
        assert_eq!(
            frame_address("bt: 0xffffffff80001000"),
            Some(0xffff_ffff_8000_1000)
        );
        assert_eq!(
            frame_address("  #3 bt: 0xFFFFFFFF80001000 extra"),
            Some(0xffff_ffff_8000_1000)
        );
        assert_eq!(frame_address("[cpu1] bt:0x1a"), Some(0x1a));
        assert_eq!(frame_address("bt: nothing, then bt: 0x10"), Some(0x10));
        assert_eq!(frame_address("bt: 0x"), None);
        assert_eq!(frame_address("bt: 0x12345678123456789"), None);
        assert_eq!(frame_address("rip: 0xffffffff80001000"), None);
    }

    #[test]
    fn annotates_lines() {
        let t = table();
        assert_eq!(
            t.annotate("  1: bt: 0xffffffff80001123"),
            "  1: bt: 0xffffffff80001123 <platform::trap::page_fault+0x23>"
        );
        // A return address just past a function's end (its last instruction
        // was a call) still names that function.
        assert_eq!(
            t.annotate("bt: 0xffffffff80001140"),
            "bt: 0xffffffff80001140 <platform::trap::page_fault+0x40>"
        );
        assert_eq!(
            t.annotate("bt: 0xffffffff80001141"),
            "bt: 0xffffffff80001141"
        );
        assert_eq!(t.annotate("aramid: hello"), "aramid: hello");
    }

    #[test]
    fn rejects_non_elf_input() {
        assert!(SymbolTable::from_elf_bytes(b"not an elf").is_err());
        assert!(SymbolTable::from_elf_file(Path::new("/nonexistent/aramid.elf")).is_err());
    }

    #[test]
    fn reads_a_real_elf() {
        // The test executable itself is an ELF with a symbol table.
        let exe = std::env::current_exe().unwrap();
        let t = SymbolTable::from_elf_file(&exe).unwrap();
        assert!(t.len() > 100);
        assert!(t.syms.iter().any(|s| s.name.contains("symbolize")));
    }
}
