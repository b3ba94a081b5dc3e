//! Rewrites of the PP-OCR graphs that rten 0.27's optimiser does not do, made on the ONNX
//! file's bytes before rten loads them. PP-LCNetV3, the backbone of the detector and the
//! recogniser, follows nearly every Conv with a learnable scale and shift (`Mul` and `Add`
//! by scalars) and spells hard-swish out as `x * clip(x + 3, 0, 6) / 6`: four to six
//! element-wise passes over each activation, a sixth of the recogniser's time. The scale
//! and shift are folded into the Conv's weights and bias ([`fold_conv_affine`]) and the
//! hard-swish becomes rten's own `HardSwish` ([`fuse_hard_swish`]); both are exact up to
//! float rounding. Anything not matching exactly is left as it is.

use std::cell::RefCell;
use std::collections::HashMap;

use rten_onnx::onnx::{AttributeProto, DataType, GraphProto, ModelProto, NodeProto, TensorProto};

/// The ONNX model in `bytes` with the rewrites made. A graph with subgraphs (`If`, `Loop`)
/// is left as it is: the uses inside them are not counted.
pub fn simplify(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut model = ModelProto::parse_buf(bytes).map_err(|err| format!("not an ONNX model: {err}"))?;
    let has_subgraphs = |graph: &GraphProto| graph.node.iter().any(|n| n.attribute.iter().any(|a| a.g.is_some()));
    if let Some(graph) = model.graph.as_mut().filter(|graph| !has_subgraphs(graph)) {
        fold_conv_affine(graph);
        fuse_hard_swish(graph);
    }
    model.write_buf().map_err(|err| format!("cannot write the model back: {err}"))
}

/// What is known about the graph's values: which node makes each, and how often each is used.
struct Index {
    producer: HashMap<String, usize>,
    uses: HashMap<String, usize>,
}

impl Index {
    fn new(graph: &GraphProto) -> Index {
        let mut producer = HashMap::new();
        let mut uses: HashMap<String, usize> = HashMap::new();
        for (i, node) in graph.node.iter().enumerate() {
            for output in &node.output {
                producer.insert(output.clone(), i);
            }
            for input in node.input.iter().filter(|name| !name.is_empty()) {
                *uses.entry(input.clone()).or_default() += 1;
            }
        }
        for output in graph.output.iter().filter_map(|o| o.name.clone()) {
            *uses.entry(output).or_default() += 1;
        }
        Index { producer, uses }
    }

    /// Whether `name` is used by exactly one node and is not a graph output.
    fn used_once(&self, name: &str) -> bool {
        self.uses.get(name) == Some(&1)
    }

    /// The node making `name`, when it is of type `op`.
    fn made_by<'g>(&self, graph: &'g GraphProto, name: &str, op: &str) -> Option<(usize, &'g NodeProto)> {
        let i = *self.producer.get(name)?;
        let node = &graph.node[i];
        (node.op_type.as_deref() == Some(op)).then_some((i, node))
    }
}

/// The value of `name` when it is a one-element f32 constant.
fn scalar(graph: &GraphProto, index: &Index, name: &str) -> Option<f32> {
    match floats(constant(graph, index, name)?)?.as_slice() {
        [value] => Some(*value),
        _ => None,
    }
}

/// The tensor of `name` when it is a `Constant` node's or an initializer.
fn constant<'g>(graph: &'g GraphProto, index: &Index, name: &str) -> Option<&'g TensorProto> {
    if let Some((_, node)) = index.made_by(graph, name, "Constant") {
        return node.attribute.iter().find(|a| a.name.as_deref() == Some("value"))?.t.as_ref();
    }
    graph.initializer.iter().find(|t| t.name.as_deref() == Some(name))
}

/// The mutable tensor of `name`, as [`constant`].
fn constant_mut<'g>(graph: &'g mut GraphProto, index: &Index, name: &str) -> Option<&'g mut TensorProto> {
    if let Some(&i) = index.producer.get(name) {
        let node = graph.node.get_mut(i).filter(|n| n.op_type.as_deref() == Some("Constant"))?;
        return node.attribute.iter_mut().find(|a| a.name.as_deref() == Some("value"))?.t.as_mut();
    }
    graph.initializer.iter_mut().find(|t| t.name.as_deref() == Some(name))
}

