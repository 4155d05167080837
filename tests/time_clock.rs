//! The loop's clock: `tame::now()` is read once per loop turn (Tamer's
//! `recent()`), and timers count from it, so timers armed in one turn fire
//! in the order of their durations.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tame::{mkevent, tamed, twait, Event, Rendezvous};

#[path = "support/watchdog.rs"]
mod watchdog;
use watchdog::on_fresh_loop;

/// A small deterministic generator (xorshift64*), so that a failure
/// reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Arms 5,000 timers of random durations under 100 ms (microsecond
/// resolution, so many are closer together than the time arming them
/// takes) and returns the durations, in arming order.
fn arm_random_timers(r: &Rendezvous<usize>, seed: u64) -> Vec<Duration> {
    let mut rng = Rng(seed);
    let durations: Vec<Duration> = (0..5000)
        .map(|_| Duration::from_micros(rng.next() % 100_000))
        .collect();
    for (i, &d) in durations.iter().enumerate() {
        tame::timer(d, r.event(i));
        // Some work between two arms, as a real program has.
        std::hint::black_box((0..50).sum::<u64>());
    }
    durations
}

/// The arming indices in the order the timers must fire: by duration,
/// equal durations in arming order.
fn duration_order(durations: &[Duration]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..durations.len()).collect();
    order.sort_by_key(|&i| durations[i]); // stable: ties keep arming order
    order
}

#[test]
fn five_thousand_random_timers_armed_before_run_fire_in_duration_order() {
    // Tamer's test: the code before the loop runs is one turn.
    on_fresh_loop(|| {
        let r = Rendezvous::<usize>::new();
        let durations = arm_random_timers(&r, 0x9e37_79b9_7f4a_7c15);
        tame::run();
        let fired: Vec<usize> = std::iter::from_fn(|| r.try_next()).collect();
        assert_eq!(fired, duration_order(&durations));
    });
}

#[test]
fn five_thousand_random_timers_armed_in_one_turn_of_the_loop_fire_in_duration_order() {
    on_fresh_loop(|| {
        let r = Rc::new(Rendezvous::<usize>::new());
        let durations = Rc::new(RefCell::new(Vec::new()));
        let (r2, d2) = (r.clone(), durations.clone());
        // Armed from inside a turn of the running loop.
        tame::asap(Event::from_fn(move |_| {
            *d2.borrow_mut() = arm_random_timers(&r2, 0x2545_f491);
        }));
        tame::run();
        let fired: Vec<usize> = std::iter::from_fn(|| r.try_next()).collect();
        assert_eq!(fired.len(), 5000);
        assert_eq!(fired, duration_order(&durations.borrow()));
    });
}

#[test]
fn timers_count_from_the_turn_not_from_the_call() {
    on_fresh_loop(|| {
        let r = Rendezvous::<&str>::new();
        let turn = tame::now();
        tame::timer(Duration::from_millis(10), r.event("armed first, 10 ms"));
        // 20 ms of work in the same turn: the next timer still counts from
        // the turn's time, so it is due first.
        let spin = Instant::now();
        while spin.elapsed() < Duration::from_millis(20) {
            std::hint::spin_loop();
        }
        assert_eq!(tame::now(), turn, "one reading per turn");
        tame::timer(Duration::from_millis(5), r.event("armed second, 5 ms"));
        tame::run();
        assert_eq!(r.try_next(), Some("armed second, 5 ms"));
        assert_eq!(r.try_next(), Some("armed first, 10 ms"));
    });
}

#[test]
fn now_holds_for_a_turn_and_moves_between_turns() {
    #[tamed]
    fn sample(out: Rc<RefCell<Vec<(Instant, Instant)>>>) {
        for _ in 0..3 {
            let a = tame::now();
            std::thread::sleep(Duration::from_millis(2));
            let b = tame::now();
            out.borrow_mut().push((a, b));
            twait! { tame::timer(Duration::from_millis(1), mkevent!()); }
        }
    }
    on_fresh_loop(|| {
        let out = Rc::new(RefCell::new(Vec::new()));
        sample(out.clone());
        tame::run();
        let samples = out.borrow();
        assert_eq!(samples.len(), 3);
        for &(a, b) in samples.iter() {
            assert_eq!(a, b, "the clock holds within a turn");
        }
        for w in samples.windows(2) {
            // The second sample's turn began after the 1 ms timer fired,
            // which was armed 2 ms after the first turn's reading.
            assert!(w[1].0 >= w[0].0 + Duration::from_millis(1));
        }
    });
}

#[test]
fn a_timer_fires_once_its_time_has_passed_on_the_loops_clock_and_the_real_one() {
    on_fresh_loop(|| {
        let r = Rendezvous::<()>::new();
        let start = Instant::now();
        let turn = tame::now();
        tame::timer(Duration::from_millis(15), r.event(()));
        tame::run();
        assert_eq!(r.try_next(), Some(()));
        assert!(tame::now() >= turn + Duration::from_millis(15));
        // The turn's reading was taken after `start` (its first use).
        assert!(start.elapsed() >= Duration::from_millis(15));
    });
}

#[test]
fn the_clock_is_read_afresh_after_run_returns() {
    on_fresh_loop(|| {
        let before = tame::now();
        tame::run();
        std::thread::sleep(Duration::from_millis(3));
        // run() ended: the next use reads the clock again.
        let after = tame::now();
        assert!(after >= before + Duration::from_millis(3));
        // And that reading holds until the loop runs again.
        std::thread::sleep(Duration::from_millis(3));
        assert_eq!(tame::now(), after);
    });
}

#[test]
fn timer_at_an_instant_from_now_fires_in_order_with_timers_by_duration() {
    on_fresh_loop(|| {
        let r = Rendezvous::<u32>::new();
        let t = tame::now();
        tame::timer_at(t + Duration::from_millis(6), r.event(6));
        tame::timer(Duration::from_millis(4), r.event(4));
        tame::timer_at(t + Duration::from_millis(4), r.event(40)); // a tie: armed later
        tame::timer(Duration::from_millis(2), r.event(2));
        tame::run();
        let fired: Vec<u32> = std::iter::from_fn(|| r.try_next()).collect();
        assert_eq!(fired, [2, 4, 40, 6]);
    });
}
