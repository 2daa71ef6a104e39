"""Rewrites openapi/nodecast.json into a document openapi-python-client 0.29.1 can
generate every operation from, without changing what any message means.

One shape poem-openapi writes trips the generator (see README.md, "Generating"):

* allOf of a $ref to an enum plus a sibling holding only a description
  (poem-openapi's way of documenting a field of enum type). The generator
  refuses "allOf a non-object" and drops TaintRemoval, and with it BatchTaints,
  TaintEdit and both taint operations. The field becomes the bare $ref.

usage: python spec_fixups.py IN.json OUT.json
"""

import json
import sys

def unwrap_enum_refs(node, schemas: dict) -> None:
    if isinstance(node, dict):
        parts = node.get("allOf")
        if (
            isinstance(parts, list)
            and len(parts) == 2
            and set(parts[0]) == {"$ref"}
            and set(parts[1]) <= {"description"}
            and schemas[parts[0]["$ref"].rsplit("/", 1)[1]].get("type") != "object"
        ):
            del node["allOf"]
            node["$ref"] = parts[0]["$ref"]
        for value in node.values():
            unwrap_enum_refs(value, schemas)
    elif isinstance(node, list):
        for value in node:
            unwrap_enum_refs(value, schemas)


def main() -> None:
    source, target = sys.argv[1:]
    with open(source, encoding="utf-8") as f:
        document = json.load(f)
    schemas = document["components"]["schemas"]
    unwrap_enum_refs(document, schemas)
    with open(target, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
