//! Generated functions through the whole translator: whatever the body
//! (well-formed Rust or not quite: a name used before it is declared, a
//! `break` outside a loop, a twait in a closure), `#[tamed]` answers with
//! tokens that parse as items (the machine, or the function with
//! `compile_error!`s), and never panics: a panic in a proc macro is
//! rustc's "proc macro panicked", with no span and no hint.
//!
//! The bodies come from a small grammar of the forms the translator treats
//! apart (waits, slots, loops and labels, `break` values, `match`, `if
//! let`, `let .. else`, `?`, closures, shadowing, `return`), mixed at
//! random by a fixed-seed generator: each run tries the same functions.
//! `TAME_GENERATED=N` tries N (the default keeps the test under a few
//! seconds; 60,000 ran clean when it was written), from seed
//! `TAME_GENERATED_FROM`; a failure prints the seed and the function.
//! `TAME_GENERATED_STATS=1` (with `--nocapture`) prints, per function,
//! whether it became a machine or which error it drew: how much of the
//! grammar gets past the checks.

use std::fmt::Write as _;

/// xorshift64*: a fixed sequence per seed, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Writes one function body: statements to `depth`, over the variables
/// `vars` that are in scope (some of them, the generator does not track
/// moves: a body may use one after a move, which is rustc's error, not
/// the translator's).
struct Gen {
    rng: Rng,
    vars: Vec<String>,
    next_var: usize,
    labels: Vec<String>,
    in_loop: usize,
}

impl Gen {
    fn var(&mut self) -> String {
        if self.vars.is_empty() || self.rng.chance(10) {
            return "p".to_string();
        }
        let i = self.rng.below(self.vars.len());
        self.vars[i].clone()
    }

    fn fresh(&mut self) -> String {
        // Reuse a name now and then: shadowing.
        if !self.vars.is_empty() && self.rng.chance(25) {
            return self.var();
        }
        self.next_var += 1;
        format!("v{}", self.next_var)
    }

    fn expr(&mut self, depth: usize) -> String {
        let choice = if depth == 0 {
            self.rng.below(4)
        } else {
            self.rng.below(16)
        };
        match choice {
            0 => format!("{}", self.rng.below(10)),
            1 => self.var(),
            2 => format!("{}.clone()", self.var()),
            3 => format!("&{}", self.var()),
            4 => format!("{} + {}", self.expr(depth - 1), self.expr(depth - 1)),
            5 => format!("f({})", self.expr(depth - 1)),
            6 => format!(
                "if {} {{ {} }} else {{ {} }}",
                self.cond(),
                self.expr(depth - 1),
                self.expr(depth - 1)
            ),
            7 => format!(
                "match {} {{ Some(x) => x, None => {} }}",
                self.expr(depth - 1),
                self.expr(depth - 1)
            ),
            8 => {
                let body = self.block(depth - 1, true);
                format!("{{ {body} }}")
            }
            9 => format!(
                "(|y| y + {})({})",
                self.expr(depth - 1),
                self.expr(depth - 1)
            ),
            10 => format!("{}?", self.expr(depth - 1)),
            11 => {
                // A loop whose value is a break's.
                self.in_loop += 1;
                let body = self.block(depth - 1, false);
                self.in_loop -= 1;
                format!("loop {{ {body} break {}; }}", self.expr(0))
            }
            12 => format!("{}.len()", self.var()),
            13 => format!("({}, {})", self.expr(depth - 1), self.expr(depth - 1)),
            14 => {
                let label = format!("'b{}", self.labels.len());
                self.labels.push(label.clone());
                let body = self.block(depth - 1, false);
                self.labels.pop();
                format!(
                    "{label}: {{ {body} if {} {{ break {label} 1; }} 2 }}",
                    self.cond()
                )
            }
            _ => format!("vec![{}, {}]", self.expr(0), self.expr(0)),
        }
    }

