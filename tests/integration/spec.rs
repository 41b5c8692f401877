//! `rtlsmith ingest`: extraction measured against ground truth (precision and recall of ports,
//! parameters, registers, fields and section titles) on a PDF of our own typeset with groff,
//! the bundled Markdown specs checked against the RTL they describe, HTML and text readers,
//! chunking, and bad input.

use std::collections::BTreeSet;
use std::path::PathBuf;

use rtlsmith::spec::{Block, Direction, Width, chunks, ingest};

use crate::common::rtlsmith;

fn fx(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/spec")
        .join(rel)
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (precision, recall) of `got` against `want`.
fn pr<T: Ord + Clone>(got: &[T], want: &[T]) -> (f64, f64) {
    let g: BTreeSet<T> = got.iter().cloned().collect();
    let w: BTreeSet<T> = want.iter().cloned().collect();
    if g.is_empty() && w.is_empty() {
        return (1.0, 1.0);
    }
    let hit = g.intersection(&w).count() as f64;
    (hit / g.len().max(1) as f64, hit / w.len().max(1) as f64)
}

fn dir(d: Direction) -> &'static str {
    match d {
        Direction::In => "in",
        Direction::Out => "out",
        Direction::InOut => "inout",
    }
}

fn width(w: &Width) -> String {
    match w {
        Width::Bits(n) => n.to_string(),
        Width::Expr(e) => e.clone(),
    }
}

#[test]
fn pdf_extraction_against_ground_truth() {
    let s = ingest(&fx("scu.pdf")).unwrap();
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fx("scu.expected.json")).unwrap()).unwrap();
    let strs = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| {
                x.as_array().map_or_else(
                    || x.as_str().unwrap().to_string(),
                    |a| {
                        a.iter()
                            .map(|e| e.to_string().trim_matches('"').to_string())
                            .collect::<Vec<_>>()
                            .join("|")
                    },
                )
            })
            .collect()
    };
    let ports: Vec<String> = s
        .ports
        .iter()
        .map(|p| format!("{}|{}|{}", p.name, dir(p.direction), width(&p.width)))
        .collect();
    let params: Vec<String> = s
        .parameters
        .iter()
        .map(|p| format!("{}|{}", p.name, p.default.clone().unwrap_or_default()))
        .collect();
    let regs: Vec<String> = s
        .registers
        .iter()
        .map(|r| {
            format!(
                "{}|{}|{}|{}",
                r.name,
                r.offset.clone().unwrap_or_default(),
                r.access.clone().unwrap_or_default(),
                r.reset.clone().unwrap_or_default()
            )
        })
        .collect();
    let lcr = s.registers.iter().find(|r| r.name == "LCR").unwrap();
    let fields: Vec<String> = lcr
        .fields
        .iter()
        .map(|f| format!("{}|{}", f.name, f.bits))
        .collect();
    let titles: Vec<String> = s.all_sections().iter().map(|x| x.title.clone()).collect();
    let results = [
        ("ports", pr(&ports, &strs(&want["ports"]))),
        ("parameters", pr(&params, &strs(&want["parameters"]))),
        ("registers", pr(&regs, &strs(&want["registers"]))),
        ("fields", pr(&fields, &strs(&want["fields"]["LCR"]))),
        ("sections", pr(&titles, &strs(&want["sections"]))),
    ];
    for (what, (p, r)) in &results {
        println!("scu.pdf {what:<11} precision {p:.3} recall {r:.3}");
    }
    for (what, (p, r)) in results {
        assert_eq!(
            (p, r),
            (1.0, 1.0),
            "{what}: {ports:?} {params:?} {regs:?} {fields:?} {titles:?}"
        );
    }
    assert_eq!(s.title.as_deref(), want["title"].as_str());
    let ifaces: Vec<(String, usize)> = s.interfaces();
    assert_eq!(
        ifaces,
        [
            ("APB bus interface".to_string(), 11),
            ("External pads".to_string(), 16)
        ]
    );
    assert_eq!(s.source.pages, Some(4));
    // running headers, footers and page numbers are gone; the page-split paragraph is whole
    let text = serde_json::to_string(&s).unwrap();
    assert!(
        !text.contains("Confidential") && !text.contains("Datasheet rev"),
        "running header/footer left in"
    );
    assert!(text.contains("where its header is repeated."));
    // hyphenation repaired in the two-column section
    assert!(
        text.contains("divisor; for example") && text.contains("data-available interrupt"),
        "{text}"
    );
    // provenance: the LCR field table starts on page 2, the pads table on page 2 (after its caption)
    let p = s.ports.iter().find(|p| p.name == "PADDR").unwrap();
    assert_eq!(p.prov.page, Some(1));
    assert_eq!(lcr.fields[0].prov.page, Some(2));
    assert_eq!(
        s.ports
            .iter()
            .find(|p| p.name == "SCAN_OUT")
            .unwrap()
            .prov
            .page,
        Some(2)
    );
}

