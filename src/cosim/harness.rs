//! The generated C++: a Verilator harness that drives the Verilated RTL and the model in
//! lockstep in one process, and a recorder that runs the model alone (for Icarus) and writes
//! the outputs it expects. Both read the stimulus as little-endian 32-bit words, a row per
//! cycle, and follow the same protocol, cycle by cycle:
//!
//! 1. every input but the clock takes the cycle's value, the clock is low;
//! 2. the RTL is evaluated and `eval()` called; the outputs are compared (from `compare_from`);
//! 3. the clock rises: RTL evaluated, `tick()`, `eval()`;
//! 4. the clock falls: RTL evaluated.
//!
//! After the last cycle the outputs are compared once more.

use std::fmt::Write as _;
use std::path::Path;

use super::{Port, When};

/// What a generated program needs to know of the design.
pub struct Shape<'a> {
    pub inputs: &'a [Port],
    pub outputs: &'a [Port],
    pub clock: Option<&'a str>,
    pub when: &'a [When],
    pub model: &'a Path,
}

fn words(p: &Port) -> u32 {
    p.width.div_ceil(32)
}

fn mask(p: &Port) -> String {
    if p.width >= 64 {
        "~0ULL".into()
    } else {
        format!("0x{:x}ULL", (1u64 << p.width) - 1)
    }
}

/// Reading the stimulus and the main loop's frame, shared by both programs.
fn prelude(shape: &Shape, with_rtl: bool) -> String {
    let mut s = String::new();
    if with_rtl {
        s.push_str(
            "#include \"Vdut.h\"\n#include \"verilated.h\"\n#include \"verilated_vcd_c.h\"\n",
        );
    }
    let _ = writeln!(s, "#include \"{}\"", shape.model.display());
    s.push_str(
        "#include <cstdint>\n#include <cstdio>\n#include <cstdlib>\n#include <vector>\n\n\
         static std::vector<uint32_t> read_words(const char* path) {\n  \
         std::vector<uint32_t> v;\n  FILE* f = std::fopen(path, \"rb\");\n  \
         if (!f) { std::fprintf(stderr, \"cannot open %s\\n\", path); std::exit(3); }\n  \
         uint32_t w[4096]; size_t n;\n  while ((n = std::fread(w, 4, 4096, f)) > 0) v.insert(v.end(), w, w + n);\n  \
         std::fclose(f);\n  return v;\n}\n\n",
    );
    s
}

/// Statements setting every input from `row` (RTL side too when `rtl`).
fn set_inputs(shape: &Shape, rtl: bool) -> String {
    let mut s = String::new();
    let mut off = 0;
    for p in shape.inputs {
        let n = &p.name;
        if p.width <= 32 {
            let _ = writeln!(
                s,
                "    {{ uint64_t v = row[{off}]; m->{n} = (decltype(m->{n}))v;{} }}",
                if rtl {
                    format!(" top->{n} = v;")
                } else {
                    String::new()
                }
            );
        } else if p.width <= 64 {
            let _ = writeln!(
                s,
                "    {{ uint64_t v = uint64_t(row[{off}]) | (uint64_t(row[{}]) << 32); m->{n} = (decltype(m->{n}))v;{} }}",
                off + 1,
                if rtl {
                    format!(" top->{n} = v;")
                } else {
                    String::new()
                }
            );
        } else {
            let _ = writeln!(
                s,
                "    for (int i = 0; i < {}; ++i) {{ m->{n}[i] = row[{off} + i];{} }}",
                words(p),
                if rtl {
                    format!(" top->{n}[i] = row[{off} + i];")
                } else {
                    String::new()
                }
            );
        }
        off += words(p);
    }
    s
}

fn row_words(shape: &Shape) -> u32 {
    shape.inputs.iter().map(words).sum()
}

