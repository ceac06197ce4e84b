//! Small self-contained SVG plots: the training curve (training loss, left axis, log scale, and
//! validation token accuracy, right axis, against steps) and the pieces the sweep's and the
//! learning curve's plots share.

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

/// The colours of a plot's lines, in order.
pub(crate) const COLORS: [&str; 6] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

/// Text for SVG.
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;")
}

/// The start of an SVG document of `w` × `h`: a white background, the title and the frame of
/// the plot area, `pad` inside the edges. The caller adds the lines and closes it with `</svg>`.
pub(crate) fn open_svg(w: f64, h: f64, pad: f64, title: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(s, r#"<text x="{pad}" y="24" font-size="14">{}</text>"#, esc(title));
    let _ = writeln!(
        s,
        r##"<rect x="{pad}" y="{pad}" width="{}" height="{}" fill="none" stroke="#999"/>"##,
        w - 2.0 * pad,
        h - 2.0 * pad
    );
    s
}

/// The captions of a success plot's axes: `x_title` under the frame, and the percentages of
/// the y axis at its quarters up to `top` (`y` maps a percentage to its coordinate).
pub(crate) fn success_axes(
    s: &mut String,
    (w, h, pad): (f64, f64, f64),
    x_title: &str,
    top: f64,
    y: impl Fn(f64) -> f64,
) {
    let _ = writeln!(s, r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#, w / 2.0, h - 16.0, esc(x_title));
    for i in 0..=4 {
        let pct = top * f64::from(i) / 4.0;
        let _ = writeln!(s, r#"<text x="{}" y="{:.1}" text-anchor="end">{pct:.0}%</text>"#, pad - 6.0, y(pct) + 4.0);
    }
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
    let mut s = open_svg(W, H, PAD, title);
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