/// Every bundled spec documents exactly the ports and parameters of the RTL it describes.
#[test]
fn bundled_markdown_specs_match_their_rtl() {
    let decl = regex::Regex::new(
        r"(?m)^\s*(input|output|inout)\b[^,;)\n]*?([A-Za-z_][A-Za-z0-9_]*)\s*[,)\n]",
    )
    .unwrap();
    let param = regex::Regex::new(r"(?m)^\s*parameter\s+([A-Za-z_][A-Za-z0-9_]*)").unwrap();
    let pairs = [
        ("alu", vec!["alu"]),
        ("prio_enc", vec!["prio_enc"]),
        ("counter", vec!["counter"]),
        ("seq_detect", vec!["seq_detect"]),
        ("sync_fifo", vec!["sync_fifo"]),
        ("async_fifo", vec!["async_fifo"]),
        ("uart", vec!["uart_tx", "uart_rx"]),
        ("spi_master", vec!["spi_master"]),
        ("skid_buffer", vec!["skid_buffer"]),
        ("crc32", vec!["crc32"]),
        ("gcd", vec!["gcd"]),
        ("pipe_mult", vec!["pipe_mult"]),
        ("apb_regfile", vec!["apb_regfile"]),
    ];
    let mut total = (0usize, 0usize);
    for (spec, rtls) in pairs {
        let s = ingest(&root().join(format!("specs/{spec}.md"))).unwrap();
        let mut want_ports = Vec::new();
        let mut want_params = Vec::new();
        for r in rtls {
            let src = std::fs::read_to_string(root().join(format!("rtl/{r}.v"))).unwrap();
            want_ports.extend(decl.captures_iter(&src).map(|c| format!("{}|{}", r, &c[2])));
            want_params.extend(param.captures_iter(&src).map(|c| c[1].to_string()));
        }
        let got_ports: Vec<String> = s
            .ports
            .iter()
            .map(|p| {
                format!(
                    "{}|{}",
                    if spec == "uart" {
                        p.interface.clone()
                    } else {
                        want_ports[0].split('|').next().unwrap().to_string()
                    },
                    p.name
                )
            })
            .collect();
        let got_params: Vec<String> = s.parameters.iter().map(|p| p.name.clone()).collect();
        want_params.sort();
        want_params.dedup();
        assert_eq!(
            pr(&got_ports, &want_ports),
            (1.0, 1.0),
            "{spec}: {got_ports:?} vs {want_ports:?}"
        );
        assert_eq!(
            pr(&got_params, &want_params),
            (1.0, 1.0),
            "{spec}: {got_params:?} vs {want_params:?}"
        );
        total.0 += got_ports.len();
        total.1 += got_params.len();
    }
    println!(
        "bundled specs: {} ports and {} parameters, all matching the RTL",
        total.0, total.1
    );
    // the register map of the APB register file, with its W1C field table
    let s = ingest(&root().join("specs/apb_regfile.md")).unwrap();
    assert_eq!(s.registers.len(), 8);
    let status = s.registers.iter().find(|r| r.name == "STATUS").unwrap();
    assert_eq!(
        (status.offset.as_deref(), status.access.as_deref()),
        (Some("0x18"), Some("W1C"))
    );
    assert_eq!(
        status
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["—", "EVENTS"].map(|s| if s == "—" { "" } else { s })
    );
}