/// An f32 tensor's values, wherever the file keeps them.
fn floats(tensor: &TensorProto) -> Option<Vec<f32>> {
    if tensor.data_type != Some(DataType::FLOAT) {
        return None;
    }
    match &tensor.raw_data {
        Some(raw) => {
            let raw = raw.borrow();
            (raw.len() % 4 == 0)
                .then(|| raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
        }
        None => Some(tensor.float_data.clone()),
    }
}

/// Replaces an f32 tensor's values, keeping its shape.
fn set_floats(tensor: &mut TensorProto, values: &[f32]) {
    tensor.float_data.clear();
    tensor.raw_data = Some(RefCell::new(values.iter().flat_map(|v| v.to_le_bytes()).collect()));
}

/// Scales and shifts by scalars next to a `Conv` go into its weights and bias: after it,
/// `a·conv(x) + b` has weights `a·W` and bias `a·B + b`; before it, when it pads nothing,
/// `conv(a·x + b)` has weights `a·W` and bias `B + b·ΣW` (the sum per output channel). The
/// weights and bias must be constants used by that Conv alone, and the `Mul` and `Add`
/// values used once. A Conv with no bias gets one.
pub fn fold_conv_affine(graph: &mut GraphProto) {
    fold_convs(graph, after_conv);
    fold_convs(graph, before_conv);
}

/// What folding a scale and shift into one Conv changes.
struct Fold {
    weights: Vec<f32>,
    bias: Vec<f32>,
    rewire: Rewire,
    /// The `Mul` and `Add` nodes that go.
    folded: Vec<usize>,
}

/// Where the Conv is joined to the graph again once the nodes folded are gone.
enum Rewire {
    /// The Conv makes this value, the last folded node's output.
    Output(String),
    /// The Conv takes this value, the first folded node's input.
    Input(String),
}

/// Makes the folds `find` finds, one Conv at a time.
fn fold_convs(graph: &mut GraphProto, find: fn(&GraphProto, &Index, &Conv) -> Option<Fold>) {
    let index = Index::new(graph);
    let mut removed = vec![false; graph.node.len()];
    let mut new_biases = Vec::new();
    for c in 0..graph.node.len() {
        let Some(conv) = Conv::of(graph, &index, c) else { continue };
        let Some(fold) = find(graph, &index, &conv) else { continue };
        if fold.folded.iter().any(|&i| removed[i]) {
            continue;
        }
        let weight = graph.node[c].input[1].clone();
        if let Some(w) = constant_mut(graph, &index, &weight) {
            set_floats(w, &fold.weights);
        }
        match graph.node[c].input.get(2).filter(|b| !b.is_empty()).cloned() {
            Some(name) => {
                if let Some(b) = constant_mut(graph, &index, &name) {
                    set_floats(b, &fold.bias);
                }
            }
            None => {
                let name = format!("{}.folded_bias", graph.node[c].output[0]);
                new_biases.push(bias_constant(&name, &fold.bias));
                graph.node[c].input.truncate(2);
                graph.node[c].input.push(name);
            }
        }
        match fold.rewire {
            Rewire::Output(output) => graph.node[c].output[0] = output,
            Rewire::Input(input) => graph.node[c].input[0] = input,
        }
        for i in fold.folded {
            removed[i] = true;
        }
    }
    remove(graph, &removed);
    graph.node.splice(0..0, new_biases);
}

/// A `Conv` whose weights and bias can be changed: constants used by it alone.
struct Conv {
    weights: Vec<f32>,
    /// Zeros when it has none.
    bias: Vec<f32>,
    input: String,
    output: String,
    pads_nothing: bool,
}

impl Conv {
    fn of(graph: &GraphProto, index: &Index, c: usize) -> Option<Conv> {
        let node = &graph.node[c];
        if node.op_type.as_deref() != Some("Conv") || node.output.len() != 1 {
            return None;
        }
        let (input, weight) = (node.input.first()?, node.input.get(1)?);
        let w = constant(graph, index, weight)?;
        let out_channels = usize::try_from(*w.dims.first()?).ok()?;
        let bias = match node.input.get(2).filter(|b| !b.is_empty()) {
            Some(b) if index.used_once(b) => floats(constant(graph, index, b)?)?,
            Some(_) => return None,
            None => vec![0.0; out_channels],
        };
        let weights = floats(w)?;
        if !index.used_once(weight) || bias.len() != out_channels || weights.len() % out_channels.max(1) != 0 {
            return None;
        }
        let attribute = |name: &str| node.attribute.iter().find(|a| a.name.as_deref() == Some(name));
        let auto_pad = attribute("auto_pad").and_then(|a| a.s.as_deref()).unwrap_or("NOTSET");
        let pads_nothing = auto_pad == "NOTSET" && attribute("pads").is_none_or(|a| a.ints.iter().all(|&p| p == 0));
        Some(Conv { weights, bias, input: input.clone(), output: node.output[0].clone(), pads_nothing })
    }
}

/// `a·conv(x) + b`, or `a·conv(x)`.
fn after_conv(graph: &GraphProto, index: &Index, conv: &Conv) -> Option<Fold> {
    if !index.used_once(&conv.output) {
        return None;
    }
    let (m, mul) = single_consumer(graph, &conv.output, "Mul")?;
    let scale = scalar(graph, index, other_input(mul, &conv.output)?)?;
    let mut output = mul.output.first()?.clone();
    let mut folded = vec![m];
    let mut shift = 0.0;
    if index.used_once(&output) {
        if let Some((a, add)) = single_consumer(graph, &output, "Add") {
            if let Some(b) = other_input(add, &output).and_then(|b| scalar(graph, index, b)) {
                (shift, output) = (b, add.output.first()?.clone());
                folded.push(a);
            }
        }
    }
    Some(Fold {
        weights: conv.weights.iter().map(|w| w * scale).collect(),
        bias: conv.bias.iter().map(|b| b * scale + shift).collect(),
        rewire: Rewire::Output(output),
        folded,
    })
}

/// `conv(a·x + b)`, for a Conv that pads nothing.
fn before_conv(graph: &GraphProto, index: &Index, conv: &Conv) -> Option<Fold> {
    if !conv.pads_nothing || !index.used_once(&conv.input) {
        return None;
    }
    let (a, add) = index.made_by(graph, &conv.input, "Add")?;
    let [p, q] = add.input.as_slice() else { return None };
    let (scaled, shift) = match (scalar(graph, index, p), scalar(graph, index, q)) {
        (None, Some(b)) => (p, b),
        (Some(b), None) => (q, b),
        _ => return None,
    };
    let (m, mul) = index.made_by(graph, scaled, "Mul")?;
    let [p, q] = mul.input.as_slice() else { return None };
    let (input, scale) = match (scalar(graph, index, p), scalar(graph, index, q)) {
        (None, Some(a)) => (p, a),
        (Some(a), None) => (q, a),
        _ => return None,
    };
    if !index.used_once(scaled) {
        return None;
    }
    let per_channel = conv.weights.len() / conv.bias.len().max(1);
    let sums = conv.weights.chunks(per_channel.max(1)).map(|w| w.iter().sum::<f32>());
    Some(Fold {
        weights: conv.weights.iter().map(|w| w * scale).collect(),
        bias: conv.bias.iter().zip(sums).map(|(b, sum)| b + shift * sum).collect(),
        rewire: Rewire::Input(input.clone()),
        folded: vec![m, a],
    })
}

/// The one node of type `op` that takes `value` in, when there is one.
fn single_consumer<'g>(graph: &'g GraphProto, value: &str, op: &str) -> Option<(usize, &'g NodeProto)> {
    let mut found = graph.node.iter().enumerate().filter(|(_, n)| n.input.iter().any(|i| i == value));
    let (i, node) = found.next()?;
    (found.next().is_none() && node.op_type.as_deref() == Some(op) && node.input.len() == 2).then_some((i, node))
}

