//! The kernel heap: the global allocator.
//!
//! A buddy allocator (`buddy_system_allocator::Heap`, O(log n)) over memory
//! reached through the direct map. It starts with [`INITIAL`] bytes and grows
//! on demand: when an allocation fails, a new physically contiguous run of
//! frames (at least [`GROW`] bytes, or enough for the request) is added and
//! the allocation retried. Only when the frame allocator is exhausted does
//! allocation fail. The lock is an [`IrqMutex`], so interrupt handlers may
//! allocate without deadlocking against the code they interrupted.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU64, Ordering};

use buddy_system_allocator::Heap;

use super::{frame, phys_to_virt, PAGE_SIZE};
use crate::sync::IrqMutex;

const INITIAL: u64 = 4 << 20;
const GROW: u64 = 4 << 20;

struct KernelHeap {
    heap: IrqMutex<Heap<32>>,
}

static HEAP_BYTES: AtomicU64 = AtomicU64::new(0);

#[global_allocator]
static ALLOCATOR: KernelHeap = KernelHeap { heap: IrqMutex::new(Heap::new()) };

fn grow(heap: &mut Heap<32>, need: u64) -> bool {
    // GROW bytes at once, or less when memory is short or fragmented:
    // halving down to what the request needs.
    let need = need.next_multiple_of(PAGE_SIZE);
    let mut bytes = need.max(GROW);
    let phys = loop {
        if let Some(p) = frame::alloc_contiguous((bytes / PAGE_SIZE) as usize, 1) {
            break p;
        }
        if bytes <= need {
            return false;
        }
        bytes = (bytes / 2).max(need);
    };
    let start = phys_to_virt(phys) as usize;
    // SAFETY: the frames were just allocated for the heap and are mapped
    // writable by the direct map; they are never returned.
    unsafe { heap.add_to_heap(start, start + bytes as usize) };
    HEAP_BYTES.fetch_add(bytes, Ordering::Relaxed);
    true
}

pub(crate) fn init() {
    let mut h = ALLOCATOR.heap.lock();
    if !grow(&mut h, INITIAL) {
        drop(h);
        crate::serial::write_bytes(b"aramid: no memory for the kernel heap\n");
        crate::power::halt_forever();
    }
}

/// Bytes of memory the heap currently manages.
pub fn heap_bytes() -> u64 {
    HEAP_BYTES.load(Ordering::Relaxed)
}

/// Bytes currently allocated from the heap.
pub fn allocated_bytes() -> u64 {
    ALLOCATOR.heap.lock().stats_alloc_actual() as u64
}

// SAFETY: allocation and deallocation are serialised by the heap lock, and
// `Heap` returns blocks that satisfy the layout.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut h = self.heap.lock();
        if let Ok(p) = h.alloc(layout) {
            return p.as_ptr();
        }
        // A buddy block of this size needs size.next_power_of_two() bytes,
        // aligned to itself; ask for twice that to be sure one fits.
        let need = (layout.size().max(layout.align()).next_power_of_two() as u64) * 2;
        if grow(&mut h, need) {
            if let Ok(p) = h.alloc(layout) {
                return p.as_ptr();
            }
        }
        core::ptr::null_mut()
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(p) = NonNull::new(ptr) {
            self.heap.lock().dealloc(p, layout);
        }
    }
}