#[test]
fn html_and_text_readers() {
    let s = ingest(&fx("fifo.html")).unwrap();
    assert_eq!(s.title.as_deref(), Some("FIFO-8 Datasheet"));
    let ports: Vec<(String, &str, String)> = s
        .ports
        .iter()
        .map(|p| (p.name.clone(), dir(p.direction), width(&p.width)))
        .collect();
    assert_eq!(
        ports,
        [
            ("clk".into(), "in", "1".into()),
            ("din".into(), "in", "8".into()),
            ("dout".into(), "out", "8".into()),
            ("afull".into(), "out", "1".into())
        ]
    );
    assert_eq!(s.interfaces()[0].0, "Ports");
    let ctrl = s.registers.iter().find(|r| r.name == "CTRL").unwrap();
    assert_eq!(ctrl.fields.len(), 2);
    assert_eq!(ctrl.fields[1].access.as_deref(), Some("W1C"));
    let figures = s
        .all_sections()
        .iter()
        .flat_map(|x| x.blocks.iter())
        .filter(|b| matches!(b, Block::Figure { .. }))
        .count();
    assert_eq!(figures, 1);

    // plain text, with a byte that is not UTF-8 (read as Latin-1, never rejected)
    let s = ingest(&fx("timer.txt")).unwrap();
    assert_eq!(s.title.as_deref(), Some("TIMER-2 Reference Manual"));
    assert_eq!(
        s.ports.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["clk", "irq"]
    );
    assert_eq!(s.parameters[0].default.as_deref(), Some("32"));
    let text = serde_json::to_string(&s).unwrap();
    assert!(text.contains("résumé"), "{text}");
    assert!(
        s.all_sections()
            .iter()
            .flat_map(|x| x.blocks.iter())
            .any(|b| matches!(b, Block::Equation { label, .. } if label == "Equation 1"))
    );
}

#[test]
fn chunks_respect_the_budget_and_cite_their_source() {
    let s = ingest(&fx("scu.pdf")).unwrap();
    let cs = chunks(&s, 150);
    assert!(cs.len() >= 8);
    for c in &cs {
        // a chunk over budget holds a single block that could not be split
        assert!(
            c.tokens <= 150 || c.blocks == 1,
            "{} tokens in {} blocks: {}",
            c.tokens,
            c.blocks,
            c.markdown
        );
    }
    let lcr = cs
        .iter()
        .find(|c| c.citation.starts_with("§4.1 LCR Register"))
        .unwrap();
    assert!(lcr.citation.contains("p. 2"), "{}", lcr.citation);
    assert!(lcr.markdown.contains("| 5:3 | PAR |"), "{}", lcr.markdown);
    assert_eq!(lcr.path, "4 Register Map > 4.1 LCR Register");
    // the planner asks for a section by what it is about
    let hits = rtlsmith::spec::search(&cs, "the section about the line control register", 1);
    assert_eq!(hits[0].path, "4 Register Map > 4.1 LCR Register");
    let hits = rtlsmith::spec::search(&cs, "external pads", 1);
    assert!(
        hits[0].markdown.contains("Table 3: External pads"),
        "{}",
        hits[0].markdown
    );
}

