//! `trap`: a misbehaving test guest. `init` succeeds; `filter` panics. Plugins
//! are built with `panic = "abort"`, so the panic is a wasm trap
//! (`unreachable`) for the host, which applies `on_error`.

wit_bindgen::generate!({ path: "../../wit", world: "filter" });

struct Trap;

impl Guest for Trap {
    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }

    fn filter(event: &Event) -> Decision {
        panic!("trap: panicking on purpose (node {})", event.node());
    }
}

export!(Trap);
