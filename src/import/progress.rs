//! How `threadgate import --from` shows its progress: a bar on a terminal (conversations
//! done of those listed, messages copied, their rate, time left), plain lines otherwise, one
//! per page written:
//! `page: room GENERAL +100 messages; 2 of 8 conversations, 1300 messages (650/s), 9 s left`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::time::{Duration, Instant};

/// Reports a copy.
pub struct CopyProgress {
    started: Instant,
    rooms_total: u64,
    rooms_done: u64,
    messages: u64,
    shown: Shown,
}

enum Shown {
    Bar(ProgressBar),
    Lines(Box<dyn Write + Send>),
}

impl CopyProgress {
    /// A bar on standard error when it is a terminal, plain lines on it otherwise.
    pub fn stderr() -> CopyProgress {
        use std::io::IsTerminal;
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            let template = "{wide_bar} {pos}/{len} conversations, {msg}, {eta} left";
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            CopyProgress::with(Shown::Bar(bar))
        } else {
            CopyProgress::lines(Box::new(std::io::stderr()))
        }
    }

    /// Plain lines into `out`.
    pub fn lines(out: Box<dyn Write + Send>) -> CopyProgress {
        CopyProgress::with(Shown::Lines(out))
    }

    fn with(shown: Shown) -> CopyProgress {
        CopyProgress {
            started: Instant::now(),
            rooms_total: 0,
            rooms_done: 0,
            messages: 0,
            shown,
        }
    }

    /// The conversations to copy are known.
    pub fn rooms(&mut self, total: u64) {
        self.rooms_total = total;
        match &mut self.shown {
            Shown::Bar(bar) => bar.set_length(total),
            Shown::Lines(out) => {
                let _ = writeln!(out, "listed {total} conversations");
            }
        }
    }

    /// A page of `messages` of room `room` is written.
    pub fn page(&mut self, room: &str, messages: u64) {
        self.messages += messages;
        let rate = rate(self.messages, self.started.elapsed());
        let left = self.left();
        match &mut self.shown {
            Shown::Bar(bar) => bar.set_message(format!("{} messages, {rate}/s", self.messages)),
            Shown::Lines(out) => {
                let left = left.map_or_else(String::new, |s| format!(", {s} s left"));
                let _ = writeln!(
                    out,
                    "page: room {room} +{messages} messages; {} of {} conversations, {} messages ({rate}/s){left}",
                    self.rooms_done, self.rooms_total, self.messages
                );
            }
        }
    }

    /// A conversation is copied whole.
    pub fn room_done(&mut self) {
        self.rooms_done += 1;
        if let Shown::Bar(bar) = &self.shown {
            bar.set_position(self.rooms_done);
        }
    }

    /// Seconds left at the pace of the conversations done so far.
    fn left(&self) -> Option<u64> {
        if self.rooms_done == 0 {
            return None;
        }
        let per_room = self.started.elapsed().as_secs_f64() / self.rooms_done as f64;
        let rest = self.rooms_total.saturating_sub(self.rooms_done) as f64;
        Some((per_room * rest).round() as u64)
    }

    /// The copy ended (whether or not it succeeded): the bar is cleared.
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
