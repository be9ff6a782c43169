// `unsafe fn`, sync and async, free and as a method.
#![deny(warnings)]

use retry_runtime::retry;

#[retry(max_attempts = 2, base = "1ms")]
unsafe fn read(ptr: *const u32) -> Result<u32, String> {
    if ptr.is_null() {
        return Err("null".into());
    }
    // SAFETY: the caller promises `ptr` is valid.
    Ok(unsafe { *ptr })
}

struct Raw(*mut u32);

impl Raw {
    #[retry(max_attempts = 2, base = "1ms")]
    unsafe fn bump(&mut self) -> Option<u32> {
        // SAFETY: the caller promises the pointer is valid and unaliased.
        unsafe {
            *self.0 += 1;
            Some(*self.0)
        }
    }
}

#[retry(max_attempts = 2, base = "1ms")]
async unsafe fn read_async(ptr: *const u32) -> Result<u32, String> {
    // SAFETY: the caller promises `ptr` is valid.
    Ok(unsafe { *ptr })
}

#[retry(max_attempts = 2, base = "1ms")]
pub unsafe extern "C" fn read_c(ptr: *const u32) -> Option<std::num::NonZeroU32> {
    // SAFETY: the caller promises `ptr` is valid.
    std::num::NonZeroU32::new(unsafe { *ptr })
}

fn main() {
    let mut value = 41;
    // SAFETY: `value` outlives every call.
    unsafe {
        assert_eq!(read(&value), Ok(41));
        assert_eq!(read_c(&value).map(|n| n.get()), Some(41));
        let mut raw = Raw(&mut value);
        assert_eq!(raw.bump(), Some(42));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    // SAFETY: `value` outlives the call.
    assert_eq!(runtime.block_on(unsafe { read_async(&value) }), Ok(42));
}