#[test]
fn ingest_command_formats_and_bad_input() {
    let crate::common::Run {
        code,
        stdout: out,
        stderr: _,
    } = rtlsmith(&["ingest", fx("scu.pdf").to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out.contains("ports (27)")
            && out.contains("registers (8)")
            && out.contains("LCR@0x10 (6 fields)"),
        "{out}"
    );
    let crate::common::Run {
        code,
        stdout: out,
        stderr: _,
    } = rtlsmith(&[
        "ingest",
        fx("scu.pdf").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["format_version"], 1);
    let d = tempfile::tempdir().unwrap();
    let md = d.path().join("scu.md");
    let crate::common::Run {
        code,
        stdout: _,
        stderr: _,
    } = rtlsmith(&[
        "ingest",
        fx("scu.pdf").to_str().unwrap(),
        "--format",
        "md",
        "--out",
        md.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .contains("<!-- §3 Signal Description")
    );
    for (file, says) in [
        ("encrypted.pdf", "encrypted"),
        ("truncated.pdf", "not a readable PDF"),
        ("corrupt.pdf", "not a readable PDF"),
        ("empty.pdf", "empty"),
        ("image_only.pdf", "no text layer"),
        ("missing.pdf", "not found"),
    ] {
        let crate::common::Run {
            code,
            stdout: _,
            stderr: err,
        } = rtlsmith(&["ingest", fx(file).to_str().unwrap()]);
        assert_eq!(code, 2, "{file}: {err}");
        assert!(err.contains(says) && err.contains("hint:"), "{file}: {err}");
    }
    let crate::common::Run {
        code,
        stdout: _,
        stderr: err,
    } = rtlsmith(&["ingest", fx("image_only.pdf").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("OCR"), "{err}");
}

/// Three bundled specs typeset as PDFs (scripts/make-spec-pdfs.sh): the PDF yields every port,
/// parameter, register and field the Markdown does — the PDF path loses nothing.
#[test]
fn pdf_of_a_bundled_spec_reads_like_its_markdown() {
    for name in ["apb_regfile", "uart", "sync_fifo"] {
        let md = ingest(&root().join(format!("specs/{name}.md"))).unwrap();
        let pdf = ingest(&fx(&format!("{name}.pdf"))).unwrap();
        let ports = |s: &rtlsmith::spec::Spec| -> Vec<String> {
            s.ports
                .iter()
                .map(|p| format!("{}|{}|{}", p.name, dir(p.direction), width(&p.width)))
                .collect()
        };
        let params = |s: &rtlsmith::spec::Spec| -> Vec<String> {
            s.parameters
                .iter()
                .map(|p| format!("{}|{:?}|{:?}", p.name, p.ty, p.default))
                .collect()
        };
        let regs = |s: &rtlsmith::spec::Spec| -> Vec<String> {
            s.registers
                .iter()
                .map(|r| {
                    let f: Vec<String> = r
                        .fields
                        .iter()
                        .map(|f| format!("{}:{}", f.name, f.bits))
                        .collect();
                    format!(
                        "{}|{:?}|{:?}|{:?}|{}",
                        r.name,
                        r.offset,
                        r.access,
                        r.reset,
                        f.join(",")
                    )
                })
                .collect()
        };
        assert_eq!(ports(&pdf), ports(&md), "{name}: ports");
        assert_eq!(params(&pdf), params(&md), "{name}: parameters");
        assert_eq!(regs(&pdf), regs(&md), "{name}: registers");
        assert_eq!(pdf.interfaces(), md.interfaces(), "{name}: interfaces");
        println!(
            "{name}.pdf: {} ports, {} parameters, {} registers as in {name}.md",
            pdf.ports.len(),
            pdf.parameters.len(),
            pdf.registers.len()
        );
    }
}

/// Two table classes a datasheet lost (issue 11): a second port table whose columns sit at
/// other positions than the first's, its header's `Direction Description` one space apart
/// (and, in the text copy, values one space after the name); register names that wrap onto a
/// second line, two registers sharing an address, and a field table naming its register by
/// the abbreviation in parentheses.
#[test]
fn narrow_second_port_table_and_wrapped_register_names() {
    for file in ["uart16.pdf", "uart16_narrow.txt"] {
        let s = ingest(&fx(file)).unwrap();
        let groups = s.interfaces();
        assert_eq!(groups.len(), 2, "{file}: {groups:?}");
        for p in &s.ports {
            assert!(
                !p.name.contains(' ') && matches!(p.width, Width::Bits(_)),
                "{file}: {p:?}"
            );
        }
        let second: Vec<(&str, &str)> = s
            .ports
            .iter()
            .filter(|p| p.interface == groups[1].0)
            .map(|p| (p.name.as_str(), dir(p.direction)))
            .collect();
        let want: &[(&str, &str)] = if file.ends_with(".pdf") {
            &[
                ("irq", "out"),
                ("tx", "out"),
                ("rx", "in"),
                ("rts", "out"),
                ("cts", "in"),
            ]
        } else {
            &[
                ("int_o", "out"),
                ("stx_pad_o", "out"),
                ("srx_pad_i", "in"),
                ("rts_pad_o", "out"),
            ]
        };
        assert_eq!(second, want, "{file}");
        let regs: Vec<(&str, Option<&str>, Option<&str>)> = s
            .registers
            .iter()
            .map(|r| (r.name.as_str(), r.offset.as_deref(), r.access.as_deref()))
            .collect();
        assert_eq!(
            regs[..2],
            [
                ("Receiver Buffer Register (RBR)", Some("0"), Some("R")),
                ("Transmitter Holding Register (THR)", Some("0"), Some("W")),
            ],
            "{file}"
        );
        assert_eq!(regs[3].0, "Line Control Register (LCR)", "{file}");
        if file.ends_with(".pdf") {
            assert_eq!(regs.len(), 5);
            assert_eq!(
                s.registers[3].fields.len(),
                2,
                "LCR's fields by abbreviation"
            );
            assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        } else {
            assert_eq!(regs.len(), 4);
        }
    }
}
