use super::*;

#[test]
fn ports_of_ansi_non_ansi_and_parameterised_headers() {
    assert_eq!(
        summarize_ports(
            "module TopModule (\n  input clk,\n  input [7:0] d, e,\n  output reg [7:0] q\n);"
        ),
        "in: clk, d[7:0], e[7:0]; out: q[7:0]"
    );
    assert_eq!(
        summarize_ports(
            "module m(a, y);\n  input [3:0] a;\n  output y;\n  assign y = ^a;\nendmodule\n"
        ),
        "in: a[3:0]; out: y"
    );
    assert_eq!(
        summarize_ports("module m #(parameter W = 4, N = 2) (input [W-1:0] a, output [W:0] s);"),
        "in: a[W-1:0]; out: s[W:0]"
    );
}

#[test]
fn module_names_instances_and_renaming() {
    let src = "// module commented_out\nmodule verified_adder(input a);\n  full_adder fa0 (.a(a));\n  sub #(.W(4)) u1 (a);\nendmodule\nmodule full_adder(input a); endmodule\n";
    assert_eq!(declared_modules(src), ["verified_adder", "full_adder"]);
    assert_eq!(
        instantiations(src),
        [
            ("full_adder".to_string(), "fa0".to_string()),
            ("sub".to_string(), "u1".to_string())
        ]
    );
    let renamed = rename_module(src, "verified_adder", "adder");
    assert!(renamed.contains("module adder(input a)"));
    assert!(renamed.contains("module full_adder"));
}

#[test]
fn candidate_text_adds_the_header_only_when_missing() {
    let p = Problem {
        id: "Prob1".into(),
        description: String::new(),
        interface: Some("module TopModule (input a, output y);".into()),
        candidate_prefix: None,
        dut_module: "TopModule".into(),
        reference: String::new(),
        reference_module: "RefModule".into(),
        support: vec![],
        testbench: String::new(),
        testbench_first: false,
        tb_top: "tb".into(),
        data_dir: None,
        judging: Judging::Mismatches,
        origin: PathBuf::new(),
    };
    let body = "  assign y = a;\nendmodule\n";
    assert_eq!(
        crate::eval::candidate_text(&p, body),
        "module TopModule (input a, output y);\n  assign y = a;\nendmodule\n"
    );
    let full = "module TopModule (input a, output y); assign y = a; endmodule\n";
    assert_eq!(crate::eval::candidate_text(&p, full), full);
}
