//! `init-fails`: a misbehaving test guest. `init` always returns
//! `Err("init-fails: refusing on purpose")`, so the host never gets to call
//! `filter`; if it did, the change would be kept.

wit_bindgen::generate!({ path: "../../wit", world: "filter" });

struct InitFails;

impl Guest for InitFails {
    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Err("init-fails: refusing on purpose".to_string())
    }

    fn filter(_event: &Event) -> Decision {
        Decision::Keep
    }
}

export!(InitFails);