/// The condition under which output `p` is compared (`--when p=valid`).
fn guard(shape: &Shape, p: &Port) -> String {
    match shape.when.iter().find(|w| w.output == p.name) {
        Some(w) => format!("if ((uint64_t(m->{}) & 1) != 0) ", w.valid),
        None => String::new(),
    }
}

/// The Verilator harness. Arguments: stimulus file, cycles, compare_from, marker, [vcd].
pub fn verilator_harness(shape: &Shape) -> String {
    let mut s = prelude(shape, true);
    s.push_str("static void hex(char* buf, const uint32_t* w, int n) {\n  for (int i = n - 1; i >= 0; --i) buf += std::sprintf(buf, \"%08x\", w[i]);\n}\n\n");
    s.push_str(
        "int main(int argc, char** argv) {\n  if (argc < 5) { std::fprintf(stderr, \"usage: stimulus cycles compare_from marker [vcd]\\n\"); return 3; }\n  \
         std::vector<uint32_t> stim = read_words(argv[1]);\n  const size_t cycles = std::strtoull(argv[2], nullptr, 10);\n  \
         const size_t compare_from = std::strtoull(argv[3], nullptr, 10);\n  const char* marker = argv[4];\n  \
         VerilatedContext* ctx = new VerilatedContext;\n  Vdut* top = new Vdut{ctx};\n  Model* m = new Model();\n  \
         VerilatedVcdC* tfp = nullptr;\n  if (argc > 5) { ctx->traceEverOn(true); tfp = new VerilatedVcdC; top->trace(tfp, 99); tfp->open(argv[5]); }\n  \
         uint64_t t = 0;\n  char e[4096], a[4096];\n  (void)e; (void)a;\n",
    );
    let _ = writeln!(s, "  const size_t row_words = {};", row_words(shape));
    s.push_str("  if (stim.size() < cycles * row_words) { std::fprintf(stderr, \"short stimulus\\n\"); return 3; }\n");
    // compare: a lambda over the cycle number
    s.push_str("  auto compare = [&](size_t c) {\n");
    for p in shape.outputs {
        let n = &p.name;
        let g = guard(shape, p);
        if p.width <= 64 {
            let _ = writeln!(
                s,
                "    {g}{{ uint64_t ev = uint64_t(m->{n}) & {mk}, av = uint64_t(top->{n}) & {mk};\n      \
                 if (ev != av) {{ std::printf(\"%s-MISMATCH %zu {n} %016llx %016llx\\n\", marker, c, (unsigned long long)ev, (unsigned long long)av); return false; }} }}",
                mk = mask(p)
            );
        } else {
            let k = words(p);
            let top_mask = if p.width % 32 == 0 {
                "0xffffffffu".to_string()
            } else {
                format!("0x{:x}u", (1u32 << (p.width % 32)) - 1)
            };
            let _ = writeln!(
                s,
                "    {g}{{ uint32_t ew[{k}], aw[{k}]; bool diff = false;\n      \
                 for (int i = 0; i < {k}; ++i) {{ uint32_t mk = i == {last} ? {top_mask} : 0xffffffffu; ew[i] = m->{n}[i] & mk; aw[i] = top->{n}[i] & mk; diff |= ew[i] != aw[i]; }}\n      \
                 if (diff) {{ hex(e, ew, {k}); hex(a, aw, {k}); std::printf(\"%s-MISMATCH %zu {n} %s %s\\n\", marker, c, e, a); return false; }} }}",
                last = k - 1
            );
        }
    }
    s.push_str("    return true;\n  };\n  auto done = [&](int code) { if (tfp) { tfp->flush(); tfp->close(); } std::fflush(stdout); top->final(); std::exit(code); };\n");
    s.push_str("  for (size_t c = 0; c < cycles; ++c) {\n    const uint32_t* row = &stim[c * row_words];\n    (void)row;\n");
    if let Some(clk) = shape.clock {
        let _ = writeln!(s, "    top->{clk} = 0;");
    }
    s.push_str(&set_inputs(shape, true));
    s.push_str("    top->eval(); m->eval(); if (tfp) tfp->dump(t); ++t;\n    if (c >= compare_from && !compare(c)) done(1);\n");
    if let Some(clk) = shape.clock {
        let _ = writeln!(
            s,
            "    top->{clk} = 1; top->eval(); m->tick(); m->eval(); if (tfp) tfp->dump(t); ++t;\n    \
             top->{clk} = 0; top->eval(); if (tfp) tfp->dump(t); ++t;"
        );
    }
    s.push_str("  }\n  top->eval(); m->eval();\n  if (cycles >= compare_from && !compare(cycles)) done(1);\n");
    s.push_str("  std::printf(\"%s-MATCH %zu\\n\", marker, cycles);\n  done(0);\n}\n");
    s
}

