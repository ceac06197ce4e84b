//! The training curve as a small self-contained SVG: training loss (left axis, log scale) and
//! validation token accuracy (right axis) against steps.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use crate::train::Metric;

const W: f64 = 720.0;
const H: f64 = 360.0;
const PAD: f64 = 56.0;

/// A line through `points` (SVG coordinates), for this file's curve and the sweep's plot.
pub(crate) fn polyline(points: &[(f64, f64)], color: &str, out: &mut String) {
    if points.is_empty() {
        return;
    }
    let pts: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let _ = writeln!(out, r#"<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{}"/>"#, pts.join(" "));
}

/// Renders the curve of `metrics` into an SVG document.
pub fn render(metrics: &[Metric], title: &str) -> String {
    let losses: Vec<(f64, f64)> =
        metrics.iter().filter_map(|m| m.loss.filter(|l| *l > 0.0).map(|l| (m.step as f64, l))).collect();
    let accs: Vec<(f64, f64)> =
        metrics.iter().filter_map(|m| m.validation_accuracy.map(|a| (m.step as f64, a))).collect();
    let max_step = metrics.iter().map(|m| m.step).max().unwrap_or(1).max(1) as f64;
    let (lo, hi) =
        losses.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &(_, l)| (a.min(l.ln()), b.max(l.ln())));
    let (lo, hi) = if lo.is_finite() && hi > lo { (lo, hi) } else { (lo.min(0.0), lo.max(0.0) + 1.0) };
    let x = |s: f64| PAD + (W - 2.0 * PAD) * s / max_step;
    let y_loss = |l: f64| H - PAD - (H - 2.0 * PAD) * (l.ln() - lo) / (hi - lo).max(1e-9);
    let y_acc = |a: f64| H - PAD - (H - 2.0 * PAD) * a;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(s, r#"<text x="{PAD}" y="20" font-size="14">{}</text>"#, title.replace('<', "&lt;"));
    let _ = writeln!(
        s,
        r##"<rect x="{PAD}" y="{PAD}" width="{}" height="{}" fill="none" stroke="#999"/>"##,
        W - 2.0 * PAD,
        H - 2.0 * PAD
    );
    let _ = writeln!(
        s,
        r##"<text x="{PAD}" y="{}" fill="#1f77b4">training loss (log) {:.3} … {:.3}</text>"##,
        H - 18.0,
        lo.exp(),
        hi.exp()
    );
    let _ = writeln!(
        s,
        r##"<text x="{}" y="{}" fill="#d62728" text-anchor="end">validation accuracy 0 … 100%</text>"##,
        W - PAD,
        H - 18.0
    );
    let _ = writeln!(s, r#"<text x="{}" y="{}" text-anchor="end">step {max_step:.0}</text>"#, W - PAD, H - PAD + 16.0);
    polyline(&losses.iter().map(|&(st, l)| (x(st), y_loss(l))).collect::<Vec<_>>(), "#1f77b4", &mut s);
    polyline(&accs.iter().map(|&(st, a)| (x(st), y_acc(a))).collect::<Vec<_>>(), "#d62728", &mut s);
    s.push_str("</svg>\n");
    s
}

/// Writes the curve (atomically).
pub fn write_curve(path: &Path, metrics: &[Metric], title: &str) -> Result<()> {
    exedec_core::data::shard::write_atomic(path, render(metrics, title).as_bytes())?;
    Ok(())
}
