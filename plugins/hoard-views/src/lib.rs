//! `hoard-views`: a misbehaving test guest. `init` succeeds; every `filter`
//! asks for the node's new version 16 times and keeps every view it gets, so
//! the host must bound what a guest may hold: each view keeps a cached node
//! alive outside the guest's memory cap. The host refuses the view that would
//! exceed its limit (a failed call, `on_error` applies) and the next call gets
//! a fresh instance.

use std::sync::Mutex;

wit_bindgen::generate!({ path: "../../wit", world: "filter" });

use nodecast::filter::types::NodeView;

const VIEWS_PER_CALL: usize = 16;

static HOARD: Mutex<Vec<NodeView>> = Mutex::new(Vec::new());

struct HoardViews;

impl Guest for HoardViews {
    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }

    fn filter(event: &Event) -> Decision {
        let mut hoard = HOARD.lock().unwrap_or_else(|e| e.into_inner());
        hoard.extend((0..VIEWS_PER_CALL).filter_map(|_| event.after()));
        Decision::Keep
    }
}

export!(HoardViews);
