use super::*;

#[test]
fn token_level_port_summary_of_ansi_non_ansi_and_parameterised_headers() {
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
fn parsed_port_summary_agrees_with_the_token_level_one() {
    for src in [
        "module TopModule (\n  input clk,\n  input [7:0] d, e,\n  output reg [7:0] q\n);",
        "module m(a, y);\n  input [3:0] a;\n  output y;\n  assign y = ^a;\nendmodule\n",
        "module m #(parameter W = 4, N = 2) (input [W-1:0] a, output [W:0] s);",
    ] {
        assert_eq!(port_summary(src), summarize_ports(src), "{src}");
    }
    // what the token level cannot read, the parser can: a comment between type and name
    assert_eq!(
        port_summary("module m(input wire /* data */ [3:0] a, output logic y); endmodule"),
        "in: a[3:0]; out: y"
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
    // the parser sees the same modules and instances
    let mods = parse_modules(src, Path::new("x.v")).unwrap();
    let names: Vec<&str> = mods.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["verified_adder", "full_adder"]);
    let inst: Vec<(&str, &str)> = mods[0]
        .instances
        .iter()
        .map(|i| (i.module.as_str(), i.name.as_str()))
        .collect();
    assert_eq!(inst, [("full_adder", "fa0"), ("sub", "u1")]);
    assert_eq!(mods[0].instances[0].line, 3);
}

#[test]
fn parsed_ports_resolve_parameters_and_overrides() {
    let src = "module fifo #(parameter WIDTH = 8, parameter DEPTH = 16, localparam AW = $clog2(DEPTH))\n\
               (input clk, input rst_n, input signed [WIDTH-1:0] din, output [AW:0] count,\n\
                output logic [1:0][WIDTH-1:0] pair, output reg full);\nendmodule\n";
    let m = &parse_modules(src, Path::new("fifo.sv")).unwrap()[0];
    assert_eq!(m.name, "fifo");
    assert_eq!(m.line, 1);
    let p = m.resolve_params(&[]).unwrap();
    let widths: Vec<(String, Direction, u64)> = m
        .ports
        .iter()
        .map(|x| (x.name.clone(), x.direction, x.width(&p).unwrap()))
        .collect();
    assert_eq!(
        widths,
        [
            ("clk".into(), Direction::Input, 1),
            ("rst_n".into(), Direction::Input, 1),
            ("din".into(), Direction::Input, 8),
            ("count".into(), Direction::Output, 5),
            ("pair".into(), Direction::Output, 16),
            ("full".into(), Direction::Output, 1),
        ]
    );
    assert!(m.port("din").unwrap().signed);
    assert!(m.params.iter().any(|x| x.name == "AW" && x.local));
    let p = m
        .resolve_params(&[("WIDTH".into(), "12".into()), ("DEPTH".into(), "64".into())])
        .unwrap();
    assert_eq!(m.port("din").unwrap().width(&p), Ok(12));
    assert_eq!(m.port("count").unwrap().width(&p), Ok(7));
    assert!(m.resolve_params(&[("AW".into(), "3".into())]).is_err());
    assert!(m.resolve_params(&[("NOPE".into(), "3".into())]).is_err());
}

#[test]
fn non_ansi_ports_take_directions_from_the_body() {
    let src = "module m(a, b, y);\n  parameter N = 3;\n  input [N:0] a;\n  input b;\n  output reg [7:0] y;\n  always @* y = a + b;\nendmodule\n";
    let m = &parse_modules(src, Path::new("m.v")).unwrap()[0];
    let p = m.resolve_params(&[]).unwrap();
    let got: Vec<(&str, Direction, u64)> = m
        .ports
        .iter()
        .map(|x| (x.name.as_str(), x.direction, x.width(&p).unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("a", Direction::Input, 4),
            ("b", Direction::Input, 1),
            ("y", Direction::Output, 8)
        ]
    );
}

#[test]
fn a_syntax_error_names_the_file_and_line() {
    let e = parse_modules(
        "module m(input a);\n  assign = ;\nendmodule\n",
        Path::new("bad.v"),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("bad.v:"), "{msg}");
    assert!(msg.contains("could not parse"), "{msg}");
}
