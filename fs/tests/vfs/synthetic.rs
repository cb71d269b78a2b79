//! The generated-tree machinery (fs::synthetic): a small tree mounted on a
//! tmpfs with a dynamic directory, a counter file, a per-caller link, a
//! magic link and an event source; checked as /proc behaves on Linux.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::vec::Vec;

use fs::flags::*;
use fs::inode::{EventSource, FileType, Jump, LinkTarget, OpenState};
use fs::synthetic::*;
use fs::vfs::Caller;
use fs::*;

use crate::common::*;

/// The shared state the tree shows.
#[derive(Default)]
struct State {
    /// Names of the dynamic directory's entries (keys are their numbers).
    items: Mutex<Vec<u64>>,
    /// Bumped by every produce of the counter file.
    reads: AtomicU64,
    stored: Mutex<Vec<u8>>,
    events: Arc<Counter>,
    /// Where the magic link jumps.
    target: Mutex<Option<Jump>>,
}

#[derive(Default)]
struct Counter(AtomicU64);
impl EventSource for Counter {
    fn count(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[derive(Clone)]
struct S(Arc<State>);
impl Scope for S {}

struct Items(S);
impl Node for Items {
    fn file_type(&self) -> FileType {
        FileType::Directory
    }
    fn perm(&self) -> u32 {
        0o555
    }
    fn entries(&self) -> Result<Vec<Entry>> {
        let items = self.0 .0.items.lock().unwrap();
        Ok(items
            .iter()
            .map(|n| Entry::new(100 + n, n.to_string().as_bytes(), FileType::Regular))
            .collect())
    }
    fn child(&self, name: &[u8]) -> Result<Arc<dyn Node>> {
        let n: u64 = std::str::from_utf8(name).ok().and_then(|s| s.parse().ok()).ok_or(Errno::ENOENT)?;
        if !self.0 .0.items.lock().unwrap().contains(&n) {
            return Err(Errno::ENOENT);
        }
        Ok(Arc::new(Item(self.0.clone(), n)))
    }
}

struct Item(S, u64);
impl Node for Item {
    fn file_type(&self) -> FileType {
        FileType::Regular
    }
    fn perm(&self) -> u32 {
        0o444
    }
    fn alive(&self) -> bool {
        self.0 .0.items.lock().unwrap().contains(&self.1)
    }
    fn produce(&self, _who: &Opener) -> Result<Vec<u8>> {
        if !self.alive() {
            return Err(Errno::ESRCH);
        }
        Ok(format!("item {}\n", self.1).into_bytes())
    }
}

struct Magic(S);
impl Node for Magic {
    fn file_type(&self) -> FileType {
        FileType::Symlink
    }
    fn perm(&self) -> u32 {
        0o777
    }
    fn readlink(&self, _ctx: &Ctx<'_>) -> Result<Vec<u8>> {
        Ok(b"/somewhere (deleted)".to_vec())
    }
    fn follow(&self, _ctx: &Ctx<'_>) -> Result<LinkTarget> {
        Ok(LinkTarget::Jump(self.0 .0.target.lock().unwrap().clone().ok_or(Errno::ENOENT)?))
    }
}

struct Watched(S);
impl Node for Watched {
    fn file_type(&self) -> FileType {
        FileType::Regular
    }
    fn perm(&self) -> u32 {
        0o444
    }
    fn produce(&self, _who: &Opener) -> Result<Vec<u8>> {
        Ok(b"w\n".to_vec())
    }
    fn events(&self) -> Option<Arc<dyn EventSource>> {
        Some(self.0 .0.events.clone())
    }
}

fn counter(s: &S, _w: &Opener) -> Result<Vec<u8>> {
    let n = s.0.reads.fetch_add(1, Ordering::SeqCst);
    Ok(format!("read {n} {}\n", "x".repeat(20)).into_bytes())
}

fn store(s: &S, who: &Opener, data: &[u8]) -> Result<usize> {
    if who.creds.uid != 0 {
        return Err(Errno::EPERM);
    }
    *s.0.stored.lock().unwrap() = data.to_vec();
    Ok(data.len())
}

fn show_stored(s: &S, _w: &Opener) -> Result<Vec<u8>> {
    Ok(s.0.stored.lock().unwrap().clone())
}

fn me(_s: &S, ctx: &Ctx<'_>) -> Result<Vec<u8>> {
    Ok(ctx.caller.pid.to_string().into_bytes())
}

static TABLE: &[TableEntry<S>] = &[
    TableEntry::dir("items", |s| Arc::new(Items(s.clone()))),
    TableEntry::file("counter", |s| TextFile::ro(s, 0o444, counter)),
    TableEntry::file("knob", |s| TextFile::rw(s, 0o644, show_stored, store)),
    TableEntry::link("self", |s| TextLink::node(s, me)),
    TableEntry::link("magic", |s| Arc::new(Magic(s.clone()))),
    TableEntry::file("watched", |s| Arc::new(Watched(s.clone()))),
    TableEntry::link("outside", |_| Arc::new(Outside)),
];

/// A link to an inode outside the tree (as /proc/PID/ns/* to nsfs).
struct Outside;
impl Node for Outside {
    fn file_type(&self) -> FileType {
        FileType::Symlink
    }
    fn perm(&self) -> u32 {
        0o777
    }
    fn readlink(&self, _ctx: &Ctx<'_>) -> Result<Vec<u8>> {
        Ok(b"thing:[7]".to_vec())
    }
    fn follow(&self, _ctx: &Ctx<'_>) -> Result<LinkTarget> {
        let fs = SynthFs::new(0x1234, Arc::new(FakeClock::new(5)));
        Ok(LinkTarget::Here(fs.root(TableDir::node(S(Arc::new(State::default())), 0o500, &[]))))
    }
}

const MAGIC: u64 = 0x9fa0;

fn setup() -> (Env, Arc<State>) {
    let env = Env::new();
    env.mkdir("/proc", 0o755);
    let state = Arc::new(State::default());
    let sfs = SynthFs::new(MAGIC, env.clock.clone());
    let root = sfs.root(TableDir::node(S(state.clone()), 0o555, TABLE));
    let at = env.resolve("/proc").unwrap();
    env.vfs.mount(root, &at, "proc", "proc", MountFlags::empty()).unwrap();
    (env, state)
}

fn read_state(st: &Arc<dyn OpenState>, off: u64, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    let got = st.read_at(off, &mut buf).unwrap();
    buf.truncate(got);
    buf
}

#[test]
fn table_directory_lists_and_stats() {
    let (env, _) = setup();
    let root = env.resolve("/proc").unwrap();
    assert_eq!(list(&root.inode), ["items", "counter", "knob", "self", "magic", "watched", "outside"]);
    assert_eq!(env.stat("/proc").unwrap().ino, 1);
    assert_eq!(env.stat("/proc").unwrap().mode, 0o040555);
    assert_eq!(env.lstat("/proc/self").unwrap().mode, 0o120777);
    assert_eq!(env.stat("/proc/knob").unwrap().mode, 0o100644);
    assert_eq!(env.stat("/proc/nothing").unwrap_err(), Errno::ENOENT);
    assert_eq!(fs::attr::statfs(&root).unwrap().fs_type, MAGIC);
    // The same name keeps its inode number, and getdents reports it.
    let a = env.stat("/proc/counter").unwrap().ino;
    assert_eq!(env.stat("/proc/counter").unwrap().ino, a);
    let e = (0..).map_while(|o| root.inode.readdir(o).unwrap()).find(|e| e.name == b"counter").unwrap();
    assert_eq!(e.ino, a);
    // Generated entries refuse chmod.
    let loc = env.resolve("/proc/knob").unwrap();
    let attr = SetAttr { mode: Some(0o600), ..SetAttr::default() };
    assert_eq!(loc.inode.setattr(&attr), Err(Errno::EPERM));
}

#[test]
fn dynamic_directory_offsets_survive_removals() {
    let (env, state) = setup();
    *state.items.lock().unwrap() = vec![1, 2, 3];
    let dir = env.resolve("/proc/items").unwrap();
    assert_eq!(list(&dir.inode), ["1", "2", "3"]);
    // Read up to "2", remove "1" and "2", go on: "3" only, once.
    let mut off = 0;
    let mut seen = Vec::new();
    while let Some(e) = dir.inode.readdir(off).unwrap() {
        off = e.next;
        seen.push(e.name.clone());
        if e.name == b"2" {
            state.items.lock().unwrap().retain(|&n| n == 3);
        }
    }
    assert_eq!(seen, [&b"."[..], b"..", b"1", b"2", b"3"]);
    assert_eq!(env.stat("/proc/items/1").unwrap_err(), Errno::ENOENT);
}

#[test]
fn gone_entry_reads_esrch_through_an_open_file() {
    let (env, state) = setup();
    *state.items.lock().unwrap() = vec![7];
    let r = env.open("/proc/items/7", O_RDONLY).unwrap();
    let st = r.state.clone().unwrap();
    assert_eq!(read_state(&st, 0, 64), b"item 7\n");
    state.items.lock().unwrap().clear();
    let mut buf = [0u8; 8];
    assert_eq!(st.read_at(0, &mut buf), Err(Errno::ESRCH));
    assert_eq!(env.open("/proc/items/7", O_RDONLY).unwrap_err(), Errno::ENOENT);
}

#[test]
fn snapshot_is_taken_at_offset_zero() {
    let (env, state) = setup();
    let st = env.open("/proc/counter", O_RDONLY).unwrap().state.unwrap();
    let first = read_state(&st, 0, 5);
    assert_eq!(first, b"read ");
    // Further reads continue the same text.
    assert_eq!(read_state(&st, 5, 1), b"0");
    assert_eq!(state.reads.load(Ordering::SeqCst), 1);
    // A second open file has its own snapshot.
    let other = env.open("/proc/counter", O_RDONLY).unwrap().state.unwrap();
    assert_eq!(read_state(&other, 0, 6), b"read 1");
    assert_eq!(read_state(&st, 5, 1), b"0");
    // Reading from the start again produces afresh.
    assert_eq!(read_state(&st, 0, 6), b"read 2");
    assert!(read_state(&st, 1000, 4).is_empty());
}

#[test]
fn writes_go_to_the_node_with_the_openers_credentials() {
    let (env, _) = setup();
    let st = env.open("/proc/knob", O_RDWR).unwrap().state.unwrap();
    assert_eq!(st.write_at(0, b"abc\n").unwrap(), 4);
    assert_eq!(read_state(&st, 0, 64), b"abc\n");
    // An unprivileged user cannot open it for writing (mode 0644, root).
    let u = user();
    let ctx = env.ctx_as(&u);
    let e = open(&env.vfs, &ctx, &env.root, b"/proc/knob", O_WRONLY, 0).unwrap_err();
    assert_eq!(e, Errno::EACCES);
}

#[test]
fn links_answer_per_caller() {
    let (env, _) = setup();
    let creds = Creds::root();
    let ctx = Ctx { root: &env.root, creds: &creds, umask: 0, caller: Caller { pid: 42, tid: 43 } };
    let t = fs::ops::readlinkat(&env.vfs, &ctx, &env.root, b"/proc/self").unwrap();
    assert_eq!(t, b"42");
    let ctx2 = Ctx { caller: Caller { pid: 7, tid: 7 }, ..ctx };
    assert_eq!(fs::ops::readlinkat(&env.vfs, &ctx2, &env.root, b"/proc/self").unwrap(), b"7");
}

#[test]
fn magic_link_jumps_to_its_location() {
    let (env, state) = setup();
    env.mkdir("/d", 0o755);
    env.write("/d/f", b"data");
    let parent = env.resolve("/d").unwrap();
    let f = env.resolve("/d/f").unwrap();
    *state.target.lock().unwrap() = Some(Jump { loc: f.clone(), parent: parent.clone(), name: b"f".to_vec() });
    // The walk does not re-read a path: unlinking the name changes nothing.
    env.unlink("/d/f").unwrap();
    let got = env.resolve("/proc/magic").unwrap();
    assert!(got.same(&f));
    // readlink shows the text.
    assert_eq!(fs::ops::readlinkat(&env.vfs, &env.ctx(), &env.root, b"/proc/magic").unwrap(), b"/somewhere (deleted)");
    // open opens the inode afresh, with the name it was opened by.
    let r = env.open("/proc/magic", O_RDONLY).unwrap();
    assert!(r.loc.same(&f));
    assert_eq!(r.name, b"f");
    assert_eq!(read_all(&r.loc.inode), b"data");
    // O_NOFOLLOW stops at the link.
    assert_eq!(env.open("/proc/magic", O_RDONLY | O_NOFOLLOW).unwrap_err(), Errno::ELOOP);
    // A directory target works in the middle of a path.
    env.mkdir("/e", 0o755);
    env.write("/e/g", b"g");
    let e = env.resolve("/e").unwrap();
    *state.target.lock().unwrap() = Some(Jump { loc: e.clone(), parent: e.clone(), name: Vec::new() });
    assert!(env.resolve("/proc/magic/g").unwrap().same(&env.resolve("/e/g").unwrap()));
    // and as a mount target.
    let m = env.new_tmpfs();
    let at = env.resolve("/proc/magic").unwrap();
    env.vfs.mount(m, &at, "tmpfs", "x", MountFlags::empty()).unwrap();
    assert_eq!(env.stat("/e/g").unwrap_err(), Errno::ENOENT);
}

#[test]
fn events_raise_poll_once_per_change() {
    let (env, state) = setup();
    let st = env.open("/proc/watched", O_RDONLY).unwrap().state.unwrap();
    assert_eq!(st.poll(), 0);
    state.events.0.fetch_add(1, Ordering::SeqCst);
    assert_eq!(st.poll(), 0x002 | 0x008);
    assert_eq!(st.poll(), 0);
    assert!(st.events().is_some());
}

#[test]
fn getcwd_inside_the_tree() {
    let (env, state) = setup();
    *state.items.lock().unwrap() = vec![5];
    let d = env.resolve("/proc/items").unwrap();
    assert_eq!(env.path_of(&d), "/proc/items");
    assert!(env.resolve("/proc/items/..").unwrap().same(&env.resolve("/proc").unwrap()));
}

#[test]
fn mount_changes_are_counted() {
    let (env, _) = setup();
    let before = env.vfs.generation();
    env.mkdir("/m", 0o755);
    env.mount_tmpfs("/m");
    assert!(env.vfs.generation() > before);
}

#[test]
fn link_to_an_inode_outside_the_tree() {
    let (env, _) = setup();
    let got = env.resolve("/proc/outside").unwrap();
    // On the link's own mount, the inode the link named.
    assert!(Arc::ptr_eq(&got.mount, &env.resolve("/proc").unwrap().mount));
    assert_eq!(got.inode.metadata().mode, 0o040500);
    let r = env.open("/proc/outside", O_RDONLY).unwrap();
    assert_eq!(r.loc.inode.statfs().unwrap().fs_type, 0x1234);
    assert_eq!(fs::ops::readlinkat(&env.vfs, &env.ctx(), &env.root, b"/proc/outside").unwrap(), b"thing:[7]");
}
