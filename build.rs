//! Turns `openapi.yaml` (the description people edit) into the JSON the function serves at
//! `GET /openapi.json`, at build time, so the binary carries no YAML parser.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=openapi.yaml");
    let yaml = std::fs::read_to_string("openapi.yaml").expect("openapi.yaml is readable");
    let spec: serde_json::Value =
        serde_norway::from_str(&yaml).expect("openapi.yaml is valid YAML");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let json = serde_json::to_string(&spec).expect("a JSON value serializes");
    std::fs::write(out.join("openapi.json"), json).expect("OUT_DIR is writable");
}
