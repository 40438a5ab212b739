//! The report on the admin listener: `GET /shadow/report` (JSON) and `GET /shadow/` (one HTML
//! page, no external assets, every value escaped), and `POST /shadow/reset`.

use super::stats::{verdict, Counts, Sample, NOISE_FACTOR, NOISE_MARGIN};
use super::ShadowState;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::Ordering;

/// The whole report, as `GET /shadow/report` serves it.
#[derive(Debug, Serialize)]
pub struct Report {
    pub since_usec: i64,
    pub backend: String,
    pub sample: f64,
    pub noise_sample: f64,
    pub ignore: Vec<String>,
    pub rule: String,
    /// Shadow calls queued or running now.
    pub pending: u64,
    /// Outcomes of the shadowed queries: `match`, `differ`, `error`, `timeout`, `skipped`
    /// (the primary failed), and `dropped` (the queue was full).
    pub requests: BTreeMap<&'static str, u64>,
    /// One row per path, by difference rate, highest first.
    pub paths: Vec<Row>,
    /// One row per dialect, route and path.
    pub routes: Vec<Row>,
    /// The newest differences first.
    pub samples: Vec<SampleRow>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialect: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<&'static str>,
    pub path: String,
    pub compared: u64,
    pub differed: u64,
    pub rate: f64,
    pub noise_compared: u64,
    pub noise_differed: u64,
    /// `None` before the primary was asked twice for this path.
    pub noise_rate: Option<f64>,
    /// `same`, `noise` or `difference`.
    pub verdict: &'static str,
}

#[derive(Debug, Serialize)]
pub struct SampleRow {
    #[serde(flatten)]
    pub sample: Sample,
    /// The verdict of its path now.
    pub verdict: &'static str,
}

fn row(
    dialect: Option<&'static str>,
    route: Option<&'static str>,
    path: &str,
    c: &Counts,
    noise: f64,
) -> Row {
    Row {
        dialect,
        route,
        path: path.to_owned(),
        compared: c.compared,
        differed: c.differed,
        rate: c.rate(),
        noise_compared: c.noise_compared,
        noise_differed: c.noise_differed,
        noise_rate: c.noise_rate(),
        verdict: verdict(c, noise),
    }
}

impl ShadowState {
    /// The report of everything seen since the start or the last reset.
    pub fn report(&self) -> Report {
        let stats = self.stats();
        let by_path = stats.by_path();
        let mut paths: Vec<Row> = by_path
            .iter()
            .map(|(p, c)| row(None, None, p, c, c.noise_rate().unwrap_or(0.0)))
            .collect();
        paths.sort_by(|a, b| b.rate.total_cmp(&a.rate).then_with(|| a.path.cmp(&b.path)));
        let mut routes: Vec<Row> = stats
            .by_route()
            .map(|((d, r, p), c)| {
                let noise = c
                    .noise_rate()
                    .or_else(|| by_path.get(p.as_str()).and_then(Counts::noise_rate))
                    .unwrap_or(0.0);
                row(Some(d), Some(r), p, c, noise)
            })
            .collect();
        routes.sort_by(|a, b| (a.dialect, a.route, &a.path).cmp(&(b.dialect, b.route, &b.path)));
        let verdicts: BTreeMap<&str, &'static str> =
            paths.iter().map(|r| (r.path.as_str(), r.verdict)).collect();
        let samples = stats
            .samples()
            .rev()
            .map(|s| SampleRow {
                verdict: verdicts.get(s.path.as_str()).copied().unwrap_or("same"),
                sample: s.clone(),
            })
            .collect();
        let mut requests = stats.outcomes().clone();
        requests.insert("dropped", self.dropped.load(Ordering::Relaxed));
        Report {
            since_usec: stats.since_usec,
            backend: self.label.clone(),
            sample: self.sample,
            noise_sample: self.noise_sample,
            ignore: self.ignore_paths.clone(),
            rule: format!(
                "a path is a difference when it differed and the primary never differed from \
                 itself on it, or when its difference rate > noise rate × {NOISE_FACTOR} + \
                 {NOISE_MARGIN}; noise when it differed but not that much more than the \
                 primary from itself; rates count requests"
            ),
            pending: self.pending.load(Ordering::Relaxed),
            requests,
            paths,
            routes,
            samples,
        }
    }

