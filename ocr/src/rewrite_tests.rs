use rten::Model;
use rten_onnx::onnx::{OperatorSetIdProto, ValueInfoProto};
use rten_tensor::prelude::*;
use rten_tensor::Tensor;

use super::*;

/// A `Constant` node making `name` with the given shape and values.
fn constant_node(name: &str, dims: &[i64], values: &[f32]) -> NodeProto {
    let mut node = bias_constant(name, values);
    if let Some(tensor) = node.attribute[0].t.as_mut() {
        tensor.dims = dims.to_vec();
    }
    node
}

fn node(op: &str, inputs: &[&str], output: &str) -> NodeProto {
    NodeProto {
        op_type: Some(op.into()),
        input: inputs.iter().map(|i| i.to_string()).collect(),
        output: vec![output.into()],
        ..Default::default()
    }
}

fn float_attribute(name: &str, value: f32) -> AttributeProto {
    AttributeProto { name: Some(name.into()), f: Some(value), ..Default::default() }
}

fn ints_attribute(name: &str, values: &[i64]) -> AttributeProto {
    AttributeProto { name: Some(name.into()), ints: values.to_vec(), ..Default::default() }
}

fn value(name: &str) -> ValueInfoProto {
    ValueInfoProto { name: Some(name.into()), ..Default::default() }
}

/// Conv (2 → 2 channels, 3 × 3, padded, no bias) → scale → shift → hard-swish with the
/// clip's bounds as attributes → scale → shift → Conv (1 × 1, with a bias) → scale →
/// hard-swish with the bounds as inputs: both spellings PP-OCR's files use.
fn graph() -> GraphProto {
    let weights: Vec<f32> = (0..36).map(|i| ((i * 7) % 11) as f32 / 5.0 - 1.0).collect();
    let mut clip = node("Clip", &["s3"], "c");
    clip.attribute = vec![float_attribute("min", 0.0), float_attribute("max", 6.0)];
    let conv_attributes = |pad: i64| {
        vec![
            ints_attribute("pads", &[pad; 4]),
            ints_attribute("strides", &[1, 1]),
            ints_attribute("dilations", &[1, 1]),
        ]
    };
    let mut conv = node("Conv", &["x", "w"], "y");
    conv.attribute = conv_attributes(1);
    let mut conv2 = node("Conv", &["hd", "w2", "b2"], "y2");
    conv2.attribute = conv_attributes(0);
    let nodes = vec![
        constant_node("w", &[2, 2, 3, 3], &weights),
        constant_node("a", &[], &[1.5]),
        constant_node("b", &[1], &[-0.25]),
        constant_node("three", &[], &[3.0]),
        constant_node("six", &[], &[6.0]),
        constant_node("zero", &[], &[0.0]),
        constant_node("w2", &[2, 2, 1, 1], &[0.5, -1.0, 2.0, 0.25]),
        constant_node("b2", &[2], &[0.1, -0.2]),
        conv,
        node("Mul", &["a", "y"], "ya"),
        node("Add", &["ya", "b"], "s"),
        node("Add", &["s", "three"], "s3"),
        clip,
        node("Mul", &["s", "c"], "m"),
        node("Div", &["m", "six"], "h"),
        node("Mul", &["h", "a"], "hc"),
        node("Add", &["hc", "b"], "hd"),
        conv2,
        node("Mul", &["y2", "a"], "t"),
        node("Add", &["three", "t"], "t3"),
        node("Clip", &["t3", "zero", "six"], "c2"),
        node("Mul", &["c2", "t"], "m2"),
        node("Div", &["m2", "six"], "out"),
    ];
    GraphProto { node: nodes, input: vec![value("x")], output: vec![value("out")], ..Default::default() }
}

fn model(graph: GraphProto) -> ModelProto {
    let opset = OperatorSetIdProto { domain: Some(String::new()), version: Some(13) };
    ModelProto { ir_version: Some(7), graph: Some(graph), opset_import: vec![opset], ..Default::default() }
}

fn ops(graph: &GraphProto) -> Vec<&str> {
    graph.node.iter().filter_map(|n| n.op_type.as_deref()).filter(|op| *op != "Constant").collect()
}

fn close(found: &[f32], expected: &[f32]) {
    assert_eq!(found.len(), expected.len());
    assert!(found.iter().zip(expected).all(|(f, e)| (f - e).abs() < 1e-6), "{found:?} ≠ {expected:?}");
}

#[test]
fn the_scale_and_shift_go_into_the_conv_and_hard_swish_is_one_node() {
    let mut graph = graph();
    fold_conv_affine(&mut graph);
    fuse_hard_swish(&mut graph);
    assert_eq!(ops(&graph), ["Conv", "HardSwish", "Conv", "HardSwish"]);
    let index = Index::new(&graph);
    let values = |name: &str| floats(constant(&graph, &index, name).unwrap()).unwrap();
    // Scaled by 1.5 after and before; shifted by -0.25 times 1.5 after, and before by
    // -0.25 times the weights' sum per output channel.
    close(&values("w2"), &[1.125, -2.25, 4.5, 0.5625]);
    close(&values("b2"), &[0.15 - 0.25 * -0.75, -0.3 - 0.25 * 3.375]);
    close(&values("y.folded_bias"), &[-0.25, -0.25]);
}

#[test]
fn a_value_used_twice_is_not_folded() {
    let mut graph = graph();
    graph.output.push(value("ya"));
    graph.output.push(value("m2"));
    fold_conv_affine(&mut graph);
    fuse_hard_swish(&mut graph);
    assert_eq!(ops(&graph), ["Conv", "Add", "HardSwish", "Conv", "Add", "Clip", "Mul", "Div"]);
}

#[test]
fn a_padded_conv_keeps_the_shift_before_it() {
    let mut graph = graph();
    let conv2 = graph.node.iter_mut().find(|n| n.input.first().map(String::as_str) == Some("hd")).unwrap();
    conv2.attribute[0].ints = vec![1; 4];
    fold_conv_affine(&mut graph);
    fuse_hard_swish(&mut graph);
    assert_eq!(ops(&graph), ["Conv", "HardSwish", "Mul", "Add", "Conv", "HardSwish"]);
}

#[test]
fn the_rewritten_model_computes_the_same() {
    for padded in [false, true] {
        let mut graph = graph();
        if padded {
            graph
                .node
                .iter_mut()
                .filter(|n| n.input.first().map(String::as_str) == Some("hd"))
                .for_each(|n| n.attribute[0].ints = vec![1; 4]);
        }
        same_outputs(model(graph).write_buf().unwrap());
    }
}

fn same_outputs(bytes: Vec<u8>) {
    let input = Tensor::from_data(&[1, 2, 4, 5], (0..40).map(|i| (i as f32 * 0.37).sin() * 3.0).collect::<Vec<_>>());
    let run = |bytes: Vec<u8>| -> Vec<f32> {
        let model = Model::load(bytes).unwrap();
        let out: Tensor<f32> = model.run_one(input.clone().into(), None).unwrap().try_into().unwrap();
        out.to_vec()
    };
    let (before, after) = (run(bytes.clone()), run(simplify(&bytes).unwrap()));
    assert!(!before.is_empty() && before.len() == after.len());
    for (b, a) in before.iter().zip(&after) {
        assert!((b - a).abs() < 1e-5, "{before:?}\n{after:?}");
    }
}
