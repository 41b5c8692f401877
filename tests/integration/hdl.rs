//! The Verilog source layer on the bundled designs: the statement graph `trace` will walk,
//! snapshot-tested, and instances directed by their modules' ports.

use std::path::Path;

use rtlsmith::hdl::graph::{Edge, Node, module_graphs};

use crate::common::root;

fn graph_of(rel: &str) -> String {
    let p = root().join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    module_graphs(&text, &p, &[])
        .unwrap()
        .iter()
        .map(|g| g.render())
        .collect()
}

#[test]
fn statement_graphs_of_bundled_designs() {
    insta::assert_snapshot!("graph_counter", graph_of("rtl/counter.v"));
    insta::assert_snapshot!("graph_skid_buffer", graph_of("rtl/skid_buffer.v"));
}

#[test]
fn instances_connect_through_the_directions_of_their_ports() {
    let src = "module inv(input a, output y); assign y = ~a; endmodule\n\
               module top(input x, output z);\n  wire w;\n  inv u0(.a(x), .y(w));\n  inv u1(w, z);\nendmodule\n";
    let gs = module_graphs(src, Path::new("t.v"), &[]).unwrap();
    let top = gs.iter().find(|g| g.module == "top").unwrap();
    let text = top.render();
    assert!(text.contains("`.a(x)`  reads [x] writes [u0.a]"), "{text}");
    assert!(text.contains("`.y(w)`  reads [u0.y] writes [w]"), "{text}");
    assert!(text.contains("reads [w] writes [u1.a]"), "{text}");
    assert!(text.contains("reads [u1.y] writes [z]"), "{text}");
    // the graph itself: z is written by a statement that reads u1.y
    let z = top.signal_index("z").unwrap();
    let writer = top
        .graph
        .neighbors_directed(z, petgraph::Direction::Incoming)
        .next()
        .unwrap();
    assert!(matches!(&top.graph[writer], Node::Statement(_)));
    let e = top.graph.find_edge(writer, z).unwrap();
    assert_eq!(top.graph[e], Edge::Data);
}
