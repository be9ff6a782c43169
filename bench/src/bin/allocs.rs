//! Heap allocations per operation for every cell: a counting global allocator around the
//! system one. The first call of each cell is counted apart, since thread-locals and random
//! generators may set themselves up then; the steady state is what a service pays per call.
//!
//! `allocs` prints `cell<TAB>first call<TAB>per op over 1000 calls` for every cell.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; counting is one atomic add.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const CALLS: u64 = 1000;

fn main() {
    // Collected before counting: the list itself allocates.
    let cells = retry_bench::cells();
    println!("cell\tfirst_call\tper_op");
    for cell in cells {
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        black_box((cell.run)(black_box(7)));
        let first = ALLOCATIONS.load(Ordering::Relaxed) - before;
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        for _ in 0..CALLS {
            black_box((cell.run)(black_box(7)));
        }
        let steady = ALLOCATIONS.load(Ordering::Relaxed) - before;
        println!("{}\t{first}\t{}", cell.id(), steady as f64 / CALLS as f64);
    }
}
