//! `exedec llm`: the paper's few-shot LLM experiment against any OpenAI-compatible server
//! (a local llama.cpp or vLLM server, or a hosted API).
//!
//! Requests use temperature 0 and one sample, as the official runs. Every completion is
//! cached on disk under a hash of the request, so a rerun (or a run resumed after an
//! interruption) asks the server only for what it has not answered yet. Transient failures
//! (connection errors, timeouts, HTTP 429 and 5xx) are retried with exponential backoff; when
//! the retries run out, the run stops with the error instead of counting an unreachable server
//! as unsolved problems. Results are written in the `exedec eval` format, so `exedec report`
//! puts them in the same table (rows "LLM <style> (<model>)").

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use exedec_core::eval::{EvalReport, TaskResult, summarize};
use exedec_core::llm::{Attempt, Llm, LlmDsl, LlmError, LlmTask, PyVersion, Style, read_tasks, solve};
use exedec_core::{DeepCoder, Dsl, RobustFill, Split};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

/// The API flavour of the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Api {
    /// `POST {endpoint}/completions` with the prompt as is (the paper's setting).
    Completions,
    /// `POST {endpoint}/chat/completions` with the prompt as one user message.
    Chat,
}

/// How to reach the model.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL, e.g. `http://127.0.0.1:8080/v1`.
    pub endpoint: String,
    pub api: Api,
    pub model: String,
    pub api_key: Option<String>,
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first retry's delay; each later one doubles it.
    pub backoff: Duration,
    /// Per-request time limit.
    pub timeout: Duration,
    /// Completion cache folder (`None`: no cache).
    pub cache: Option<PathBuf>,
}

/// An OpenAI-compatible HTTP client with a disk cache and retries.
pub struct Client {
    config: ClientConfig,
    agent: ureq::Agent,
    /// Requests actually sent (not answered from the cache).
    pub requests: AtomicUsize,
}

enum Failure {
    Retry(String),
    Fatal(String),
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client> {
        if let Some(dir) = &config.cache {
            fs::create_dir_all(dir).with_context(|| format!("creating the cache folder {}", dir.display()))?;
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Client { config, agent, requests: AtomicUsize::new(0) })
    }

    fn url(&self) -> String {
        let base = self.config.endpoint.trim_end_matches('/');
        match self.config.api {
            Api::Completions => format!("{base}/completions"),
            Api::Chat => format!("{base}/chat/completions"),
        }
    }

    fn body(&self, prompt: &str, max_tokens: usize) -> Json {
        let mut body = json!({
            "model": self.config.model,
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "n": 1,
        });
        match self.config.api {
            Api::Completions => body["prompt"] = json!(prompt),
            Api::Chat => body["messages"] = json!([{"role": "user", "content": prompt}]),
        }
        body
    }

    fn cache_path(&self, url: &str, body: &Json) -> Option<PathBuf> {
        let dir = self.config.cache.as_ref()?;
        let mut h = Sha256::new();
        h.update(url.as_bytes());
        h.update([0]);
        h.update(body.to_string().as_bytes());
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Some(dir.join(format!("{hex}.json")))
    }

    fn send(&self, url: &str, body: &Json) -> std::result::Result<String, Failure> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut req = self.agent.post(url).header("Content-Type", "application/json");
        if let Some(key) = &self.config.api_key {
            req = req.header("Authorization", &format!("Bearer {key}"));
        }
        let mut resp = req.send(&body.to_string()).map_err(|e| Failure::Retry(e.to_string()))?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().map_err(|e| Failure::Retry(e.to_string()))?;
        if status == 429 || status >= 500 {
            return Err(Failure::Retry(format!("HTTP {status}: {}", text.chars().take(200).collect::<String>())));
        }
        if status != 200 {
            return Err(Failure::Fatal(format!("HTTP {status}: {}", text.chars().take(500).collect::<String>())));
        }
        let v: Json =
            serde_json::from_str(&text).map_err(|e| Failure::Fatal(format!("the answer is not JSON: {e}")))?;
        let choice = &v["choices"][0];
        let completion = match self.config.api {
            Api::Completions => choice["text"].as_str(),
            Api::Chat => choice["message"]["content"].as_str(),
        };
        completion.map(str::to_string).ok_or_else(|| Failure::Fatal(format!("no completion in the answer: {text}")))
    }
}

impl Llm for Client {
    fn complete(&self, prompt: &str, max_tokens: usize) -> std::result::Result<String, LlmError> {
        let url = self.url();
        let body = self.body(prompt, max_tokens);
        let cache = self.cache_path(&url, &body);
        if let Some(path) = &cache
            && let Ok(bytes) = fs::read(path)
            && let Some(c) =
                serde_json::from_slice::<Json>(&bytes).ok().and_then(|v| v["completion"].as_str().map(str::to_string))
        {
            return Ok(c);
        }
        let mut delay = self.config.backoff;
        let mut attempt = 0;
        let completion = loop {
            match self.send(&url, &body) {
                Ok(c) => break c,
                Err(Failure::Fatal(e)) => return Err(LlmError::Response(e)),
                Err(Failure::Retry(e)) if attempt >= self.config.retries => {
                    return Err(LlmError::Transport(format!("{e} (after {} attempts)", attempt + 1)));
                }
                Err(Failure::Retry(_)) => {
                    std::thread::sleep(delay);
                    delay = delay.saturating_mul(2);
                    attempt += 1;
                }
            }
        };
        if let Some(path) = &cache {
            let record = json!({"url": url, "request": body, "completion": completion});
            let tmp = path.with_extension("tmp");
            let written = fs::write(&tmp, record.to_string()).and_then(|_| fs::rename(&tmp, path));
            if let Err(e) = written {
                eprintln!("warning: could not cache a completion in {}: {e}", path.display());
            }
        }
        Ok(completion)
    }
}