/// A two-input node's input other than `value`.
fn other_input<'n>(node: &'n NodeProto, value: &str) -> Option<&'n str> {
    match node.input.as_slice() {
        [a, b] if a == value && b != value => Some(b),
        [a, b] if b == value && a != value => Some(a),
        _ => None,
    }
}

/// A `Constant` node making the 1-D tensor `values`.
fn bias_constant(name: &str, values: &[f32]) -> NodeProto {
    let dims = vec![values.len() as i64];
    let mut tensor = TensorProto { dims, data_type: Some(DataType::FLOAT), ..Default::default() };
    set_floats(&mut tensor, values);
    let value = AttributeProto { name: Some("value".into()), t: Some(tensor), ..Default::default() };
    NodeProto {
        name: Some(name.into()),
        op_type: Some("Constant".into()),
        output: vec![name.into()],
        attribute: vec![value],
        ..Default::default()
    }
}

/// `x * clip(x + 3, 0, 6) / 6`, as `Add`, `Clip`, `Mul` and `Div` each used once, becomes
/// one `HardSwish(x)`.
pub fn fuse_hard_swish(graph: &mut GraphProto) {
    let index = Index::new(graph);
    let mut removed = vec![false; graph.node.len()];
    for d in 0..graph.node.len() {
        let Some((x, folded)) = hard_swish(graph, &index, d) else { continue };
        let div = &mut graph.node[d];
        div.op_type = Some("HardSwish".into());
        div.input = vec![x];
        div.attribute.clear();
        for i in folded {
            removed[i] = true;
        }
    }
    remove(graph, &removed);
}

