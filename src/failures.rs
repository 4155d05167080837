//! [`FailureReport`]: a failure that may repeat many times a second (an
//! accept out of file descriptors), reported to stderr at most once per
//! period, with how many there were.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tame::time::Timer;
use tame::Event;

/// A failure that may repeat many times a second (an accept out of file
/// descriptors) reported at most once per `every`, with how many there
/// were since the last report: the servers' logs say what happens without
/// a line per failure. The first is reported at once; those that come
/// within `every` of a report are counted, and reported together once
/// `every` has passed since it (a timer on the loop), or when the report
/// is dropped, whichever comes first: the last burst's count is never
/// lost.
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use std::time::Duration;
/// use tame_suite::FailureReport;
///
/// let lines = Rc::new(RefCell::new(Vec::new()));
/// let out = lines.clone();
/// let mut report = FailureReport::with_output(Duration::from_millis(20), move |line: String| {
///     out.borrow_mut().push(line)
/// });
/// for _ in 0..3 {
///     report.failed(|n| format!("accept failed ({n} since the last report)"));
/// }
/// assert_eq!(lines.borrow().len(), 1); // the first, at once
/// tame::run(); // 20 ms later, the two that followed
/// assert_eq!(
///     *lines.borrow(),
///     ["accept failed (1 since the last report)", "accept failed (2 since the last report)"]
/// );
/// ```
pub struct FailureReport {
    every: Duration,
    counts: Rc<RefCell<Counts>>,
    /// Armed while failures wait to be reported.
    flush: Option<Timer>,
}

/// What a report and its timer share.
struct Counts {
    /// Failures not reported yet.
    unreported: u64,
    /// When the last report was written.
    last: Option<Instant>,
    /// The line of the last failure not reported yet, given the count.
    line: Option<Box<dyn FnOnce(u64) -> String>>,
    out: Box<dyn Fn(String)>,
}

impl Counts {
    /// Writes the unreported failures' line, if there are any.
    fn report(&mut self) {
        let n = std::mem::take(&mut self.unreported);
        if let Some(line) = self.line.take() {
            if n > 0 {
                (self.out)(line(n));
                self.last = Some(Instant::now());
            }
        }
    }
}

impl FailureReport {
    /// Reports to stderr (as [`log_line!`](crate::log_line) does) at most
    /// once per `every`.
    pub fn new(every: Duration) -> FailureReport {
        FailureReport::with_output(every, |line: String| crate::log_line!("{line}"))
    }

    /// Reports through `out`, at most once per `every`.
    pub fn with_output(every: Duration, out: impl Fn(String) + 'static) -> FailureReport {
        FailureReport {
            every,
            counts: Rc::new(RefCell::new(Counts {
                unreported: 0,
                last: None,
                line: None,
                out: Box::new(out),
            })),
            flush: None,
        }
    }

    /// Counts a failure, whose report `line` writes given the number of
    /// failures it stands for (this one and those not reported before it):
    /// now if no report was written within `every`, else once `every` has
    /// passed since the last one (the latest failure's `line` then stands
    /// for all of them).
    pub fn failed(&mut self, line: impl FnOnce(u64) -> String + 'static) {
        let mut counts = self.counts.borrow_mut();
        counts.unreported += 1;
        counts.line = Some(Box::new(line));
        let since = counts.last.map(|t| t.elapsed());
        match since {
            Some(since) if since < self.every => {
                if self.flush.as_ref().is_none_or(|t| !t.is_armed()) {
                    let later = Rc::downgrade(&self.counts);
                    let due = Event::from_fn(move |fired: Option<()>| {
                        if let (Some(()), Some(counts)) = (fired, later.upgrade()) {
                            counts.borrow_mut().report();
                        }
                    });
                    self.flush = Some(Timer::after(self.every - since, due));
                }
            }
            _ => counts.report(),
        }
    }
}

impl Drop for FailureReport {
    /// Writes the failures not reported yet (the timer that would have is
    /// disarmed with its handle).
    fn drop(&mut self) {
        self.flush = None;
        self.counts.borrow_mut().report();
    }
}

impl std::fmt::Debug for FailureReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let counts = self.counts.borrow();
        f.debug_struct("FailureReport")
            .field("every", &self.every)
            .field("unreported", &counts.unreported)
            .field("last", &counts.last)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collecting(every: Duration) -> (FailureReport, Rc<RefCell<Vec<String>>>) {
        let lines = Rc::new(RefCell::new(Vec::new()));
        let out = lines.clone();
        let report = FailureReport::with_output(every, move |line| out.borrow_mut().push(line));
        (report, lines)
    }

    /// A burst's last failures, with none after them, were counted and
    /// never written.
    #[test]
    fn the_last_burst_is_reported_when_its_period_is_over() {
        let (mut report, lines) = collecting(Duration::from_millis(10));
        for i in 0..5 {
            report.failed(move |n| format!("failure {i}: {n}"));
        }
        assert_eq!(*lines.borrow(), ["failure 0: 1"]);
        tame::run();
        assert_eq!(*lines.borrow(), ["failure 0: 1", "failure 4: 4"]);
        // The next failure, a period after that report, is written at once.
        std::thread::sleep(Duration::from_millis(10));
        report.failed(|n| format!("later: {n}"));
        assert_eq!(lines.borrow().last().unwrap(), "later: 1");
    }

    #[test]
    fn failures_not_reported_yet_are_reported_when_the_report_goes() {
        let (mut report, lines) = collecting(Duration::from_secs(3600));
        report.failed(|n| format!("first: {n}"));
        report.failed(|n| format!("second: {n}"));
        report.failed(|n| format!("third: {n}"));
        drop(report);
        assert_eq!(*lines.borrow(), ["first: 1", "third: 2"]);
        // The timer went with it: the loop has nothing to wait for.
        tame::run();
        assert_eq!(lines.borrow().len(), 2);
    }
}
