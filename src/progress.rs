//! One place that makes progress indicators: a spinner on stderr for each long step (with the
//! rows read and the rate for each activity file), hidden when stderr is not a terminal or the
//! user asked for quiet.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Whether progress may be drawn at all, and whether step timings are printed
/// (`RIGHTSIZE_TIMINGS=1`: one `timing: <step> <seconds>` line on stderr per step, for
/// profiling a large tenant).
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    visible: bool,
    timings: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        Progress {
            visible: !quiet && std::io::stderr().is_terminal(),
            timings: std::env::var_os("RIGHTSIZE_TIMINGS")
                .is_some_and(|v| v != "0" && !v.is_empty()),
        }
    }

    /// A step that draws nothing but is timed (when timings are asked for).
    pub fn timing(&self, name: impl Into<String>) -> Step {
        Step {
            bar: ProgressBar::hidden(),
            timing: self.timings.then(|| (name.into(), Instant::now())),
        }
    }

    /// A spinner for reading one file, counting its rows as they stream through the query
    /// (`Step::counter` hands the count to the reader).
    pub fn rows(&self, message: impl Into<String>) -> Step {
        let step = self.step(message);
        step.bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg}: {human_pos} rows ({per_sec:0}, {elapsed})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        step
    }

    /// A spinner with a message; finish it with `finish_and_clear`.
    pub fn step(&self, message: impl Into<String>) -> Step {
        let message = message.into();
        let timing = self.timings.then(|| (message.clone(), Instant::now()));
        if !self.visible {
            return Step {
                bar: ProgressBar::hidden(),
                timing,
            };
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message);
        bar.enable_steady_tick(Duration::from_millis(120));
        Step { bar, timing }
    }
}

/// One step's spinner (and its timing, when asked for).
pub struct Step {
    bar: ProgressBar,
    timing: Option<(String, Instant)>,
}

impl Step {
    pub fn set_message(&self, message: impl Into<std::borrow::Cow<'static, str>>) {
        self.bar.set_message(message);
    }

    /// A handle the reading threads advance by the rows they have read.
    pub fn counter(&self) -> ProgressBar {
        self.bar.clone()
    }

    pub fn finish_and_clear(self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        if let Some((name, start)) = self.timing.take() {
            eprintln!("timing: {name} {:.2} s", start.elapsed().as_secs_f64());
        }
    }
}
