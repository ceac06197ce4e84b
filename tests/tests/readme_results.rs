//! The results in README.md and RESULTS.md are the committed `exedec eval` reports' numbers,
//! not typed-in ones: every success rate and interval of their results tables is checked
//! against the report it comes from, every split-comparison report appears in its table, and
//! the stated generalization averages are recomputed from the reports.

use std::fs;

use exedec_core::eval::EvalReport;
use exedec_core::search::AnytimeConfig;
use exedec_core::{Dsl, Method, Split};
use exedec_tests::repo_root;

/// A report's success rate and 95% interval as the README writes them: `8.6% (7.0–10.5)`.
fn cell(r: &EvalReport) -> String {
    format!("{:.1}% ({:.1}–{:.1})", r.success_rate, r.ci95.0, r.ci95.1)
}

/// A committed report of `results/`, read as `exedec report` reads it.
fn report(name: &str) -> EvalReport {
    let path = repo_root().join("results").join(name);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(name: &str) -> String {
    fs::read_to_string(repo_root().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// README.md and RESULTS.md, one after the other.
fn documents() -> String {
    read("README.md") + "\n" + &read("RESULTS.md")
}

/// The cells of a Markdown table row (without the outer pipes), trimmed.
fn cells(row: &str) -> Vec<&str> {
    row.trim().trim_matches('|').split('|').map(str::trim).collect()
}

/// A method as the README names it ("ExeDec", "No-Subgoal", "Transformer baseline").
fn method(name: &str) -> Method {
    let name = name.trim_end_matches(" baseline").replace(' ', "-");
    name.parse().unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn rows_with_a_command_show_the_report_it_writes() {
    let mut checked = 0;
    for row in documents().lines().filter(|l| l.starts_with('|')) {
        let Some(at) = row.find("--out results/") else { continue };
        let file = row[at + "--out results/".len()..].split(['`', ' ']).next().unwrap_or_default();
        let r = report(file);
        assert!(row.contains(&cell(&r)), "a results row does not show {file}'s {}: {row}", cell(&r));
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} results rows with a command found");
    // README's headline table is among them.
    let readme = read("README.md");
    assert!(readme.lines().filter(|l| l.starts_with('|') && l.contains("--out results/")).count() >= 4);
}

/// The README's name of a DSL, as in the header of its split comparison table.
fn dsl_title(dsl: Dsl) -> &'static str {
    match dsl {
        Dsl::RobustFill => "RobustFill",
        Dsl::DeepCoder => "DeepCoder",
    }
}

#[test]
fn split_comparison_tables_are_the_committed_reports() {
    let readme = documents();
    let mut tables = 0;
    for dsl in [Dsl::RobustFill, Dsl::DeepCoder] {
        let header = format!(
            "| {} split | method | test (1000 released tasks) | its training distribution (500 tasks) |",
            dsl_title(dsl)
        );
        let mut split: Option<Split> = None;
        let mut rows = 0;
        if let Some(start) = readme.find(&header) {
            tables += 1;
            for row in readme[start..].lines().skip(2).take_while(|l| l.starts_with('|')) {
                let c = cells(row);
                assert_eq!(c.len(), 4, "{row}");
                if !c[0].is_empty() {
                    split = Some(
                        Split::ALL
                            .into_iter()
                            .find(|s| s.short_name() == c[0])
                            .unwrap_or_else(|| panic!("unknown split {:?}", c[0])),
                    );
                }
                let split = split.expect("the first row names its split");
                let stem = format!("cpu-{}-{}-{}", dsl.name(), split.name(), method(c[1]).name());
                assert_eq!(c[2], cell(&report(&format!("{stem}.json"))), "{row}");
                assert_eq!(c[3], cell(&report(&format!("{stem}-in-distribution.json"))), "{row}");
                rows += 1;
            }
        }
        // Every committed split report of the DSL is in its table (two files per row).
        let prefix = format!("cpu-{}-", dsl.name());
        let none = format!("{prefix}NONE-");
        let files = fs::read_dir(repo_root().join("results"))
            .expect("results/ is committed")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|f| f.starts_with(&prefix) && !f.starts_with(&none) && f.ends_with(".json"))
            .count();
        assert_eq!(files, 2 * rows, "{dsl} split reports in results/ vs rows of the README table");
    }
    assert!(tables >= 1, "no split comparison table found");
}

/// A DSL's five-split averages as the README states them, when all its split reports are
/// committed (DeepCoder's must be).
#[test]
fn stated_generalization_averages_are_the_reports() {
    let readme = documents().split_whitespace().collect::<Vec<_>>().join(" ");
    let splits = Split::GENERALIZATION;
    let mut checked = 0;
    for dsl in [Dsl::DeepCoder, Dsl::RobustFill] {
        let name = |s: Split, m: Method| format!("cpu-{}-{}-{}.json", dsl.name(), s.name(), m.name());
        let methods = [Method::Exedec, Method::NoSubgoal, Method::Transformer];
        let complete =
            splits.iter().all(|&s| methods.iter().all(|&m| repo_root().join("results").join(name(s, m)).exists()));
        if !complete {
            assert_ne!(dsl, Dsl::DeepCoder, "DeepCoder's five split reports are committed");
            continue;
        }
        let average =
            |m: Method| splits.iter().map(|&s| report(&name(s, m)).success_rate).sum::<f64>() / splits.len() as f64;
        let (exedec, no_subgoal, transformer) =
            (average(Method::Exedec), average(Method::NoSubgoal), average(Method::Transformer));
        let stated = format!("ExeDec {exedec:.1}%, No-Subgoal {no_subgoal:.1}%, the Transformer {transformer:.1}%");
        assert!(readme.contains(&stated), "README does not state the {dsl} averages: {stated}");
        let gap = format!("**{:+.1} points**", exedec - transformer);
        assert!(readme.contains(&gap), "README does not state the {dsl} gap: {gap}");
        checked += 1;
    }
    assert!(checked >= 1);
}

/// The beam-size sweep (`exedec sweep`, results/sweep): every row of each sweep table is its
/// point's report (tasks, success and interval, mean time, model calls), and RESULTS.md shows
/// each table as the sweep wrote it.
#[test]
fn beam_sweep_tables_are_the_sweep_reports() {
    let dir = repo_root().join("results/sweep");
    let results = read("RESULTS.md");
    let mut tables = 0;
    for entry in fs::read_dir(&dir).expect("results/sweep") {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("md") {
            continue;
        }
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        let table = fs::read_to_string(&path).unwrap();
        assert!(results.contains(table.trim_end()), "RESULTS.md does not show results/sweep/{stem}.md as written");
        let mut rows = 0;
        for row in table.lines().skip(2) {
            let c = cells(row);
            let r = report(&format!("sweep/{stem}-{}-beam{}.json", c[0], c[1]));
            assert_eq!(c[2], r.num_tasks.to_string(), "{stem}: {row}");
            let success = format!("{:.1} ({:.1}–{:.1})", r.success_rate, r.ci95.0, r.ci95.1);
            assert_eq!(c[3], success, "{stem}: {row}");
            assert_eq!(c[4], format!("{:.0}", r.mean_millis), "{stem}: {row}");
            assert_eq!(c[6], format!("{:.1}", r.mean_model_calls.expect("model calls counted")), "{stem}: {row}");
            rows += 1;
        }
        assert!(rows >= 3, "{stem}: {rows} rows");
        tables += 1;
    }
    assert!(tables >= 4, "{tables} sweep tables");

    // The summary: success per beam, one row per DSL, split and method.
    let header =
        results.lines().position(|l| l.starts_with("| sweep | method | beam 1 |")).expect("RESULTS.md's sweep summary");
    let beams: Vec<String> = cells(results.lines().nth(header).unwrap())[2..]
        .iter()
        .map(|c| c.trim_start_matches("beam ").to_string())
        .collect();
    let mut rows = 0;
    for row in results.lines().skip(header + 2).take_while(|l| l.starts_with('|')) {
        let c = cells(row);
        let stem = c[0].replace(' ', "-");
        for (beam, value) in beams.iter().zip(&c[2..]) {
            let r = report(&format!("sweep/{stem}-{}-beam{beam}.json", c[1]));
            assert_eq!(*value, format!("{:.1}", r.success_rate), "the sweep summary's row {row}, beam {beam}");
        }
        rows += 1;
    }
    assert!(rows >= 6, "{rows} rows in the sweep summary");
}

/// The learning curve (`exedec curve`, results/curve): every point report is a row of its DSL's
/// table with its success and interval, and RESULTS.md shows each table as the curve wrote it.
#[test]
fn learning_curve_tables_are_the_curve_reports() {
    let dir = repo_root().join("results/curve");
    let results = read("RESULTS.md");
    let mut points = 0;
    for dsl in ["deepcoder", "robustfill"] {
        let table = fs::read_to_string(dir.join(format!("{dsl}-NONE.md"))).expect("the curve's table");
        assert!(results.contains(table.trim_end()), "RESULTS.md does not show results/curve/{dsl}-NONE.md as written");
        let rows: Vec<Vec<&str>> = table.lines().skip(2).map(cells).collect();
        for entry in fs::read_dir(&dir).expect("results/curve") {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if !(name.starts_with(&format!("{dsl}-")) && name.ends_with(".json")) {
                continue;
            }
            let r = report(&format!("curve/{name}"));
            let row = rows
                .iter()
                .find(|c| c[4] == format!("`results/curve/{name}`"))
                .unwrap_or_else(|| panic!("results/curve/{name} is not in the {dsl} curve's table"));
            assert_eq!(row[0], r.method.to_string(), "{name}");
            assert_eq!(row[3], cell(&r), "{name}");
            assert!(!r.networks.is_empty(), "{name} records no networks");
            points += 1;
        }
    }
    assert!(points >= 8, "{points} curve points");
}

/// The recipe study (`scripts/recipe-study.sh`, results/recipe): README shows its table as
/// written, and each row's end-to-end success is its report's.
#[test]
fn recipe_table_is_the_study_reports() {
    let table = read("results/recipe/deepcoder-subgoal.md");
    assert!(read("README.md").contains(table.trim_end()), "README does not show results/recipe/deepcoder-subgoal.md");
    let mut rows = 0;
    for row in table.lines().skip(2) {
        let c = cells(row);
        let file = if c[0].starts_with("the shipped pair") {
            "recipe/deepcoder-shipped.json".to_string()
        } else {
            format!("recipe/deepcoder-subgoal-{}.json", c[0])
        };
        assert_eq!(c[9], cell(&report(&file)), "{row}");
        rows += 1;
    }
    assert!(rows >= 6, "{rows} rows");
}

/// The page's notice states what its models solve: each DSL's default method with the paper's
/// search at beam 10, and with the page's own search (the anytime search with its default time
/// limit, with valid subgoals and listed steps), from the committed reports of the shipped models.
#[test]
fn page_notice_states_the_shipped_models_reports() {
    let page = read("static/index.html");
    let start = page.find(r#"id="notice""#).expect("the page has a notice");
    let notice = &page[start..start + page[start..].find("</p>").expect("the notice ends")];
    let notice = notice.split_whitespace().collect::<Vec<_>>().join(" ");
    let budget: f64 = page
        .split(r#"id="budget""#)
        .nth(1)
        .and_then(|rest| rest.split(r#"value=""#).nth(1))
        .and_then(|rest| rest.split('"').next())
        .and_then(|v| v.parse().ok())
        .expect("the page's time limit field has a default value");
    assert!(notice.contains(&format!("{budget}-second search")), "{notice}");
    assert!(AnytimeConfig::default().search.constrain_subgoals, "the page decodes valid subgoals only");
    for dsl in [Dsl::RobustFill, Dsl::DeepCoder] {
        // The method each DSL starts with on the page, its reports at beam 10 (the paper's
        // search) and with the page's search (where ExeDec decodes valid subgoals only).
        let models = format!("static/models/{}", dsl.name());
        let manifest: serde_json::Value = serde_json::from_str(&read(&format!("{models}/manifest.json"))).unwrap();
        let method: Method = manifest["default_method"].as_str().expect("a default method").parse().unwrap();
        let name = format!("cpu-{}-NONE-{method}", dsl.name());
        let page_search = format!("{name}-anytime-constrained.json");
        let (beam, anytime) = (report(&format!("{name}.json")), report(&page_search));
        let command = |r: &EvalReport| r.command.clone().unwrap_or_default();
        assert!(!command(&beam).contains("--constrain-subgoals"), "the paper's search: {}", command(&beam));
        assert!(command(&anytime).contains("--constrain-subgoals"), "{page_search}");
        assert_eq!(anytime.budget_seconds, Some(budget), "{dsl}: the anytime report's time limit");
        for r in [&beam, &anytime] {
            assert_eq!(r.method, method);
            // Measured on the page's weight files (or byte-identical copies of them).
            for kind in method.networks() {
                let file = format!("{kind}.exw");
                let measured = fs::read(repo_root().join(&r.models).join(&file)).unwrap();
                assert!(measured == fs::read(repo_root().join(&models).join(&file)).unwrap(), "{}/{file}", r.models);
            }
            let rate = format!("{:.1}%", r.success_rate);
            assert!(notice.contains(&rate), "the page's notice does not state {dsl}'s {rate}: {notice}");
        }
    }
    // The other method the page offers RobustFill, with its search.
    let exedec = report("cpu-robustfill-NONE-exedec-anytime-constrained.json");
    assert!(notice.contains(&format!("{:.1}% with ExeDec", exedec.success_rate)), "{notice}");
}

#[test]
fn presets_tables_are_the_browser_reports() {
    let results = read("RESULTS.md");
    let start = results.find("## What the page's presets and docs examples get").expect("the presets section");
    let section = &results[start..start + 3 + results[start + 3..].find("\n## ").expect("a next section")];
    // The per-split counts of every DSL in every browser report the section names.
    let mut measured = Vec::new();
    let names = section.match_indices("results/browser-presets-").filter_map(|(i, _)| {
        section[i..].find(".json").map(|end| &section[i..i + end + 5]).filter(|n| !n.contains(char::is_whitespace))
    });
    for name in names {
        let report: serde_json::Value = serde_json::from_str(&read(name)).unwrap();
        for (dsl, splits) in report["splits"].as_object().expect("splits") {
            measured.push((dsl.clone(), splits.clone()));
        }
    }
    assert!(measured.len() >= 6, "the section names its reports");
    let mut rows = 0;
    let mut header: Vec<&str> = Vec::new();
    for line in section.lines().filter(|l| l.starts_with('|') && !l.starts_with("|---")) {
        let row = cells(line);
        if row[0] == "DSL" {
            header = row;
            continue;
        }
        let dsl = Dsl::ALL.into_iter().find(|d| dsl_title(*d) == row[0]).unwrap_or_else(|| panic!("{line}"));
        // "n / 15" in each split's column; the same counts as one of the reports.
        let claimed: Vec<(Split, &str)> = header
            .iter()
            .zip(&row)
            .filter_map(|(h, c)| {
                Split::ALL.into_iter().find(|s| s.short_name() == *h || s.name() == *h).map(|s| (s, *c))
            })
            .collect();
        assert_eq!(claimed.len(), 6, "{line}");
        let matches = measured.iter().any(|(d, splits)| {
            d == dsl.name()
                && claimed.iter().all(|(split, c)| {
                    let s = &splits[split.name()];
                    *c == format!("{} / {}", s["solved"], s["tasks"])
                })
        });
        assert!(matches, "no browser report has this row's counts: {line}");
        rows += 1;
    }
    assert!(rows >= 6, "{rows} rows");
}
