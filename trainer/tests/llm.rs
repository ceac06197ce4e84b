//! `exedec llm` end to end against a real HTTP server on 127.0.0.1 that answers from recorded
//! completions: the step-by-step loop with execution results fed back, the failure rule for
//! an answer outside the DSL, retries after HTTP 500, the completion cache, exhausted
//! retries and the request timeout.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

/// How the server answers.
struct Behaviour {
    /// (needles that must all be in the prompt's last problem, completion).
    recordings: Vec<(Vec<&'static str>, &'static str)>,
    /// Answer this many requests with HTTP 500 first.
    fail_first: usize,
    /// Answer every request with HTTP 500.
    always_fail: bool,
    /// Wait this long before answering.
    delay: Duration,
}

struct Server {
    url: String,
    requests: Arc<AtomicUsize>,
}

fn read_request(stream: &mut TcpStream) -> Option<Value> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn respond(stream: &mut TcpStream, status: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn serve(b: Behaviour) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/v1", listener.local_addr().expect("address"));
    let requests = Arc::new(AtomicUsize::new(0));
    let count = requests.clone();
    let b = Arc::new(b);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (b, count) = (b.clone(), count.clone());
            std::thread::spawn(move || {
                let Some(req) = read_request(&mut stream) else { return };
                let n = count.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(b.delay);
                if b.always_fail || n < b.fail_first {
                    return respond(&mut stream, "500 Internal Server Error", r#"{"error": "overloaded"}"#);
                }
                assert_eq!(req["temperature"], 0.0);
                let prompt = req["prompt"].as_str().unwrap_or_default();
                let last = prompt.rsplit("[BEGIN PROBLEM]").next().unwrap_or_default();
                match b.recordings.iter().find(|(needles, _)| needles.iter().all(|n| last.contains(n))) {
                    Some((_, completion)) => {
                        respond(&mut stream, "200 OK", &json!({"choices": [{"text": completion}]}).to_string())
                    }
                    None => respond(
                        &mut stream,
                        "400 Bad Request",
                        &json!({"error": format!("no recording for {last}")}).to_string(),
                    ),
                }
            });
        }
    });
    Server { url, requests }
}

fn llm(server: &Server, extra: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exedec"))
        .args(["llm", "--dsl", "deepcoder", "--split", "NONE", "--model", "recorded", "--quiet"])
        .args(["--endpoint", &server.url, "--out"])
        .arg(out)
        .args(extra)
        .env_remove("OPENAI_API_KEY")
        .output()
        .expect("exedec runs")
}

/// The first three released DeepCoder NONE problems: Filter (%2==1); Scanl1 (-) then
/// ZipWith (-); and a third answered outside the DSL.
fn recordings() -> Vec<(Vec<&'static str>, &'static str)> {
    vec![
        (
            vec!["Case 1. x0 = [5, 8, 1] --> [5, 1]", "Step 1 computes:\n"],
            "  Case 1. x1 = [5, 1]\n  Case 2. x1 = []\n  Case 3. x1 = [5]\n\nStep 1 code:\n```python\nx1 = dsl.Filter(dsl.IS_ODD, x0)\n```\n",
        ),
        // Step 2 is only answered if step 1's actual results were fed back.
        (
            vec!["Case 2. x0 = [2, 0, 2] --> [0, 2, -2]", "Case 2. x1 = [2, 2, 0]\n", "Step 2 computes:\n"],
            "  Case 1. x2 = []\n\nStep 2 code:\n```python\nx2 = dsl.ZipWith(dsl.SUBTRACT, x1, x0)\n```",
        ),
        (
            vec!["Case 2. x0 = [2, 0, 2] --> [0, 2, -2]", "Step 1 computes:\n"],
            "...\nStep 1 code:\n```python\nx1 = dsl.Scanl1(dsl.SUBTRACT, x0)\n```",
        ),
        (vec!["Case 1. x0 = [2, 5], x1 = [5] --> [6, 15]"], "```python\nx2 = sorted(x0, reverse=True)\n```"),
    ]
}

#[test]
fn exedec_prompting_retries_caches_and_reports() {
    let dir = std::env::temp_dir().join(format!("exedec-llm-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let server =
        serve(Behaviour { recordings: recordings(), fail_first: 1, always_fail: false, delay: Duration::ZERO });
    let out = dir.join("dc-none-exedec.json");
    let cache = dir.join("cache");
    let cache_arg = cache.to_str().unwrap().to_string();
    let args = ["--style", "exedec", "--limit", "3", "--concurrency", "2", "--backoff-ms", "10", "--cache", &cache_arg];

    let run = llm(&server, &args, &out);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    // 4 answered calls (1 + 2 + 1) and the one answered with HTTP 500 first.
    assert_eq!(server.requests.load(Ordering::SeqCst), 5);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["num_tasks"], 3);
    assert_eq!(report["solved"], 2);
    assert_eq!(report["method"], "exedec");
    assert_eq!(report["models"], "llm:recorded");
    let tasks = report["tasks"].as_array().unwrap();
    let solved: Vec<bool> = tasks.iter().map(|t| t["solved"].as_bool().unwrap()).collect();
    assert_eq!(solved, [true, true, false]);
    assert_eq!(tasks[1]["steps"], 2);
    assert!(tasks[2]["error"].as_str().unwrap().contains("not a step of the DSL"));
    let calls = std::fs::read_to_string(dir.join("dc-none-exedec.calls.jsonl")).unwrap();
    assert_eq!(calls.lines().count(), 3);

    // A rerun is answered from the cache: the server sees no new request.
    let rerun = llm(&server, &args, &out);
    assert!(rerun.status.success(), "{}", String::from_utf8_lossy(&rerun.stderr));
    assert_eq!(server.requests.load(Ordering::SeqCst), 5);
    let again: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(again["solved"], 2);

    // The report command tables it as an LLM row.
    let table = Command::new(env!("CARGO_BIN_EXE_exedec")).arg("report").arg(&out).output().unwrap();
    assert!(String::from_utf8_lossy(&table.stdout).contains("LLM exedec (recorded)"));
    // With --by-length, a row of success by the ground-truth program's length follows.
    let table = Command::new(env!("CARGO_BIN_EXE_exedec")).args(["report", "--by-length"]).arg(&out).output().unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("| DSL | split | method | length "), "{table}");
    assert!(table.contains("| deepcoder | None | LLM exedec (recorded) |"), "{table}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unreachable_server_stops_the_run_with_the_reason() {
    let dir = std::env::temp_dir().join(format!("exedec-llm-fail-{}", std::process::id()));
    let out = dir.join("r.json");
    let failing = serve(Behaviour { recordings: vec![], fail_first: 0, always_fail: true, delay: Duration::ZERO });
    let run = llm(
        &failing,
        &["--style", "baseline", "--limit", "1", "--retries", "2", "--backoff-ms", "5", "--no-cache"],
        &out,
    );
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("HTTP 500") && err.contains("3 attempts"), "{err}");
    assert_eq!(failing.requests.load(Ordering::SeqCst), 3);
    assert!(!out.exists(), "no report for a run that could not reach the model");

    let slow =
        serve(Behaviour { recordings: recordings(), fail_first: 0, always_fail: false, delay: Duration::from_secs(3) });
    let run =
        llm(&slow, &["--style", "baseline", "--limit", "1", "--retries", "0", "--timeout", "1", "--no-cache"], &out);
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr).to_lowercase();
    assert!(err.contains("timeout") || err.contains("timed out"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