    fn cond(&mut self) -> String {
        match self.rng.below(4) {
            0 => "c".to_string(),
            1 => format!("{} > {}", self.var(), self.rng.below(5)),
            2 => format!("let Some(z) = {}", self.var()),
            _ => format!("{}.is_empty()", self.var()),
        }
    }

    fn wait(&mut self) -> String {
        match self.rng.below(9) {
            0 | 1 => "twait! { tame::asap(mkevent!()); }".to_string(),
            2 => {
                let x = self.var();
                format!("twait! {{ give({}, mkevent!({x})); }}", self.expr(1))
            }
            3 => {
                let (a, b) = (self.var(), self.var());
                format!("twait! {{ give(1, mkevent!({a})); give(2, mkevent!({b})); }}")
            }
            4 => {
                let x = self.fresh();
                self.vars.push(x.clone());
                format!("let {x}; twait!({x});")
            }
            5 => {
                // A rendezvous: events with an id (and a slot), then a
                // wait for one of them.
                let (a, i) = (self.var(), self.fresh());
                self.vars.push(i.clone());
                format!(
                    "let r = Rendezvous::<u32>::new(); give(1, mkevent!(r, 1, {a})); \
                     give(2, mkevent!(r, 2)); let {i} = twait!(r);"
                )
            }
            6 => "if let Some(i) = twait!(r) { use_it(i); }".to_string(),
            7 => format!("unsafe {{ {} }}", self.block(0, false)),
            _ => "twait! { tame::asap(mkevent!()); tame::asap(mkevent!()); }".to_string(),
        }
    }

    fn stmt(&mut self, depth: usize) -> String {
        let choice = if depth == 0 {
            self.rng.below(6)
        } else {
            self.rng.below(22)
        };
        match choice {
            0 | 1 => self.wait(),
            2 => {
                let e = self.expr(2);
                let x = self.fresh();
                let m = if self.rng.chance(50) { "mut " } else { "" };
                let s = format!("let {m}{x} = {e};");
                self.vars.push(x);
                s
            }
            3 => format!("{} = {};", self.var(), self.expr(2)),
            4 => format!("use_it({});", self.expr(2)),
            5 => format!("drop({});", self.var()),
            6 => format!(
                "if {} {{ {} }} else {{ {} }}",
                self.cond(),
                self.block(depth - 1, false),
                self.block(depth - 1, false)
            ),
            7 => format!(
                "match {} {{ Some(x) if x > 1 => {{ {} }} Some(_) => {{}} None => {{ {} }} }}",
                self.var(),
                self.block(depth - 1, false),
                self.block(depth - 1, false)
            ),
            8 | 9 => {
                let label = if self.rng.chance(30) {
                    let l = format!("'l{}", self.labels.len());
                    self.labels.push(l.clone());
                    Some(l)
                } else {
                    None
                };
                self.in_loop += 1;
                let body = self.block(depth - 1, false);
                self.in_loop -= 1;
                let head = match self.rng.below(3) {
                    0 => "loop".to_string(),
                    1 => format!("while {}", self.cond()),
                    _ => format!("for i in 0..{}", self.expr(1)),
                };
                let s = match &label {
                    Some(l) => format!("{l}: {head} {{ {body} }}"),
                    None => format!("{head} {{ {body} }}"),
                };
                if label.is_some() {
                    self.labels.pop();
                }
                s
            }
            10 if self.in_loop > 0 || self.rng.chance(10) => {
                let label = match self.labels.last() {
                    Some(l) if self.rng.chance(50) => format!(" {l}"),
                    _ => String::new(),
                };
                if self.rng.chance(50) {
                    format!("if {} {{ break{label}; }}", self.cond())
                } else {
                    format!("if {} {{ continue{label}; }}", self.cond())
                }
            }
            11 => format!("if {} {{ return {}; }}", self.cond(), self.expr(1)),
            12 => format!("{}?;", self.expr(1)),
            13 => {
                let x = self.fresh();
                let s = format!(
                    "let Some({x}) = {} else {{ {} return 0; }};",
                    self.var(),
                    if self.rng.chance(40) {
                        self.wait()
                    } else {
                        String::new()
                    }
                );
                self.vars.push(x);
                s
            }
            14 => {
                let saved = self.vars.len();
                let b = self.block(depth - 1, false);
                self.vars.truncate(saved);
                format!("{{ {b} }}")
            }
            15 => format!(
                "let k = |a: u32| {{ {} a }}; use_it(k(1));",
                if self.rng.chance(20) {
                    self.wait()
                } else {
                    String::new()
                }
            ),
            16 => format!(
                "if let Some(w) = {} {{ {} use_it(w); }}",
                self.var(),
                self.block(depth - 1, false)
            ),
            17 => {
                let x = self.fresh();
                let s = format!("let {x} = {};", self.expr(2));
                self.vars.push(x);
                s
            }
            18 => format!("println!(\"{{}} {{:?}}\", {}, {});", self.var(), self.var()),
            19 if self.rng.chance(10) => "tvars! { let mut t: u32 = 0; }".to_string(),
            19 => format!("self.m({});", self.expr(1)),
            20 => format!("let g = &mut {}; *g += 1;", self.var()),
            _ => format!("{};", self.expr(2)),
        }
    }