/// Everything `exedec llm` needs.
#[derive(Debug, Clone)]
pub struct LlmArgs {
    pub dsl: Dsl,
    pub split: Split,
    pub style: Style,
    /// DeepCoder's Pythonic rendering (version 4) instead of version 1.
    pub pythonic: bool,
    pub client: ClientConfig,
    pub data: Option<PathBuf>,
    pub limit: Option<usize>,
    pub concurrency: usize,
    pub out: PathBuf,
    pub quiet: bool,
}

/// Runs the experiment and writes the report (and the calls beside it, `.calls.jsonl`).
pub fn run(args: LlmArgs, command: String) -> Result<EvalReport> {
    let text = match &args.data {
        Some(p) => fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
        None => crate::released::llm_data(args.dsl, args.split).to_string(),
    };
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    let client = Client::new(args.client.clone())?;
    let mut report = match args.dsl {
        Dsl::RobustFill => run_dsl(&RobustFill, &text, &args, &client)?,
        Dsl::DeepCoder => run_dsl(&DeepCoder, &text, &args, &client)?,
    };
    report.command = Some(command);
    exedec_core::data::shard::write_atomic(&args.out, serde_json::to_string_pretty(&report)?.as_bytes())?;
    if !args.quiet {
        eprintln!(
            "{} {} {}: solved {}/{} ({:.1}%, 95% CI {:.1}–{:.1}); {} requests sent; report in {}",
            args.dsl,
            args.split,
            args.style,
            report.solved,
            report.num_tasks,
            report.success_rate,
            report.ci95.0,
            report.ci95.1,
            client.requests.load(Ordering::Relaxed),
            args.out.display()
        );
    }
    Ok(report)
}

fn calls_path(out: &Path) -> PathBuf {
    let mut name = out.file_stem().map(|s| s.to_os_string()).unwrap_or_default();
    name.push(".calls.jsonl");
    out.with_file_name(name)
}

fn run_dsl<D: LlmDsl>(d: &D, text: &str, args: &LlmArgs, llm: &dyn Llm) -> Result<EvalReport> {
    let mut tasks: Vec<LlmTask<D>> = read_tasks(d, text).context("reading the LLM problems")?;
    if let Some(n) = args.limit {
        tasks.truncate(n);
    }
    let version = if args.pythonic {
        if args.dsl != Dsl::DeepCoder {
            bail!("--pythonic is a DeepCoder rendering (version 4)");
        }
        PyVersion::V4
    } else {
        PyVersion::V1
    };
    let bar = if args.quiet { ProgressBar::hidden() } else { ProgressBar::new(tasks.len() as u64) };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} solved {msg} [{elapsed_precise} < {eta_precise}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let next = AtomicUsize::new(0);
    let solved = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Mutex<Vec<(usize, TaskResult, Attempt)>> = Mutex::new(Vec::new());
    let failure: Mutex<Option<LlmError>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..args.concurrency.max(1) {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(task) = tasks.get(i) else { break };
                    let start = Instant::now();
                    match solve(d, task, args.style, version, llm) {
                        Ok(attempt) => {
                            if attempt.success {
                                solved.fetch_add(1, Ordering::Relaxed);
                            }
                            let millis = start.elapsed().as_secs_f64() * 1e3;
                            let result = TaskResult {
                                program: attempt.program.clone(),
                                steps: attempt.calls.len(),
                                ground_truth_steps: Some(d.steps(&task.test.program).len()),
                                error: attempt.error.clone(),
                                ..TaskResult::bare(task.index, attempt.success, millis)
                            };
                            if let Ok(mut r) = results.lock() {
                                r.push((i, result, attempt));
                            }
                            bar.inc(1);
                            bar.set_message(solved.load(Ordering::Relaxed).to_string());
                        }
                        Err(e) => {
                            stop.store(true, Ordering::Relaxed);
                            if let Ok(mut f) = failure.lock() {
                                f.get_or_insert(e);
                            }
                        }
                    }
                }
            });
        }
    });
    bar.finish_and_clear();
    if let Some(e) = failure.into_inner().ok().flatten() {
        bail!("{e}; the answers received so far are cached, so rerunning continues where this stopped");
    }
    let mut results = results.into_inner().map_err(|_| anyhow::anyhow!("a worker panicked"))?;
    results.sort_by_key(|(i, ..)| *i);
    let path = calls_path(&args.out);
    let mut w =
        std::io::BufWriter::new(fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?);
    for (_, r, a) in &results {
        let line = json!({"index": r.index, "success": a.success, "error": a.error, "calls": a.calls});
        writeln!(w, "{line}")?;
    }
    w.flush()?;
    let task_results: Vec<TaskResult> = results.into_iter().map(|(_, r, _)| r).collect();
    let mut report =
        summarize(args.dsl, args.split, args.style.method(), format!("llm:{}", args.client.model), 1, task_results);
    report.attribution = None;
    Ok(report)
}
