//! `alloc-bomb`: a misbehaving test guest. `init` succeeds; `filter` allocates
//! 1 MiB blocks (each written to, and all kept alive in a static) until
//! allocation fails: with a host memory cap (`StoreLimits`) that happens at the
//! cap, without one at the 4 GiB limit of wasm32. Either the failed
//! `memory.grow` traps (`trap_on_grow_failure(true)`), or it returns -1 and the
//! allocator aborts, which is an `unreachable` trap. It never returns normally.

use std::sync::Mutex;

wit_bindgen::generate!({ path: "../../wit", world: "filter" });

const BLOCK: usize = 1 << 20;

static HOARD: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

struct AllocBomb;

impl Guest for AllocBomb {
    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }

    fn filter(_event: &Event) -> Decision {
        let mut hoard = HOARD.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let mut block = vec![0u8; BLOCK];
            // Touch every page so the memory is really used.
            for i in (0..BLOCK).step_by(4096) {
                block[i] = 0xA5;
            }
            hoard.push(core::hint::black_box(block));
        }
    }
}

export!(AllocBomb);
