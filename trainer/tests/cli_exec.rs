//! `exedec exec` on a mixed file: every line gets exactly one answer, in order, and the run
//! exits 0.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

fn exec(dsl: &str, lines: &[String]) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exedec"))
        .args(["exec", "--dsl", dsl])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the exedec binary runs");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        for l in lines {
            writeln!(stdin, "{l}").expect("write");
        }
    }
    let out = child.wait_with_output().expect("exedec finishes");
    assert!(out.status.success());
    String::from_utf8(out.stdout).expect("utf-8").lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect()
}

fn kind(v: &Value) -> &str {
    v.pointer("/error/kind").and_then(Value::as_str).unwrap_or("none")
}

#[test]
fn robustfill_mixed_file() {
    let lines = vec![
        json!({"program": "4 29|7 109 211|3 8 111 17 109 216|3 15 109 216 79 7 106 216|5 219 230",
               "inputs": ["#My##:Gxbo[Ned[Er%", "#%$Ua.Qaeq?Opa%Kcr#"]})
        .to_string(),
        json!({"program": "8 102", "inputs": ["abc"]}).to_string(), // ToCase(NUMBER): ill-typed
        json!({"program": "7 109", "inputs": ["abc"]}).to_string(), // GetToken missing an argument
        json!({"program": "4 999", "inputs": ["abc"]}).to_string(), // unknown token id
        "{\"program\": ".to_string(),                               // malformed JSON
        json!({"inputs": ["abc"]}).to_string(),                     // missing field
        json!({"program": "10", "inputs": ["\u{00e9}t\u{00e9}"]}).to_string(), // outside the alphabet
        String::new(),                                              // empty line
        json!({"program": "11 104", "inputs": ["ab ABc"]}).to_string(),
    ];
    let out = exec("robustfill", &lines);
    assert_eq!(out.len(), lines.len());
    assert_eq!(out[0], json!({"outputs": ["k[MY##:GXBO[NED[ER%8y##:Gxbo[Ned[", "kK%$UA.QAEQ?OPA%KCR#8aUa.Qaeq?Opa%"]}));
    let kinds: Vec<&str> = out[1..8].iter().map(kind).collect();
    assert_eq!(kinds, ["run", "decode", "decode", "input", "input", "invalid", "input"]);
    assert_eq!(out[8], json!({"outputs": ["ab"]}));
}

#[test]
fn deepcoder_mixed_file() {
    let p = "x0 = INPUT | x1 = INPUT | x2 = Scanl1 (-) x0 | x3 = Map (*(-1)) x2 | x4 = Filter (>0) x3";
    let lines = vec![
        json!({"program": p, "inputs": ["x0 = [ ] | x1 = [ 0 ]", "x0 = [ 1 0 6 9 1 ] | x1 = [ 9 ]"]}).to_string(),
        json!({"program": "x0 = INPUT | x1 = Map (>0) x0", "inputs": ["x0 = [ 1 ]"]}).to_string(), // booleans
        json!({"program": "x0 = INPUT | x1 = Head x0", "inputs": ["x0 = 4"]}).to_string(),         // ill-typed
        json!({"program": "x0 = INPUT | x1 = Head", "inputs": ["x0 = [ 1 ]"]}).to_string(),        // arity
        json!({"program": "x0 = INPUT | x1 = Head x0", "inputs": ["x0 = [ 99 ]"]}).to_string(),    // range
        json!({"program": "x0 = INPUT | x1 = Head x0", "inputs": ["x0 = [ ]"]}).to_string(),       // empty Head
        json!({"program": "x0 = INPUT | x1 = Head x0", "inputs": [3]}).to_string(),                // not a string
        "[1, 2".to_string(),
        json!({"program": "x0 = INPUT | x1 = Count (+1) x0", "inputs": ["x0 = [ 1 -1 0 ]"]}).to_string(),
    ];
    let out = exec("deepcoder", &lines);
    assert_eq!(out.len(), lines.len());
    assert_eq!(out[0], json!({"outputs": ["[ ]", "[ 5 14 15 ]"]}));
    let kinds: Vec<&str> = out[1..8].iter().map(kind).collect();
    assert_eq!(kinds, ["invalid", "run", "parse", "invalid", "invalid", "input", "input"]);
    assert_eq!(out[8], json!({"outputs": ["2"]}));
}

#[test]
fn reads_and_writes_files() {
    let dir = std::env::temp_dir().join(format!("exedec-exec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let input = dir.join("in.jsonl");
    let output = dir.join("out.jsonl");
    std::fs::write(&input, "{\"program\": \"x0 = INPUT | x1 = Sum x0\", \"inputs\": [\"x0 = [ 1 2 ]\"]}\n")
        .expect("write");
    let status = Command::new(env!("CARGO_BIN_EXE_exedec"))
        .args(["exec", "--dsl", "deepcoder", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .status()
        .expect("runs");
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(&output).expect("output written"), "{\"outputs\":[\"3\"]}\n");
    std::fs::remove_dir_all(&dir).ok();
}
