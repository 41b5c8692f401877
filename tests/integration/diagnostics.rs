//! Snapshot tests: real Icarus and Verilator output captured under `tests/fixtures/diagnostics`
//! (re-capture with scripts/capture-fixtures.sh), and what rtlsmith makes of it.

use rtlsmith::sim::diagnostics::{parse_icarus, parse_verilator};

#[test]
fn icarus_logs() {
    insta::glob!("../fixtures/diagnostics/icarus", "*.log", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        insta::assert_yaml_snapshot!(parse_icarus(&text));
    });
}

#[test]
fn verilator_logs() {
    insta::glob!("../fixtures/diagnostics/verilator", "*.log", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        insta::assert_yaml_snapshot!(parse_verilator(&text));
    });
}
