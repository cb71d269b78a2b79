//! tmpfs file data as shared pages: `map_page` hands out the file's own
//! page (what a MAP_SHARED mapping maps), reference counting between the
//! file and its mappers, and the `evicted` report when pages leave a file.

use std::sync::{Arc, Mutex};

use fs::inode::*;
use fs::pages::{Eviction, FileId, HeapPages, PageMemory, PAGE_SIZE};
use fs::*;

const PG: u64 = PAGE_SIZE as u64;

/// One eviction report: file, first, end, pages held, private copies too,
/// pages alive at the time.
type Report = (FileId, u64, u64, usize, bool, usize);

/// Heap pages that remember every eviction report.
#[derive(Default)]
struct Recording {
    heap: HeapPages,
    evicted: Mutex<Vec<Report>>,
    gone: Mutex<Vec<FileId>>,
}

impl PageMemory for Recording {
    fn alloc_zeroed(&self) -> Option<u64> {
        self.heap.alloc_zeroed()
    }
    fn acquire(&self, page: u64) {
        self.heap.acquire(page)
    }
    fn release(&self, page: u64) {
        self.heap.release(page)
    }
    fn read(&self, page: u64, offset: usize, buf: &mut [u8]) {
        self.heap.read(page, offset, buf)
    }
    fn write(&self, page: u64, offset: usize, data: &[u8]) {
        self.heap.write(page, offset, data)
    }
    fn evicted(&self, e: &Eviction<'_>) {
        let live = self.heap.live();
        self.evicted.lock().unwrap().push((e.file, e.first, e.end, e.pages.len(), e.private_copies, live));
    }
    fn file_gone(&self, file: FileId) {
        self.gone.lock().unwrap().push(file);
    }
}

fn setup() -> (Arc<Recording>, Arc<Tmpfs>, InodeRef) {
    let mem = Arc::new(Recording::default());
    let fs = Tmpfs::with_memory(Arc::new(FakeClock::new(1000)), mem.clone(), TmpfsOptions::default());
    let f = fs.root().create(b"f", S_IFREG | 0o644, Owner { uid: 0, gid: 0 }).unwrap();
    (mem, fs, f)
}

fn page_bytes(mem: &Recording, page: u64, off: usize, n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    mem.read(page, off, &mut b);
    b
}

#[test]
fn mapped_page_is_the_files_own_page() {
    let (mem, _fs, f) = setup();
    assert!(f.maps_pages());
    f.write_at(PG + 5, b"hello").unwrap();
    f.truncate(2 * PG).unwrap();
    let page = f.map_page(1).unwrap();
    assert_eq!(page_bytes(&mem, page, 5, 5), b"hello");
    // A store through the "mapping" is what read returns, and back.
    mem.write(page, 100, b"store");
    let mut buf = [0u8; 5];
    assert_eq!(f.read_at(PG + 100, &mut buf), Ok(5));
    assert_eq!(&buf, b"store");
    f.write_at(PG + 200, b"write").unwrap();
    assert_eq!(page_bytes(&mem, page, 200, 5), b"write");
    assert_eq!(f.map_page(1).unwrap(), page, "the same page every time");
    mem.release(page);
    mem.release(page);
}

#[test]
fn map_page_fills_holes_below_the_size_only() {
    let (mem, fs, f) = setup();
    f.truncate(2 * PG + 1).unwrap();
    assert_eq!(f.metadata().blocks, 0);
    let hole = f.map_page(0).unwrap();
    assert!(page_bytes(&mem, hole, 0, PAGE_SIZE).iter().all(|&b| b == 0));
    assert_eq!(f.metadata().blocks, 8, "a fault allocates the page, as shmem does");
    // The page holding EOF maps; the next one is past the end.
    let last = f.map_page(2).unwrap();
    assert_eq!(f.map_page(3), Err(Errno::ENXIO));
    mem.release(hole);
    mem.release(last);
    let dir = fs.root();
    assert!(!dir.maps_pages());
    assert_eq!(dir.map_page(0), Err(Errno::ENODEV));
}

#[test]
fn truncate_reports_dropped_pages_which_live_on_while_mapped() {
    let (mem, _fs, f) = setup();
    f.write_at(0, &vec![7u8; 4 * PAGE_SIZE]).unwrap();
    let id = FileId { dev: f.metadata().dev, ino: f.ino() };
    let kept = f.map_page(1).unwrap();
    let dropped = f.map_page(3).unwrap();
    assert_eq!(mem.heap.live(), 4);
    f.truncate(PG + 10).unwrap();
    assert_eq!(*mem.evicted.lock().unwrap(), vec![(id, 2, 4, 2, true, 4)], "reported before the file releases them");
    // Pages 2 and 3 left the file; 3 is still held by its mapper.
    assert_eq!(mem.heap.live(), 3);
    assert_eq!(page_bytes(&mem, dropped, 0, 1), [7]);
    mem.release(dropped);
    assert_eq!(mem.heap.live(), 2);
    // The tail of the new last page reads as zeros through the mapping too.
    assert_eq!(page_bytes(&mem, kept, 9, 2), [7, 0]);
    // Growing gives fresh zero pages, not the old ones.
    f.truncate(4 * PG).unwrap();
    let fresh = f.map_page(3).unwrap();
    assert!(page_bytes(&mem, fresh, 0, PAGE_SIZE).iter().all(|&b| b == 0));
    assert_eq!(mem.evicted.lock().unwrap().len(), 1, "growing evicts nothing");
    mem.release(fresh);
    mem.release(kept);
}

#[test]
fn punching_a_hole_reports_whole_pages() {
    let (mem, _fs, f) = setup();
    f.write_at(0, &vec![1u8; 5 * PAGE_SIZE]).unwrap();
    let id = FileId { dev: f.metadata().dev, ino: f.ino() };
    f.fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PG / 2, 3 * PG).unwrap();
    assert_eq!(*mem.evicted.lock().unwrap(), vec![(id, 1, 3, 2, false, 5)]);
    assert_eq!(mem.heap.live(), 3);
    let mut buf = [9u8; 1];
    f.read_at(PG / 2, &mut buf).unwrap();
    assert_eq!(buf, [0]);
}

#[test]
fn a_removed_file_releases_its_pages() {
    let (mem, fs, f) = setup();
    f.write_at(0, &vec![1u8; 3 * PAGE_SIZE]).unwrap();
    let held = f.map_page(0).unwrap();
    let id = FileId { dev: f.metadata().dev, ino: f.ino() };
    fs.root().unlink(b"f", &|_| Ok(())).unwrap();
    assert!(mem.gone.lock().unwrap().is_empty(), "still open");
    drop(f);
    assert_eq!(*mem.gone.lock().unwrap(), vec![id]);
    assert_eq!(mem.heap.live(), 1, "only the mapper's page is left");
    mem.release(held);
    assert_eq!(mem.heap.live(), 0);
}