    /// `GET /shadow/report`.
    pub fn report_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(&self.report()).unwrap_or_else(|e| {
            format!("{{\"error\":\"cannot render the report: {e}\"}}").into_bytes()
        })
    }

    /// `GET /shadow/`.
    pub fn report_html(&self) -> String {
        html(&self.report())
    }
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2430;background:#f6f7f9}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.sub{color:#5b6575;margin:0 0 16px}\
.cards{display:flex;gap:10px;flex-wrap:wrap}.card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:8px 14px;min-width:90px}\
.card b{display:block;font-size:20px}.card span{color:#5b6575;font-size:12px}\
table{border-collapse:collapse;background:#fff;border:1px solid #dde1e7;width:100%}\
th,td{padding:6px 10px;border-bottom:1px solid #eceff3;text-align:left;vertical-align:middle}\
th{background:#eef1f5;font-size:12px;text-transform:uppercase;color:#5b6575}td.n{text-align:right;font-variant-numeric:tabular-nums}\
code{font:12.5px ui-monospace,monospace}.bar{background:#eceff3;border-radius:3px;width:160px;height:10px;display:inline-block;vertical-align:middle;margin-right:6px}\
.bar i{display:block;height:10px;border-radius:3px}.d i{background:#d64545}.z i{background:#8a94a6}\
.v{font-size:12px;font-weight:600;padding:2px 8px;border-radius:10px}.v-difference{background:#fde2e2;color:#a12020}\
.v-noise{background:#fff1cc;color:#7a5a00}.v-same{background:#e1f5e6;color:#1e6b34}\
.sample{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:12px 0;padding:10px 14px}\
.sample h3{font-size:14px;margin:0 0 4px}.meta{color:#5b6575;font-size:12px;margin-bottom:8px}\
.sides{display:grid;grid-template-columns:1fr 1fr;gap:10px}.sides div>b{font-size:12px;color:#5b6575}\
pre{margin:4px 0 0;background:#f6f7f9;border:1px solid #eceff3;padding:8px;overflow:auto;max-height:320px;white-space:pre-wrap;word-break:break-word;font:12px ui-monospace,monospace}\
mark{background:#ffd6d6;color:#8a1010;border-radius:2px}";

/// The report as one page a person reads at a glance.
pub fn html(r: &Report) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>threadgate shadow \
         comparison</title><style>{STYLE}</style></head><body><h1>Shadow comparison</h1>\
         <p class=\"sub\">primary against <code>{}</code> · sample {} · noise sample {} · \
         ignored: {}</p><div class=\"cards\">",
        esc(&r.backend),
        r.sample,
        r.noise_sample,
        if r.ignore.is_empty() {
            "none".to_owned()
        } else {
            r.ignore
                .iter()
                .map(|p| format!("<code>{}</code>", esc(p)))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    let differences = r.paths.iter().filter(|p| p.verdict == "difference").count();
    let _ = write!(
        out,
        "<div class=\"card\"><b>{differences}</b><span>paths that differ</span></div>"
    );
    for key in ["match", "differ", "error", "timeout", "dropped", "skipped"] {
        let n = r.requests.get(key).copied().unwrap_or(0);
        let _ = write!(
            out,
            "<div class=\"card\"><b>{n}</b><span>{key}</span></div>"
        );
    }
    out.push_str("</div><h2>Paths, by difference rate</h2><table id=\"paths\"><thead><tr><th>path</th><th>verdict</th><th>differed / compared</th><th>difference rate</th><th>noise rate</th></tr></thead><tbody>");
    for p in &r.paths {
        paths_row(&mut out, p);
    }
    if r.paths.is_empty() {
        out.push_str("<tr><td colspan=\"5\">nothing compared yet</td></tr>");
    }
    out.push_str("</tbody></table>");
    let _ = write!(out, "<h2>Samples, newest first ({})</h2>", r.samples.len());
    for s in &r.samples {
        sample(&mut out, s);
    }
    let _ = write!(
        out,
        "<p class=\"sub\">Rule: {}.</p></body></html>",
        esc(&r.rule)
    );
    out
}

fn bar(out: &mut String, class: &str, rate: Option<f64>) {
    match rate {
        Some(rate) => {
            let _ = write!(
                out,
                "<td><span class=\"bar {class}\"><i style=\"width:{:.1}%\"></i></span>{:.1}%</td>",
                rate * 100.0,
                rate * 100.0
            );
        }
        None => out.push_str("<td>–</td>"),
    }
}

fn paths_row(out: &mut String, p: &Row) {
    let _ = write!(
        out,
        "<tr class=\"row-{v}\" data-path=\"{path}\"><td><code>{path}</code></td><td><span class=\"v v-{v}\">{v}</span></td><td class=\"n\">{} / {}</td>",
        p.differed,
        p.compared,
        v = p.verdict,
        path = esc(&p.path),
    );
    bar(out, "d", Some(p.rate));
    bar(out, "z", p.noise_rate);
    out.push_str("</tr>");
}

fn sample(out: &mut String, s: &SampleRow) {
    let a = serde_json::to_string_pretty(&s.sample.primary).unwrap_or_default();
    let b = serde_json::to_string_pretty(&s.sample.shadow).unwrap_or_default();
    let (pa, pb) = marked(&a, &b);
    let _ = write!(
        out,
        "<section class=\"sample\"><h3><code>{}</code> <span class=\"v v-{v}\">{v}</span></h3>\
         <div class=\"meta\">{} {} · request {} · {}</div><div class=\"sides\"><div><b>primary</b>\
         <pre>{pa}</pre></div><div><b>shadow</b><pre>{pb}</pre></div></div></section>",
        esc(&s.sample.at),
        esc(s.sample.dialect),
        esc(s.sample.route),
        esc(s.sample.request_id.as_deref().unwrap_or("–")),
        esc(&s.sample.query),
        v = s.verdict,
    );
}

/// Both texts escaped, with the part where they differ (between their common prefix and
/// common suffix) marked.
fn marked(a: &str, b: &str) -> (String, String) {
    let (ac, bc): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let prefix = ac.iter().zip(&bc).take_while(|(x, y)| x == y).count();
    let max_suffix = ac.len().min(bc.len()) - prefix;
    let suffix = ac
        .iter()
        .rev()
        .zip(bc.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    let mark = |c: &[char]| {
        let s = |r: &[char]| esc(&r.iter().collect::<String>());
        let (head, rest) = c.split_at(prefix);
        let (mid, tail) = rest.split_at(rest.len() - suffix);
        if mid.is_empty() {
            format!("{}{}", s(head), s(tail))
        } else {
            format!("{}<mark>{}</mark>{}", s(head), s(mid), s(tail))
        }
    };
    (mark(&ac), mark(&bc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_only_the_differing_middle_and_escapes() {
        let (a, b) = marked("\"a <b> c\"", "\"a <x> c\"");
        assert_eq!(a, "&quot;a &lt;<mark>b</mark>&gt; c&quot;");
        assert_eq!(b, "&quot;a &lt;<mark>x</mark>&gt; c&quot;");
        let (a, b) = marked("null", "{}");
        assert_eq!(
            (a.as_str(), b.as_str()),
            ("<mark>null</mark>", "<mark>{}</mark>")
        );
        let (a, b) = marked("same", "same");
        assert_eq!((a.as_str(), b.as_str()), ("same", "same"));
    }
}
