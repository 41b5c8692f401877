//! Real Icarus and Verilator runs on tiny designs written on the fly.

use super::*;

struct Fx {
    dir: tempfile::TempDir,
}

impl Fx {
    fn new() -> Fx {
        Fx {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
    fn design(&self, files: &[PathBuf], top: &str) -> Design {
        Design {
            sources: files.to_vec(),
            top: Some(top.to_string()),
            ..Design::default()
        }
    }
}

fn opts(timeout_s: u64) -> SimOptions {
    SimOptions {
        timeout: Duration::from_secs(timeout_s),
        ..SimOptions::default()
    }
}

const PASSING: &str = "`timescale 1ns/1ps
module tb;
  reg [3:0] x;
  initial begin
    x = 4'd5;
    #10;
    if (x !== 4'd5) $error(\"x wrong\");
    $display(\"TEST PASSED\");
    $finish;
  end
endmodule
";

#[tokio::test]
async fn icarus_pass() {
    let fx = Fx::new();
    let d = fx.design(&[fx.file("tb.v", PASSING)], "tb");
    let r = simulate(SimKind::Icarus, &d, &opts(20)).await.unwrap();
    assert_eq!(r.status, Status::Pass, "{r:#?}");
}

#[tokio::test]
async fn icarus_error_task_fails_even_with_exit_zero() {
    let fx = Fx::new();
    let src =
        "module tb; initial begin $error(\"value mismatch at %0d\", 3); $finish; end endmodule\n";
    let d = fx.design(&[fx.file("tb.v", src)], "tb");
    let r = simulate(SimKind::Icarus, &d, &opts(20)).await.unwrap();
    assert_eq!(r.status, Status::Fail);
    assert!(r.reason.contains("value mismatch at 3"), "{}", r.reason);
    assert_eq!(r.run.as_ref().unwrap().exit, "exit status 0");
}

#[tokio::test]
async fn icarus_no_finish_is_detected() {
    let fx = Fx::new();
    let src = "`timescale 1ns/1ps\nmodule tb; reg c = 0; initial repeat (4) #5 c = ~c; endmodule\n";
    let d = fx.design(&[fx.file("tb.v", src)], "tb");
    let r = simulate(SimKind::Icarus, &d, &opts(20)).await.unwrap();
    assert_eq!(r.status, Status::Fail);
    assert!(r.reason.contains("without $finish"), "{}", r.reason);
    // and with the requirement off, the same design passes
    let o = SimOptions {
        require_finish: false,
        ..opts(20)
    };
    let r = simulate(SimKind::Icarus, &d, &o).await.unwrap();
    assert_eq!(r.status, Status::Pass);
}

#[tokio::test]
async fn icarus_no_timescale_long_sim_does_not_trip_monitor() {
    // Icarus' default unit is 1 s; a long run without `timescale must still end by $finish.
    let fx = Fx::new();
    let src =
        "module tb; reg c = 0; always #5 c = ~c; initial begin #100000 $finish; end endmodule\n";
    let d = fx.design(&[fx.file("tb.v", src)], "tb");
    let r = simulate(SimKind::Icarus, &d, &opts(20)).await.unwrap();
    assert_eq!(r.status, Status::Pass, "{r:#?}");
}

#[tokio::test]
async fn icarus_hang_is_a_timeout() {
    let fx = Fx::new();
    let src = "module tb; reg c = 0; always #1 c = ~c; endmodule\n";
    let d = fx.design(&[fx.file("tb.v", src)], "tb");
    let r = simulate(SimKind::Icarus, &d, &opts(1)).await.unwrap();
    assert_eq!(r.status, Status::Timeout);
}

#[tokio::test]
async fn icarus_zero_delay_loop_is_a_timeout() {
    let fx = Fx::new();
    let src = "module tb; reg a = 0; initial begin while (1) a = ~a; end endmodule\n";
    let d = fx.design(&[fx.file("tb.v", src)], "tb");
    let r = simulate(SimKind::Icarus, &d, &opts(1)).await.unwrap();
    assert_eq!(r.status, Status::Timeout);
}

#[tokio::test]
async fn icarus_output_flood_is_stopped() {
    let fx = Fx::new();
    let src = "module tb; initial forever #1 $display(\"flooding the log with a long line of text\"); endmodule\n";
    let d = fx.design(&[fx.file("tb.v", src)], "tb");
    let o = SimOptions {
        output_limit: 2 << 20,
        ..opts(60)
    };
    let r = simulate(SimKind::Icarus, &d, &o).await.unwrap();
    assert_eq!(r.status, Status::Fail);
    assert!(r.reason.contains("output limit"), "{}", r.reason);
    let log = r.run.unwrap();
    assert!(log.elided_bytes > 0);
    assert!(log.output.len() < 300 * 1024);
}

#[tokio::test]
async fn icarus_syntax_error_names_file_and_line() {
    let fx = Fx::new();
    let f = fx.file(
        "dir with space/bad design.v",
        "module tb;\n  wire x\n  assign x = 1;\nendmodule\n",
    );
    let d = fx.design(&[f], "tb");
    let r = simulate(SimKind::Icarus, &d, &opts(20)).await.unwrap();
    assert_eq!(r.status, Status::CompileError);
    let syn = r
        .diagnostics
        .iter()
        .find(|d| d.category == "syntax")
        .unwrap();
    assert!(
        syn.file
            .as_deref()
            .unwrap()
            .ends_with("dir with space/bad design.v")
    );
    assert_eq!(syn.line, Some(3));
}

#[tokio::test]
async fn icarus_unknown_top() {
    let fx = Fx::new();
    let d = fx.design(&[fx.file("tb.v", PASSING)], "no_such_tb");
    let r = simulate(SimKind::Icarus, &d, &opts(20)).await.unwrap();
    assert_eq!(r.status, Status::CompileError);
    assert!(
        r.diagnostics.iter().any(|d| d.category == "unknown-top"),
        "{:#?}",
        r.diagnostics
    );
}

#[tokio::test]
async fn include_dirs_defines_parameters_and_spaces() {
    let fx = Fx::new();
    fx.file("inc dir/widths.vh", "`define W 8\n");
    let tb = fx.file(
        "src dir/my tb.v",
        "`timescale 1ns/1ps\n`include \"widths.vh\"\nmodule tb;\n  parameter N = 1;\n  reg [`W-1:0] v;\n  initial begin\n    v = N + `EXTRA;\n    if (v !== 8'd7) $error(\"v=%0d\", v);\n    #1 $finish;\n  end\nendmodule\n",
    );
    let mut d = fx.design(&[tb], "tb");
    d.include_dirs = vec![fx.dir.path().join("inc dir")];
    d.defines = vec![("EXTRA".into(), Some("3".into()))];
    d.parameters = vec![("N".into(), "4".into())];
    for k in SimKind::ALL {
        let r = simulate(k, &d, &opts(60)).await.unwrap();
        assert_eq!(r.status, Status::Pass, "{k}: {r:#?}");
    }
}

#[tokio::test]
async fn data_dir_is_visible_by_relative_path() {
    let fx = Fx::new();
    fx.file("data/mem.hex", "0a\n0b\n");
    let tb = fx.file(
        "tb.v",
        "module tb; reg [7:0] m [0:1]; initial begin $readmemh(\"mem.hex\", m); if (m[1] !== 8'h0b) $error(\"bad %h\", m[1]); $finish; end endmodule\n",
    );
    let d = fx.design(&[tb], "tb");
    let o = SimOptions {
        data_dir: Some(fx.dir.path().join("data")),
        ..opts(20)
    };
    let r = simulate(SimKind::Icarus, &d, &o).await.unwrap();
    assert_eq!(r.status, Status::Pass, "{r:#?}");
}

#[tokio::test]
async fn design_cannot_write_outside_its_job_dir() {
    if !crate::process::sandbox_supported() {
        return;
    }
    let fx = Fx::new();
    let victim = tempfile::tempdir().unwrap();
    let target = victim.path().join("pwned.txt");
    let tb = fx.file(
        "tb.v",
        &format!(
            "module tb; integer f; initial begin f = $fopen(\"{}\", \"w\"); $display(\"outside=%0d\", f); if (f != 0) begin $fdisplay(f, \"x\"); $fclose(f); end f = $fopen(\"local.txt\", \"w\"); $fdisplay(f, \"ok\"); $fclose(f); $finish; end endmodule\n",
            target.display()
        ),
    );
    let d = fx.design(&[tb], "tb");
    let o = SimOptions {
        keep_job_dir: true,
        ..opts(20)
    };
    let r = simulate(SimKind::Icarus, &d, &o).await.unwrap();
    // it compiled, ran to $finish, was refused the outside file and wrote its own
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    let out = &r.run.as_ref().unwrap().output;
    assert!(out.contains("outside=0"), "{out}");
    let job = r.job_dir.clone().unwrap();
    assert_eq!(
        std::fs::read_to_string(job.join("local.txt")).unwrap(),
        "ok\n"
    );
    std::fs::remove_dir_all(job).unwrap();
    assert!(
        !target.exists(),
        "the design wrote outside its job directory"
    );
}

#[tokio::test]
async fn wave_is_written_where_asked() {
    let fx = Fx::new();
    let d = fx.design(&[fx.file("tb.v", PASSING)], "tb");
    let dest = fx.dir.path().join("out/waves.vcd");
    let o = SimOptions {
        wave: Some(dest.clone()),
        ..opts(20)
    };
    let r = simulate(SimKind::Icarus, &d, &o).await.unwrap();
    assert_eq!(r.status, Status::Pass);
    assert_eq!(r.wave.as_deref(), Some(dest.as_path()));
    let vcd = std::fs::read_to_string(&dest).unwrap();
    assert!(vcd.contains("$var") && vcd.contains(" x "), "{vcd}");
}

#[tokio::test]
async fn verilator_pass_fail_and_no_finish() {
    let fx = Fx::new();
    let good = fx.design(&[fx.file("good.v", PASSING)], "tb");
    let r = simulate(SimKind::Verilator, &good, &opts(60))
        .await
        .unwrap();
    assert_eq!(r.status, Status::Pass, "{r:#?}");

    let bad = fx.design(
        &[fx.file(
            "bad.v",
            "module tb; initial begin #1 $error(\"boom\"); $finish; end endmodule\n",
        )],
        "tb",
    );
    let r = simulate(SimKind::Verilator, &bad, &opts(60)).await.unwrap();
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(r.reason.contains("boom"));

    let nofin = fx.design(
        &[fx.file(
            "nofin.v",
            "module tb; initial begin #1 $display(\"hi\"); end endmodule\n",
        )],
        "tb",
    );
    let r = simulate(SimKind::Verilator, &nofin, &opts(60))
        .await
        .unwrap();
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(r.reason.contains("without $finish"));
}

#[tokio::test]
async fn lint_reports_structured_warnings() {
    let fx = Fx::new();
    let f = fx.file(
        "w.v",
        "module w(input [7:0] a, output [3:0] y);\n  assign y = a;\nendmodule\n",
    );
    let d = Design {
        sources: vec![f],
        ..Design::default()
    };
    let r = lint(SimKind::Verilator, &d, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.category == "WIDTH" && d.line == Some(2)),
        "{:#?}",
        r.diagnostics
    );
    let r = lint(SimKind::Icarus, &d, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(r.clean);
}

#[tokio::test]
async fn missing_input_is_an_error_not_a_verdict() {
    let d = Design {
        sources: vec![PathBuf::from("/no/such/file.v")],
        top: Some("tb".into()),
        ..Design::default()
    };
    let e = simulate(SimKind::Icarus, &d, &opts(5)).await.unwrap_err();
    assert!(matches!(e, SimError::MissingInput(_)));
}

#[test]
fn finest_precision_is_found() {
    let fx = Fx::new();
    let a = fx.file("a.v", "`timescale 1ns / 1ps\n");
    let b = fx.file("b.v", "`timescale 10 ns/100 fs\n");
    let c = fx.file("c.v", "module c; endmodule\n");
    assert_eq!(finest_precision(std::slice::from_ref(&a)), Some("ps"));
    assert_eq!(finest_precision(&[a, b]), Some("fs"));
    assert_eq!(finest_precision(&[c]), None);
}