/// The input of the hard-swish ending in the `Div` node `d`, and its other nodes.
fn hard_swish(graph: &GraphProto, index: &Index, d: usize) -> Option<(String, [usize; 3])> {
    let div = &graph.node[d];
    let [product, six] = div.input.as_slice() else { return None };
    if div.op_type.as_deref() != Some("Div") || scalar(graph, index, six) != Some(6.0) || !index.used_once(product) {
        return None;
    }
    let (m, mul) = index.made_by(graph, product, "Mul")?;
    let [p, q] = mul.input.as_slice() else { return None };
    let (c, clip, x) = match (index.made_by(graph, p, "Clip"), index.made_by(graph, q, "Clip")) {
        (_, Some((c, clip))) => (c, clip, p),
        (Some((c, clip)), None) => (c, clip, q),
        (None, None) => return None,
    };
    let shifted = clip.input.first()?;
    if !index.used_once(clip.output.first()?)
        || !index.used_once(shifted)
        || clip_range(graph, index, clip)? != (0.0, 6.0)
    {
        return None;
    }
    let (a, add) = index.made_by(graph, shifted, "Add")?;
    let three = other_input(add, x)?;
    (scalar(graph, index, three) == Some(3.0)).then(|| (x.clone(), [m, c, a]))
}

/// A `Clip`'s bounds, from its attributes (opset < 11) or its inputs.
fn clip_range(graph: &GraphProto, index: &Index, clip: &NodeProto) -> Option<(f32, f32)> {
    let attribute = |name: &str| clip.attribute.iter().find(|a| a.name.as_deref() == Some(name)).and_then(|a| a.f);
    let input = |i: usize| clip.input.get(i).filter(|n| !n.is_empty()).and_then(|n| scalar(graph, index, n));
    Some((attribute("min").or_else(|| input(1))?, attribute("max").or_else(|| input(2))?))
}

/// Drops the nodes marked.
fn remove(graph: &mut GraphProto, removed: &[bool]) {
    let mut i = 0;
    graph.node.retain(|_| {
        i += 1;
        !removed[i - 1]
    });
}

#[cfg(test)]
#[path = "rewrite_tests.rs"]
mod tests;
