//! `exedec synthesize` on the shipped RobustFill models: ExeDec reads whole outputs only with
//! its SubgoalModel, so outputs longer than the SynthesizerModel's 20 tokens are accepted,
//! while inputs keep the SynthesizerModel's limit and are refused with a typed message; the
//! program found is printed with the outputs it produces and its decomposition, and the anytime
//! search widens the beam of a task it does not solve. Without `--method`, the method is the
//! one the models folder's manifest names.

use std::path::Path;
use std::process::{Command, Output};

use exedec_core::{DeepCoder, Domain, Dsl, RobustFill};
use exedec_trainer::models::Manifest;

mod common;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn synthesize(examples: &[&str]) -> Output {
    synthesize_with(&["--beam", "2", "--budget", "0"], examples)
}

/// `exedec synthesize` with ExeDec on the shipped RobustFill models.
fn synthesize_with(options: &[&str], examples: &[&str]) -> Output {
    run_synthesize(&[&["--dsl", "robustfill", "--method", "exedec"], options].concat(), examples)
}

fn run_synthesize(options: &[&str], examples: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_exedec"));
    cmd.arg("synthesize").args(options).env("RUST_BACKTRACE", "0");
    for e in examples {
        cmd.args(["--example", e]);
    }
    cmd.current_dir(ROOT).output().expect("the exedec binary runs")
}

#[test]
fn exedec_takes_outputs_longer_than_its_synthesizer_reads() {
    let out = synthesize(&[
        "john smith -> Smith, John (john.smith@example.com)",
        "ada lovelace -> Lovelace, Ada (ada.lovelace@example.com)",
    ]);
    // The search ran (whether the small shipped models solve it or not: exit status 0 or 1).
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!stderr.contains("too long"), "{stderr}");
    let verdict = stdout.lines().next().unwrap_or_default();
    assert!(verdict.ends_with("; beam 2, beams tried: 2)"), "{stdout}{stderr}");
    let solved = verdict.starts_with("solved (");
    assert!(solved || verdict.starts_with("not solved ("), "{verdict}");
    assert_eq!(out.status.code(), Some(if solved { 0 } else { 1 }));
    check_program(&stdout, &["john smith", "ada lovelace"]);
}

#[test]
fn the_program_found_is_printed_with_what_it_computes() {
    // The shipped DeepCoder models solve this one (README's example).
    let out = Command::new(env!("CARGO_BIN_EXE_exedec"))
        .args(["synthesize", "--dsl", "deepcoder", "--budget", "0"])
        .args([
            "--example",
            "[3 1 2] -> [4 2 3]",
            "--example",
            "[5 4] -> [6 5]",
            "--example",
            "[9 0 4 2] -> [10 1 5 3]",
        ])
        .current_dir(ROOT)
        .output()
        .expect("the exedec binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let verdict = stdout.lines().next().unwrap_or_default();
    assert!(verdict.starts_with("solved (a ") && verdict.contains("-step program;"), "{verdict}");
    let program = line(&stdout, "program: ");
    let program = DeepCoder.parse_program(program).unwrap_or_else(|e| panic!("{program:?}: {e}"));
    let inputs = ["x0 = [ 3 1 2 ]", "x0 = [ 5 4 ]", "x0 = [ 9 0 4 2 ]"].map(|i| DeepCoder.parse_input(i).unwrap());
    let outputs = ["[ 4 2 3 ]", "[ 6 5 ]", "[ 10 1 5 3 ]"].map(|o| DeepCoder.parse_output(o).unwrap());
    assert!(DeepCoder.satisfies(&program, &inputs, &outputs), "{stdout}");
    assert_eq!(line(&stdout, "outputs: "), "[ 4 2 3 ] | [ 6 5 ] | [ 10 1 5 3 ]");
    // One "step k:" block per statement of the program.
    let steps = stdout.lines().filter(|l| l.starts_with("step ")).count();
    assert_eq!(steps, DeepCoder.steps(&program).len());
}

/// The program line: `(none)` with no outputs line, or a RobustFill program that parses and
/// whose outputs line is what it computes on `inputs`.
fn check_program(stdout: &str, inputs: &[&str]) {
    let program = line(stdout, "program: ");
    if program == "(none)" {
        assert!(!stdout.starts_with("solved"), "{stdout}");
        assert!(!stdout.contains("\noutputs: "), "{stdout}");
        return;
    }
    let program = RobustFill.parse_readable(program).unwrap_or_else(|e| panic!("{program:?}: {e}"));
    let produced: Vec<String> = inputs
        .iter()
        .map(|i| match RobustFill.execute(&program, &RobustFill.parse_input(i).unwrap()) {
            Ok(o) => RobustFill.format_output(&o),
            Err(e) => format!("<{e}>"),
        })
        .collect();
    assert_eq!(line(stdout, "outputs: "), produced.join(" | "));
}

/// The text after `prefix` on the line that starts with it.
fn line<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    stdout.lines().find_map(|l| l.strip_prefix(prefix)).unwrap_or_else(|| panic!("no {prefix:?} line in {stdout}"))
}

