//! A node's full JSON, kept as zstd-compressed bytes.
//!
//! A cluster's nodes are alike: the same label keys, conditions, versions and,
//! above all, mostly the same container images, which are two thirds of a
//! kubelet node's 10–12 KB. So each node is compressed against a dictionary
//! that is simply the JSON of the first node the cluster's cache saw (a zstd
//! "raw content" dictionary): what repeats costs a back-reference, and a node
//! takes a few hundred bytes instead of the 40 KB its decoded `Node` does.
//! Full views decompress those bytes; nothing is serialized again per request.

use std::sync::Arc;

use k8s_openapi::api::core::v1::Node;
use zstd::zstd_safe::{self, CCtx, CDict, DCtx, DDict};

/// Fast enough to run on every delta, heartbeats included; higher levels
/// barely shrink nodes that the dictionary already covers.
const LEVEL: i32 = 1;

/// A cluster's dictionary, prepared once for both directions: loading a raw
/// dictionary for every frame would cost more than compressing the node.
pub struct Codec {
    dictionary_len: usize,
    compress: CDict<'static>,
    decompress: DDict<'static>,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec").field("dictionary_bytes", &self.dictionary_len).finish()
    }
}

/// Turns nodes into [`StoredJson`]; one per cluster, owned by its cache writer.
pub struct Encoder {
    codec: Arc<Codec>,
    context: CCtx<'static>,
    json: Vec<u8>,
    compressed: Vec<u8>,
}

impl Encoder {
    /// An encoder whose dictionary is `sample`'s JSON.
    pub fn from_sample(sample: &Node) -> Self {
        let dictionary = serde_json::to_vec(sample).expect("a Node serializes");
        let codec = Codec {
            dictionary_len: dictionary.len(),
            compress: CDict::create(&dictionary, LEVEL),
            decompress: DDict::create(&dictionary),
        };
        Self {
            codec: Arc::new(codec),
            context: CCtx::create(),
            json: Vec::with_capacity(16 * 1024),
            compressed: Vec::with_capacity(zstd_safe::compress_bound(16 * 1024)),
        }
    }

    pub fn encode(&mut self, node: &Node) -> StoredJson {
        self.json.clear();
        serde_json::to_writer(&mut self.json, node).expect("a Node serializes");
        self.compressed.clear();
        self.compressed.reserve(zstd_safe::compress_bound(self.json.len()));
        self.context
            .compress_using_cdict(&mut self.compressed, &self.json, &self.codec.compress)
            .expect("a buffer of the compress bound always fits the frame");
        StoredJson { codec: self.codec.clone(), bytes: self.compressed.as_slice().into(), len: self.json.len() }
    }
}

/// One node's JSON, compressed; cheap to clone and to keep (a frame of the hub
/// holds one so that its full-view message can be made later without holding
/// the node).
#[derive(Debug, Clone)]
pub struct StoredJson {
    codec: Arc<Codec>,
    bytes: Arc<[u8]>,
    len: usize,
}

impl StoredJson {
    /// Size of the JSON once decompressed.
    pub fn json_len(&self) -> usize {
        self.len
    }

    /// Bytes held.
    pub fn stored_len(&self) -> usize {
        self.bytes.len()
    }

    /// Appends the JSON to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        Expander::default().write(self, out);
    }
}

/// Decompresses many [`StoredJson`]s with one zstd context, as a list does.
#[derive(Default)]
pub struct Expander {
    context: Option<DCtx<'static>>,
}

impl Expander {
    pub fn write(&mut self, stored: &StoredJson, out: &mut Vec<u8>) {
        let context = self.context.get_or_insert_with(DCtx::create);
        let start = out.len();
        out.resize(start + stored.len, 0);
        let written = context
            .decompress_using_ddict(&mut out[start..], &stored.bytes, &stored.codec.decompress)
            .expect("bytes this process compressed decompress");
        out.truncate(start + written);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(index: u64) -> Node {
        let now = crate::sim::objects::timestamp_now();
        let mut value = crate::sim::objects::node(&format!("node-{index:04}"), index, false, &now);
        value["metadata"].as_object_mut().unwrap().remove("managedFields");
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn nodes_come_back_byte_for_byte_and_compress_against_the_first() {
        let mut encoder = Encoder::from_sample(&node(1));
        let mut expander = Expander::default();
        for index in 2..6 {
            let node = node(index);
            let stored = encoder.encode(&node);
            let mut out = b"prefix".to_vec();
            expander.write(&stored, &mut out);
            assert_eq!(&out[6..], serde_json::to_vec(&node).unwrap());
            assert!(stored.stored_len() * 8 < stored.json_len(), "{} of {}", stored.stored_len(), stored.json_len());
            let mut alone = Vec::new();
            stored.write_to(&mut alone);
            assert_eq!(alone, out[6..]);
        }
    }
}