/// The recorder: the model alone over the stimulus, writing for each compared point and each
/// output the expected value as hex (one file per output, a line per point: cycles + 1 lines)
/// and, per point, whether each output is compared (`--when`). Arguments: stimulus file,
/// cycles, output folder.
pub fn recorder(shape: &Shape) -> String {
    let mut s = prelude(shape, false);
    s.push_str(
        "int main(int argc, char** argv) {\n  if (argc < 4) return 3;\n  \
         std::vector<uint32_t> stim = read_words(argv[1]);\n  const size_t cycles = std::strtoull(argv[2], nullptr, 10);\n  \
         std::string dir = argv[3];\n  Model* m = new Model();\n",
    );
    let _ = writeln!(s, "  const size_t row_words = {};", row_words(shape));
    for p in shape.outputs {
        let _ = writeln!(
            s,
            "  FILE* f_{0} = std::fopen((dir + \"/exp_{0}.hex\").c_str(), \"w\");",
            p.name
        );
        let _ = writeln!(
            s,
            "  FILE* g_{0} = std::fopen((dir + \"/cmp_{0}.hex\").c_str(), \"w\");",
            p.name
        );
    }
    s.push_str("  auto record = [&]() {\n");
    for p in shape.outputs {
        let n = &p.name;
        let on = match shape.when.iter().find(|w| w.output == p.name) {
            Some(w) => format!("int((uint64_t(m->{}) & 1) != 0)", w.valid),
            None => "1".into(),
        };
        if p.width <= 64 {
            let _ = writeln!(
                s,
                "    std::fprintf(f_{n}, \"%llx\\n\", (unsigned long long)(uint64_t(m->{n}) & {}));",
                mask(p)
            );
        } else {
            let k = words(p);
            let _ = writeln!(
                s,
                "    for (int i = {}; i >= 0; --i) std::fprintf(f_{n}, \"%08x\", i == {} ? m->{n}[i] & {}u : m->{n}[i]);\n    std::fprintf(f_{n}, \"\\n\");",
                k - 1,
                k - 1,
                if p.width % 32 == 0 {
                    "0xffffffff".to_string()
                } else {
                    format!("0x{:x}", (1u32 << (p.width % 32)) - 1)
                }
            );
        }
        let _ = writeln!(s, "    std::fprintf(g_{n}, \"%d\\n\", {on});");
    }
    s.push_str("  };\n  for (size_t c = 0; c < cycles; ++c) {\n    const uint32_t* row = &stim[c * row_words];\n    (void)row;\n");
    s.push_str(&set_inputs(shape, false));
    s.push_str("    m->eval(); record();\n");
    if shape.clock.is_some() {
        s.push_str("    m->tick(); m->eval();\n");
    }
    s.push_str("  }\n  m->eval(); record();\n");
    for p in shape.outputs {
        let _ = writeln!(s, "  std::fclose(f_{0}); std::fclose(g_{0});", p.name);
    }
    s.push_str("  return 0;\n}\n");
    s.replace(
        "#include <vector>\n",
        "#include <vector>\n#include <string>\n",
    )
}
