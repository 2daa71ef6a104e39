//! Request bodies in the Kubernetes protobuf encoding, decoded to the JSON
//! objects the rest of the simulator handles. kubectl's typed clients send
//! their creates as protobuf (`kubectl create pdb`, `kubectl create namespace`,
//! `kubectl auth can-i` with and without `--list`, `kubectl auth whoami`); only the kinds they send are
//! known here, and only the fields those commands fill in.
//!
//! The encoding: the magic `k8s\0`, then a `runtime.Unknown` message whose
//! `typeMeta` names the kind and whose `raw` bytes are the object's message.

use serde_json::{Map, Value, json};

use super::status::Status;

pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";
const MAGIC: &[u8] = b"k8s\0";

#[derive(Clone, Copy)]
enum Shape {
    Text,
    Integer,
    /// `map<string, string>`: repeated entries of key 1, value 2.
    TextMap,
    IntOrString,
    Message(&'static [Field]),
}

struct Field {
    number: u64,
    name: &'static str,
    shape: Shape,
    repeated: bool,
}

const fn field(number: u64, name: &'static str, shape: Shape) -> Field {
    Field { number, name, shape, repeated: false }
}

const fn list(number: u64, name: &'static str, shape: Shape) -> Field {
    Field { number, name, shape, repeated: true }
}

const MAP_ENTRY: &[Field] = &[field(1, "key", Shape::Text), field(2, "value", Shape::Text)];
const TYPE_META: &[Field] = &[field(1, "apiVersion", Shape::Text), field(2, "kind", Shape::Text)];
const OBJECT_META: &[Field] = &[
    field(1, "name", Shape::Text),
    field(2, "generateName", Shape::Text),
    field(3, "namespace", Shape::Text),
    field(6, "resourceVersion", Shape::Text),
    field(7, "generation", Shape::Integer),
    field(11, "labels", Shape::TextMap),
    field(12, "annotations", Shape::TextMap),
    list(14, "finalizers", Shape::Text),
];
const LABEL_SELECTOR_REQUIREMENT: &[Field] =
    &[field(1, "key", Shape::Text), field(2, "operator", Shape::Text), list(3, "values", Shape::Text)];
const LABEL_SELECTOR: &[Field] =
    &[field(1, "matchLabels", Shape::TextMap), list(2, "matchExpressions", Shape::Message(LABEL_SELECTOR_REQUIREMENT))];
const POD_DISRUPTION_BUDGET: &[Field] = &[
    field(1, "metadata", Shape::Message(OBJECT_META)),
    field(
        2,
        "spec",
        Shape::Message(&[
            field(1, "minAvailable", Shape::IntOrString),
            field(2, "selector", Shape::Message(LABEL_SELECTOR)),
            field(3, "maxUnavailable", Shape::IntOrString),
            field(4, "unhealthyPodEvictionPolicy", Shape::Text),
        ]),
    ),
];
const SELF_SUBJECT_ACCESS_REVIEW: &[Field] = &[
    field(1, "metadata", Shape::Message(OBJECT_META)),
    field(
        2,
        "spec",
        Shape::Message(&[
            field(
                1,
                "resourceAttributes",
                Shape::Message(&[
                    field(1, "namespace", Shape::Text),
                    field(2, "verb", Shape::Text),
                    field(3, "group", Shape::Text),
                    field(4, "version", Shape::Text),
                    field(5, "resource", Shape::Text),
                    field(6, "subresource", Shape::Text),
                    field(7, "name", Shape::Text),
                ]),
            ),
            field(
                2,
                "nonResourceAttributes",
                Shape::Message(&[field(1, "path", Shape::Text), field(2, "verb", Shape::Text)]),
            ),
        ]),
    ),
];
const NAMESPACE: &[Field] = &[
    field(1, "metadata", Shape::Message(OBJECT_META)),
    field(2, "spec", Shape::Message(&[list(1, "finalizers", Shape::Text)])),
];
const SELF_SUBJECT_RULES_REVIEW: &[Field] = &[
    field(1, "metadata", Shape::Message(OBJECT_META)),
    field(2, "spec", Shape::Message(&[field(1, "namespace", Shape::Text)])),
];
const SELF_SUBJECT_REVIEW: &[Field] = &[field(1, "metadata", Shape::Message(OBJECT_META))];

/// Decodes a protobuf request body into the JSON object it encodes.
pub fn decode(body: &[u8]) -> Result<Value, Status> {
    let envelope = body.strip_prefix(MAGIC).ok_or_else(|| malformed("the body does not start with the k8s magic"))?;
    let (mut type_meta, mut raw) = (Value::Null, &[][..]);
    for item in Reader(envelope) {
        match item? {
            (1, Wire::Bytes(bytes)) => type_meta = message(bytes, TYPE_META)?,
            (2, Wire::Bytes(bytes)) => raw = bytes,
            _ => {}
        }
    }
    let kind = type_meta["kind"].as_str().unwrap_or_default();
    let fields = match kind {
        "PodDisruptionBudget" => POD_DISRUPTION_BUDGET,
        "SelfSubjectAccessReview" => SELF_SUBJECT_ACCESS_REVIEW,
        "Namespace" => NAMESPACE,
        "SelfSubjectRulesReview" => SELF_SUBJECT_RULES_REVIEW,
        "SelfSubjectReview" => SELF_SUBJECT_REVIEW,
        _ => return Err(Status::unsupported_media_type(&format!("{CONTENT_TYPE} ({kind})"))),
    };
    let mut object = message(raw, fields)?;
    object["apiVersion"] = type_meta["apiVersion"].clone();
    object["kind"] = json!(kind);
    Ok(object)
}

fn malformed(why: &str) -> Status {
    Status::bad_request(format!("error decoding protobuf request body: {why}"))
}

fn message(bytes: &[u8], fields: &[Field]) -> Result<Value, Status> {
    let mut object = Map::new();
    for item in Reader(bytes) {
        let (number, wire) = item?;
        let Some(known) = fields.iter().find(|known| known.number == number) else { continue };
        let value = match (known.shape, wire) {
            // Go writes every string, empty or not; JSON leaves the empty ones out.
            (Shape::Text, Wire::Bytes([])) if !known.repeated => continue,
            (Shape::Text, Wire::Bytes(bytes)) => json!(String::from_utf8_lossy(bytes)),
            (Shape::Integer, Wire::Varint(number)) => json!(number as i64),
            (Shape::IntOrString, Wire::Bytes(bytes)) => int_or_string(bytes)?,
            (Shape::Message(inner), Wire::Bytes(bytes)) => message(bytes, inner)?,
            (Shape::TextMap, Wire::Bytes(bytes)) => {
                let entry = message(bytes, MAP_ENTRY)?;
                let map = object.entry(known.name).or_insert_with(|| json!({}));
                map[entry["key"].as_str().unwrap_or_default()] = entry.get("value").cloned().unwrap_or(json!(""));
                continue;
            }
            _ => return Err(malformed(&format!("field {} has the wrong wire type", known.name))),
        };
        if known.repeated {
            object.entry(known.name).or_insert_with(|| json!([])).as_array_mut().expect("lists are arrays").push(value);
        } else {
            object.insert(known.name.to_owned(), value);
        }
    }
    Ok(Value::Object(object))
}

/// `IntOrString`: type 0 is the integer (field 2), type 1 the string (field 3).
fn int_or_string(bytes: &[u8]) -> Result<Value, Status> {
    let (mut is_string, mut integer, mut text) = (false, 0i64, String::new());
    for item in Reader(bytes) {
        match item? {
            (1, Wire::Varint(kind)) => is_string = kind == 1,
            (2, Wire::Varint(value)) => integer = value as i32 as i64,
            (3, Wire::Bytes(value)) => text = String::from_utf8_lossy(value).into_owned(),
            _ => {}
        }
    }
    Ok(if is_string { json!(text) } else { json!(integer) })
}

enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// The (field number, value) pairs of one protobuf message.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, Status> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.0.split_first().ok_or_else(|| malformed("truncated varint"))?;
            self.0 = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed("varint too long"))
    }

    fn take(&mut self, length: usize) -> Result<&'a [u8], Status> {
        if self.0.len() < length {
            return Err(malformed("truncated field"));
        }
        let (taken, rest) = self.0.split_at(length);
        self.0 = rest;
        Ok(taken)
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Result<(u64, Wire<'a>), Status>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.0.is_empty() {
            return None;
        }
        let item = (|| {
            let key = self.varint()?;
            let wire = match key & 7 {
                0 => Wire::Varint(self.varint()?),
                1 => {
                    self.take(8)?;
                    Wire::Fixed
                }
                2 => {
                    let length = self.varint()? as usize;
                    Wire::Bytes(self.take(length)?)
                }
                5 => {
                    self.take(4)?;
                    Wire::Fixed
                }
                other => return Err(malformed(&format!("unsupported wire type {other}"))),
            };
            Ok((key >> 3, wire))
        })();
        if item.is_err() {
            self.0 = &[];
        }
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_field(number: u64, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![(number << 3 | 2) as u8, payload.len() as u8];
        out.extend_from_slice(payload);
        out
    }

    fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let type_meta = [bytes_field(1, api_version.as_bytes()), bytes_field(2, kind.as_bytes())].concat();
        [MAGIC.to_vec(), bytes_field(1, &type_meta), bytes_field(2, raw)].concat()
    }

    #[test]
    fn a_budget_as_kubectl_create_pdb_sends_it_decodes_to_its_json() {
        let metadata = [bytes_field(1, b"web"), bytes_field(3, b"demo")].concat();
        let min_available = [vec![0x08, 0x00, 0x10, 0x02]].concat();
        let label = [bytes_field(1, b"app"), bytes_field(2, b"web")].concat();
        let selector = bytes_field(1, &label);
        let spec = [bytes_field(1, &min_available), bytes_field(2, &selector)].concat();
        let raw = [bytes_field(1, &metadata), bytes_field(2, &spec)].concat();
        let object = decode(&envelope("policy/v1", "PodDisruptionBudget", &raw)).unwrap();
        assert_eq!(
            object,
            json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                   "metadata": {"name": "web", "namespace": "demo"},
                   "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}})
        );
    }

    #[test]
    fn a_percentage_is_a_string() {
        let percent = [vec![0x08, 0x01], bytes_field(3, b"50%")].concat();
        assert_eq!(int_or_string(&percent).unwrap(), json!("50%"));
    }

    #[test]
    fn unknown_kinds_are_unsupported_and_garbage_is_a_bad_request() {
        assert_eq!(decode(&envelope("v1", "Secret", b"")).unwrap_err().code, 415);
        assert_eq!(decode(b"{\"kind\":\"Pod\"}").unwrap_err().code, 400);
        assert_eq!(decode(&[MAGIC, &[0x0a, 0x7f]].concat()).unwrap_err().code, 400);
    }
}
