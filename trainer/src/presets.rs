//! `exedec web-presets`: example tasks from the released test sets, in the widget's example
//! format, for the web page's preset menu.

use std::io::BufReader;
use std::path::Path;

use anyhow::Result;
use exedec_core::task::read_records;
use exedec_core::{DeepCoder, Domain, Dsl, RobustFill, Split};
use serde_json::{Value as Json, json};

fn value_json(v: &exedec_core::dsl::deepcoder::Value) -> Json {
    match v {
        exedec_core::dsl::deepcoder::Value::Int(x) => json!(x),
        exedec_core::dsl::deepcoder::Value::List(xs) => json!(xs.iter().map(|&x| i64::from(x)).collect::<Vec<_>>()),
    }
}

fn tasks_of(dsl: Dsl, split: Split, per_split: usize) -> Result<Vec<Json>> {
    let records = read_records(BufReader::new(crate::released::test_data(dsl, split).as_bytes()))?;
    let mut out = Vec::new();
    // The shortest programs first: they are the ones small models can solve.
    let mut parsed: Vec<(usize, Json)> = Vec::new();
    for r in &records {
        let item = match dsl {
            Dsl::RobustFill => {
                let t = r.parse(&RobustFill)?;
                let p = t.program.as_ref().map(|p| (p.len(), RobustFill.format_readable(p)));
                let examples: Vec<Json> = t
                    .inputs
                    .iter()
                    .zip(&t.outputs)
                    .map(|(i, o)| json!({"input": i.as_str(), "output": o.as_str()}))
                    .collect();
                p.map(|(len, text)| {
                    (len, json!({"index": r.index, "length": len, "program": text, "examples": examples}))
                })
            }
            Dsl::DeepCoder => {
                let t = r.parse(&DeepCoder)?;
                let p = t.program.as_ref().map(|p| (p.len(), DeepCoder.format_readable(p)));
                let examples: Vec<Json> = t
                    .inputs
                    .iter()
                    .zip(&t.outputs)
                    .map(|(i, o)| json!({"inputs": i.values().map(value_json).collect::<Vec<_>>(), "output": value_json(o)}))
                    .collect();
                p.map(|(len, text)| {
                    (len, json!({"index": r.index, "length": len, "program": text, "examples": examples}))
                })
            }
        };
        parsed.extend(item);
    }
    parsed.sort_by_key(|(len, _)| *len);
    out.extend(parsed.into_iter().take(per_split).map(|(_, j)| j));
    Ok(out)
}

/// Writes the presets file.
pub fn run(out: &Path, per_split: usize) -> Result<()> {
    let mut all = serde_json::Map::new();
    for dsl in Dsl::ALL {
        let mut splits = serde_json::Map::new();
        for split in Split::ALL {
            splits.insert(split.name().to_string(), Json::Array(tasks_of(dsl, split, per_split)?));
        }
        all.insert(dsl.name().to_string(), Json::Object(splits));
    }
    std::fs::write(out, serde_json::to_string(&Json::Object(all))?)?;
    Ok(())
}
