//! `exedec synthesize` on the shipped RobustFill models: ExeDec reads whole outputs only with
//! its SubgoalModel, so outputs longer than the SynthesizerModel's 20 tokens are accepted,
//! while inputs keep the SynthesizerModel's limit and are refused with a typed message.

use std::process::{Command, Output};

fn synthesize(examples: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_exedec"));
    cmd.args(["synthesize", "--dsl", "robustfill", "--beam", "2"]).env("RUST_BACKTRACE", "0");
    for e in examples {
        cmd.args(["--example", e]);
    }
    cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).output().expect("the exedec binary runs")
}

#[test]
fn exedec_takes_outputs_longer_than_its_synthesizer_reads() {
    let out = synthesize(&[
        "john smith -> Smith, John (john.smith@example.com)",
        "ada lovelace -> Lovelace, Ada (ada.lovelace@example.com)",
    ]);
    // The search ran (whether the small shipped models solve it or not: exit status 0 or 1).
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("solved in"), "{stdout}{stderr}");
    assert!(!stderr.contains("too long"), "{stderr}");
    // No line shows an empty program.
    assert!(!stdout.lines().any(|l| l.trim_end() == "program:"), "{stdout}");
}

#[test]
fn inputs_longer_than_the_models_read_are_refused() {
    let out = synthesize(&["abc -> x", "a string of thirty characters! -> x"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("example 2, input 1: too long for the model"), "{stderr}");
    assert!(stderr.contains("at most 20"), "{stderr}");
}