#[test]
fn an_unsolved_task_is_searched_again_with_a_wider_beam() {
    // No program maps these inputs to these outputs, so every search fails and the beam widens
    // until the budget runs out (the first search always runs to its end).
    let out = synthesize_with(&["--beam", "1", "--budget", "10"], &["abc -> q", "abd -> xy", "abe -> k!"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.starts_with("not solved ("), "{stdout}");
    assert!(stdout.lines().next().unwrap().contains("beams tried: 1, 2"), "{stdout}");
    assert!(stderr.contains("searching at beam 2"), "{stderr}");
}

#[test]
fn inputs_longer_than_the_models_read_are_refused() {
    let out = synthesize(&["abc -> x", "a string of thirty characters! -> x"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("example 2, input 1: too long for the model"), "{stderr}");
    assert!(stderr.contains("at most 20"), "{stderr}");
}

/// The `<exedec-synth>` widgets of `static/docs.html`: each one's DSL and examples as
/// `exedec synthesize --example` arguments.
fn docs_widgets() -> Vec<(String, Vec<String>)> {
    let page = std::fs::read_to_string(Path::new(ROOT).join("static/docs.html")).unwrap();
    let attribute = |tag: &str, name: &str, quote: char| {
        let start =
            tag.find(&format!("{name}={quote}")).unwrap_or_else(|| panic!("no {name} in {tag}")) + name.len() + 2;
        tag[start..][..tag[start..].find(quote).unwrap()].to_string()
    };
    let format_value = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => {
            format!("[{}]", items.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "))
        }
        other => other.to_string(),
    };
    // The escaped `&lt;exedec-synth` of the usage snippet is not a widget.
    page.split("<exedec-synth")
        .skip(1)
        .map(|rest| {
            let tag = &rest[..rest.find('>').unwrap()];
            let examples: Vec<serde_json::Value> = serde_json::from_str(&attribute(tag, "examples", '\'')).unwrap();
            let args = examples
                .iter()
                .map(|e| {
                    let inputs = match &e["inputs"] {
                        serde_json::Value::Array(inputs) => {
                            inputs.iter().map(format_value).collect::<Vec<_>>().join(", ")
                        }
                        _ => format_value(&e["input"]),
                    };
                    format!("{inputs} -> {}", format_value(&e["output"]))
                })
                .collect();
            (attribute(tag, "dsl", '"'), args)
        })
        .collect()
}

#[test]
fn the_docs_pages_examples_are_solved_by_the_shipped_models() {
    let widgets = docs_widgets();
    assert_eq!(widgets.iter().map(|(dsl, _)| dsl.as_str()).collect::<Vec<_>>(), ["robustfill", "deepcoder"]);
    for (dsl, examples) in widgets {
        // The page's method and first beam (the defaults) and its widening, with no time limit
        // so the result does not depend on this machine's speed: the beam that solves it is
        // printed (natively the widening to beam 160 takes about half a second, within the
        // page's 5 s).
        let examples: Vec<&str> = examples.iter().map(String::as_str).collect();
        let out = run_synthesize(&["--dsl", &dsl, "--budget", "600", "--quiet"], &examples);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{dsl} {examples:?}: {stdout}");
        println!("{dsl}: {}", stdout.lines().next().unwrap_or_default());
        let expected: Vec<&str> = examples.iter().map(|e| e.split(" -> ").nth(1).unwrap()).collect();
        let produced: Vec<String> = line(&stdout, "outputs: ").split(" | ").map(|o| o.replace(' ', "")).collect();
        let expected: Vec<String> = expected.iter().map(|o| o.replace(' ', "")).collect();
        assert_eq!(produced, expected, "{stdout}");
    }
}

#[test]
fn the_portfolio_names_the_method_that_found_the_program() {
    let task = ["[3 1 2] -> [1 2 3]", "[5 4] -> [4 5]", "[0 -2 7] -> [-2 0 7]"];
    let out = run_synthesize(&["--dsl", "deepcoder", "--method", "portfolio", "--budget", "0", "--quiet"], &task);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(line(&stdout, "method: "), "portfolio");
    assert!(["exedec", "no-subgoal"].contains(&line(&stdout, "found by: ")), "{stdout}");
    assert_eq!(line(&stdout, "outputs: "), "[ 1 2 3 ] | [ 4 5 ] | [ -2 0 7 ]", "{stdout}");
}

/// The method a shipped models folder's manifest starts with.
fn manifest_default(dsl: Dsl) -> String {
    let manifest = Manifest::read(&Path::new(ROOT).join("static/models").join(dsl.name()), dsl).unwrap();
    manifest.expect("a manifest").default_method.to_string()
}

#[test]
fn without_a_method_the_models_folders_manifest_chooses_it() {
    let task = ["[3 1 2] -> [1 2 3]", "[5 4] -> [4 5]", "[0 -2 7] -> [-2 0 7]"];
    for dsl in [Dsl::RobustFill, Dsl::DeepCoder] {
        let examples: &[&str] = if dsl == Dsl::RobustFill { &["ab -> AB", "cd -> CD"] } else { &task };
        let out = run_synthesize(&["--dsl", dsl.name(), "--budget", "0", "--beam", "1"], examples);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(line(&stdout, "method: "), manifest_default(dsl), "{stdout}");
    }
    // A folder without a manifest runs ExeDec; `--method` overrides a manifest.
    let dir = common::temp("manifest");
    for kind in ["subgoal", "synthesizer", "no-subgoal"] {
        let file = format!("{kind}.exw");
        std::fs::copy(Path::new(ROOT).join("static/models/deepcoder").join(&file), dir.join(&file)).unwrap();
    }
    let models = dir.to_str().unwrap();
    let run = |extra: &[&str]| {
        let options = [&["--dsl", "deepcoder", "--models", models, "--budget", "0", "--beam", "1"], extra].concat();
        run_synthesize(&options, &task)
    };
    let method_of = |out: Output| line(&String::from_utf8_lossy(&out.stdout), "method: ").to_string();
    assert_eq!(method_of(run(&[])), "exedec");
    let manifest = r#"{"default_method": "no-subgoal", "methods": ["no-subgoal"]}"#;
    std::fs::write(dir.join("manifest.json"), manifest).unwrap();
    assert_eq!(method_of(run(&[])), "no-subgoal");
    assert_eq!(method_of(run(&["--method", "exedec"])), "exedec");
    // A malformed manifest is named in a clear error, not a panic.
    let unknown_method = r#"{"default_method": "magic", "methods": ["magic"]}"#;
    let default_not_offered = r#"{"default_method": "exedec", "methods": []}"#;
    for bad in [unknown_method, default_not_offered, "{"] {
        std::fs::write(dir.join("manifest.json"), bad).unwrap();
        let out = run(&[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{bad}: {stderr}");
        assert!(stderr.contains("manifest.json") && !stderr.contains("panicked"), "{bad}: {stderr}");
    }
}