    fn block(&mut self, depth: usize, tail: bool) -> String {
        let n = 1 + self.rng.below(4);
        let saved = self.vars.len();
        let mut s = String::new();
        for _ in 0..n {
            let st = self.stmt(depth);
            s.push_str(&st);
            s.push(' ');
        }
        if tail {
            let _ = write!(s, "{}", self.expr(1));
        }
        self.vars.truncate(saved);
        s
    }

    fn function(&mut self) -> String {
        let receiver = match self.rng.below(20) {
            0 => "&self, ",
            1..=3 => "mut self, ",
            4..=5 => "self: Rc<Self>, ",
            _ => "",
        };
        let first = if self.rng.chance(15) {
            "tvars! { let mut t: u32 = 0; let v0: u32; } "
        } else {
            ""
        };
        let ret = match self.rng.below(4) {
            0 => "",
            1 => " -> u32",
            2 => " -> Result<u32, E>",
            _ => " -> Option<u32>",
        };
        let tail = !ret.is_empty() && self.rng.chance(70);
        let depth = 1 + self.rng.below(3);
        let body = self.block(depth, tail);
        format!("fn f({receiver}p: Vec<u32>, c: bool){ret} {{ {first}{body} }}")
    }
}

fn generated(seed: u64) -> String {
    let mut g = Gen {
        rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
        vars: Vec::new(),
        next_var: 0,
        labels: Vec::new(),
        in_loop: 0,
    };
    g.function()
}

#[test]
fn the_translator_answers_every_generated_function_without_panicking() {
    let count: u64 = std::env::var("TAME_GENERATED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    let first: u64 = std::env::var("TAME_GENERATED_FROM")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut failures = Vec::new();
    for seed in first..first + count {
        let src = generated(seed);
        let Ok(input) = src.parse::<proc_macro2::TokenStream>() else {
            continue;
        };
        let result = std::panic::catch_unwind(|| {
            crate::tamed::tamed(proc_macro2::TokenStream::new(), input)
        });
        match result {
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_string()))
                    .unwrap_or_default();
                failures.push(format!("seed {seed}: panicked: {msg}\n{src}"));
            }
            Ok(out) => {
                if std::env::var("TAME_GENERATED_STATS").is_ok() {
                    let text = out.to_string();
                    let what = if text.contains("__TameState") {
                        "machine".to_string()
                    } else {
                        let at = text.find("compile_error").unwrap_or(0);
                        text[at..].chars().take(90).collect()
                    };
                    println!("STAT {what}");
                }
                if let Err(e) = syn::parse2::<syn::File>(out) {
                    failures.push(format!("seed {seed}: output does not parse: {e}\n{src}"));
                }
            }
        }
        if failures.len() >= 5 {
            break;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
