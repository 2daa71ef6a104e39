//! `loop-forever`: a misbehaving test guest. `init` succeeds; `filter` never
//! returns (a busy loop the optimizer cannot remove). The host must cut it off
//! with its per-call deadline (epoch interruption) and apply `on_error`.

wit_bindgen::generate!({ path: "../../wit", world: "filter" });

struct LoopForever;

impl Guest for LoopForever {
    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }

    fn filter(_event: &Event) -> Decision {
        let mut n: u64 = 0;
        loop {
            // black_box makes every iteration observable to the optimizer.
            n = core::hint::black_box(n.wrapping_add(1));
        }
    }
}

export!(LoopForever);
