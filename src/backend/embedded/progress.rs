//! How `threadgate import` shows its progress: a bar (records, rate, time left) on a
//! terminal, plain lines otherwise (every second or every 100,000 records):
//! `imported 300000 of 1020001 records (57000/s)`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::time::{Duration, Instant};

/// Plain lines come at least this many records apart, or this long apart.
const LINE_EVERY_RECORDS: u64 = 100_000;
const LINE_EVERY: Duration = Duration::from_secs(1);
/// The clock is read once every this many records.
const CHECK_EVERY: u64 = 1024;

/// Reports an import of `total` records.
pub struct ImportProgress {
    total: u64,
    started: Instant,
    shown: Shown,
}

enum Shown {
    Bar(ProgressBar),
    Lines {
        out: Box<dyn Write + Send>,
        last_at: Instant,
        last_done: u64,
    },
}

impl ImportProgress {
    /// A bar on standard error when it is a terminal, plain lines on it otherwise.
    pub fn stderr(total: u64) -> ImportProgress {
        use std::io::IsTerminal;
        if std::io::stderr().is_terminal() {
            ImportProgress::bar(total)
        } else {
            ImportProgress::lines(total, Box::new(std::io::stderr()))
        }
    }

    fn bar(total: u64) -> ImportProgress {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let template = "{wide_bar} {human_pos}/{human_len} records, {rate}, {eta} left";
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.with_key(
                "rate",
                |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
                    let _ = write!(out, "{:.0}/s", state.per_sec());
                },
            ));
        }
        ImportProgress {
            total,
            started: Instant::now(),
            shown: Shown::Bar(bar),
        }
    }

    /// Plain lines into `out`.
    pub fn lines(total: u64, out: Box<dyn Write + Send>) -> ImportProgress {
        let now = Instant::now();
        ImportProgress {
            total,
            started: now,
            shown: Shown::Lines {
                out,
                last_at: now,
                last_done: 0,
            },
        }
    }

    /// `done` records are imported.
    pub fn update(&mut self, done: u64) {
        if done % CHECK_EVERY != 0 && done != self.total {
            return;
        }
        let rate = rate(done, self.started.elapsed());
        match &mut self.shown {
            Shown::Bar(bar) => bar.set_position(done),
            Shown::Lines {
                out,
                last_at,
                last_done,
            } => {
                let due = done == self.total
                    || done >= *last_done + LINE_EVERY_RECORDS
                    || last_at.elapsed() >= LINE_EVERY;
                if due && done > *last_done {
                    let _ = writeln!(out, "{}", line(done, self.total, rate));
                    *last_at = Instant::now();
                    *last_done = done;
                }
            }
        }
    }

    /// The import ended (whether or not it succeeded): the bar is cleared.
    pub fn finish(&mut self) {
        if let Shown::Bar(bar) = &self.shown {
            bar.finish_and_clear();
        }
    }
}

fn rate(done: u64, elapsed: Duration) -> u64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        (done as f64 / secs) as u64
    } else {
        0
    }
}

/// `imported 300000 of 1020001 records (57000/s)`
pub fn line(done: u64, total: u64, per_sec: u64) -> String {
    format!("imported {done} of {total} records ({per_sec}/s)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn plain_lines_come_every_100k_records() {
        assert_eq!(
            line(300_000, 1_020_001, 57_000),
            "imported 300000 of 1020001 records (57000/s)"
        );
        let sink = Sink::default();
        let mut progress = ImportProgress::lines(250_001, Box::new(sink.clone()));
        for done in 1..=250_001 {
            progress.update(done);
        }
        progress.finish();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // Every 100k (rounded up to the clock check), then the last record; more when slow.
        assert!(lines.len() >= 3, "{text}");
        assert!(lines[0].starts_with("imported 10"), "{text}");
        assert!(
            lines
                .last()
                .unwrap()
                .starts_with("imported 250001 of 250001 records ("),
            "{text}"
        );
    }
}
