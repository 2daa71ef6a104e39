//! The README's client examples are the files the clients' tests run
//! (`openapi/clients/<lang>/examples/readme.*`), shown as they are.

const MARKER: &str = "<!-- example: ";

#[test]
fn readme_examples_are_the_tested_files() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    let mut shown = 0;
    for (offset, _) in readme.match_indices(MARKER) {
        let rest = &readme[offset + MARKER.len()..];
        let (path, rest) = rest.split_once(" -->\n").expect("the marker ends with ` -->`");
        let fence_end = rest.find('\n').expect("a code fence follows the marker");
        assert!(rest.starts_with("```"), "{path}: a code fence must follow its marker");
        let body = &rest[fence_end + 1..];
        let body = &body[..body.find("```\n").expect("the code fence closes")];
        let file = std::fs::read_to_string(format!("{root}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(body, file, "README.md shows {path} other than it is: paste the file again");
        shown += 1;
    }
    assert_eq!(shown, 3, "one example per client");
}
