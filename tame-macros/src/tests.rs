//! Unit tests of the phases, on token input.

use quote::quote;

fn expand(input: proc_macro2::TokenStream) -> String {
    crate::tamed::tamed(proc_macro2::TokenStream::new(), input).to_string()
}

#[test]
fn write_all_like_loop_expands() {
    let out = expand(quote! {
        fn write_all(io: Io, buf: B, ev: Event<(B, io::Result<()>)>) {
            tvars! { let mut done: usize = 0; let mut result: io::Result<()> = Ok(()); let mut readiness: io::Result<()> = Ok(()); }
            loop {
                let rest = &buf.as_ref()[done..];
                if rest.is_empty() { break; }
                match try_write(&io, rest) {
                    Ok(0) => { result = Err(e()); break; }
                    Ok(n) => { done += n; continue; }
                    Err(e) if e.kind() != K => { result = Err(e); break; }
                    Err(_) => {}
                }
                twait! { op::wait_ready(&io, Interest::Write, mkevent!(readiness)); }
                if io.is_closed() { return; }
                if let Err(e) = std::mem::replace(&mut readiness, Ok(())) { result = Err(e); break; }
            }
            ev.trigger((buf, result));
        }
    });
    assert!(out.contains("__TameState"), "{out}");
}

#[test]
fn labeled_block_parses() {
    let l = syn::Lifetime::new("'__tame_escape", proc_macro2::Span::mixed_site());
    let e: syn::Expr = syn::parse_quote!({ let r = #l: { 1 }; r });
    let _ = e;
}

/// Prints the expansion of the function in `TAME_EXPAND` (a file), for
/// looking at by hand: `TAME_EXPAND=f.rs cargo test -p tame-macros print_expansion -- --nocapture`.
#[test]
fn print_expansion() {
    let Ok(path) = std::env::var("TAME_EXPAND") else {
        return;
    };
    let src = std::fs::read_to_string(path).unwrap();
    let input: proc_macro2::TokenStream = src.parse().unwrap();
    println!("{}", expand(input));
}

/// `docs/expansion.md` shows what `#[tamed]` makes of `multidns_win` in
/// `examples/multidns.rs`; this keeps it true. After changing the
/// translator: `TAME_BLESS=1 cargo test -p tame-macros expansion_doc`.
#[test]
fn expansion_doc_is_the_real_expansion() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let example = std::fs::read_to_string(root.join("examples/multidns.rs")).unwrap();
    let file = syn::parse_file(&example).unwrap();
    let mut f = file
        .items
        .into_iter()
        .find_map(|item| match item {
            syn::Item::Fn(f) if f.sig.ident == "multidns_win" => Some(f),
            _ => None,
        })
        .expect("examples/multidns.rs has multidns_win");
    f.attrs
        .retain(|a| !a.path().is_ident("tamed") && !a.path().is_ident("doc"));
    let expanded = rustfmt(&expand(quote!(#f)));

    let doc_path = root.join("docs/expansion.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap();
    let marker =
        "<!-- the expansion below is checked by tame-macros/src/tests.rs -->\n```rust,ignore\n";
    let start = doc.find(marker).expect("docs/expansion.md has the marker") + marker.len();
    let end = start + doc[start..].find("```").expect("the block ends");
    if std::env::var_os("TAME_BLESS").is_some() {
        let new = format!("{}{}{}", &doc[..start], expanded, &doc[end..]);
        std::fs::write(&doc_path, new).unwrap();
        return;
    }
    assert!(
        doc[start..end] == expanded,
        "docs/expansion.md is out of date: rerun with TAME_BLESS=1 and read the diff"
    );
}

/// Formats Rust source with the toolchain's rustfmt.
fn rustfmt(src: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("rustfmt runs (rustup component add rustfmt)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(src.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "rustfmt failed");
    String::from_utf8(out.stdout).unwrap()
}

/// What each state of a function keeps: `(variant kind, names)` in the
/// order of the match arms.
fn kept(input: proc_macro2::TokenStream) -> Vec<(String, Vec<String>)> {
    let f: syn::ItemFn = syn::parse2(input).unwrap();
    let mut errors = crate::errors::Errors::default();
    let ir = crate::parse::function(&f, &mut errors);
    let (m, a) = crate::tamed::lower_and_analyze(&ir, &mut errors);
    assert!(errors.take().is_none(), "the function is accepted");
    m.order
        .iter()
        .map(|&s| {
            let kind = match m.states[s].kind {
                crate::lower::StateKind::Start => "start",
                crate::lower::StateKind::Resume(_) => "resume",
                crate::lower::StateKind::LoopHead(_) => "head",
                crate::lower::StateKind::Join => "join",
            };
            // A flag (kept on some paths only) shows as `name?`.
            let names = a.kept[s]
                .iter()
                .map(|&b| {
                    let name = ir.bindings[b].name.clone();
                    if a.flagged[s].contains(b) {
                        format!("{name}?")
                    } else {
                        name
                    }
                })
                .collect();
            (kind.to_owned(), names)
        })
        .collect()
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_binding_is_kept_to_its_scope_end_and_a_number_only_while_used() {
    let k = kept(quote! {
        fn f(t: Trace) {
            let guard = Guard::new();
            let n = 5;
            use_it(n);
            twait! { tame::asap(mkevent!()); }
            log(&t);
        }
    });
    assert_eq!(k[1], ("resume".into(), names(&["t", "guard"])));
}

#[test]
fn a_binding_moved_out_before_a_twait_is_not_kept() {
    let k = kept(quote! {
        fn f(conn: Conn, other: Conn) {
            consume(conn);
            let held = other.into_held();
            twait! { tame::asap(mkevent!()); }
            done();
        }
    });
    assert_eq!(k[1].1, names(&["held"]));
}

#[test]
fn a_binding_moved_on_some_paths_before_a_twait_is_kept_as_a_flag() {
    let k = kept(quote! {
        fn f(c: bool, conn: Conn) {
            let guard = Guard::new();
            if c { consume(conn); }
            twait! { tame::asap(mkevent!()); }
            done();
        }
    });
    // The `if` is lowered as a construct of the spine: its branches meet
    // in a state of their own, which carries `conn` as a flag to the wait.
    let kinds: Vec<&str> = k.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["start", "join", "resume"]);
    assert_eq!(k[2].1, names(&["conn?", "guard"]));
}

#[test]
fn a_move_on_a_path_that_returns_needs_no_flag_and_no_promotion() {
    let k = kept(quote! {
        fn f(c: bool, conn: Conn) {
            if c { consume(conn); return; }
            twait! { tame::asap(mkevent!()); }
            done();
        }
    });
    let kinds: Vec<&str> = k.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["start", "resume"]);
    assert_eq!(k[1].1, names(&["conn"]));
}

#[test]
fn a_move_on_some_paths_that_no_twait_follows_stays_ordinary_code() {
    let k = kept(quote! {
        fn f(c: bool, conn: Conn) {
            twait! { tame::asap(mkevent!()); }
            if c { consume(conn); }
            done();
        }
    });
    let kinds: Vec<&str> = k.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["start", "resume"]);
}

#[test]
fn a_promotion_stays_when_the_state_after_it_keeps_what_may_borrow() {
    // `first` may borrow (a call the translator does not know): the `if`
    // is still a construct of the machine, whose branches meet in a state
    // that keeps `first`, so that `conn` is dropped at its scope's end on
    // the paths that did not move it (rustc says whether `first` may be
    // kept). As ordinary code, `conn` would be dropped at the twait.
    let k = kept(quote! {
        fn f(c: bool, conn: Conn, v: Vec<u8>) {
            let first = head_of(&v);
            if c { consume(conn); }
            use_it(first);
            twait! { tame::asap(mkevent!()); }
            done();
        }
    });
    let kinds: Vec<&str> = k.iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(kinds, ["start", "join", "resume"]);
    assert_eq!(k[2].1, names(&["conn?", "v"]));
}

#[test]
fn a_known_borrow_used_after_a_move_on_some_paths_is_an_error_naming_the_move() {
    let f: syn::ItemFn = syn::parse_quote! {
        fn f(c: bool, conn: Conn, v: Vec<u8>) {
            let first = &v[0];
            if c { consume(conn); }
            use_it(first);
            twait! { tame::asap(mkevent!()); }
            done();
        }
    };
    let mut errors = crate::errors::Errors::default();
    let ir = crate::parse::function(&f, &mut errors);
    let _ = crate::tamed::lower_and_analyze(&ir, &mut errors);
    let e = errors.take().expect("an error").to_string();
    assert!(
        e.starts_with(
            "`first` is used after an `if` or `match` that moves `conn` on some of its paths only"
        ),
        "{e}"
    );
}

#[test]
fn a_receiver_of_an_operation_in_a_twait_block_goes_with_it_unless_used_after() {
    let k = kept(quote! {
        fn f(limiter: Rc<Limiter>, conn: Conn, note: Note, w: WriteHalf<TcpStream>) {
            twait! {
                limiter.admit(mkevent!());
                conn.read(mkevent!());
                note.touch();
                w.write_all(b"hi", mkevent!());
            }
            conn.close();
        }
    });
    // `limiter` went with its operation; `conn` is used after the wait;
    // `note.touch()` takes no event: a borrow, kept to the end; and
    // `write_all` is tame's, which borrows: `w` is kept to its scope's end.
    assert_eq!(k[1].1, names(&["conn", "note", "w"]));
}

#[test]
fn a_shadowed_binding_still_needed_is_a_second_binding_with_other_hygiene() {
    let f: syn::ItemFn = syn::parse_quote! {
        fn f(t: Trace) {
            let x = make();
            {
                let x = x.len();
                twait! { tame::asap(mkevent!()); }
                log(&t, x);
            }
            log(&t, x);
        }
    };
    let mut errors = crate::errors::Errors::default();
    let ir = crate::parse::function(&f, &mut errors);
    let xs: Vec<&crate::ir::Binding> = ir.bindings.iter().filter(|b| b.name == "x").collect();
    assert_eq!(xs.len(), 2);
    // Same name (the other hygiene is not visible outside a proc macro).
    assert_eq!(xs[0].ident, "x");
    assert_eq!(xs[1].ident, "x");
    let (m, a) = crate::tamed::lower_and_analyze(&ir, &mut errors);
    let resume = m.order[1];
    let kept: Vec<&str> = a.kept[resume]
        .iter()
        .map(|&b| ir.bindings[b].name.as_str())
        .collect();
    assert_eq!(kept, ["t", "x", "x"]);
}

#[test]
fn a_variable_assigned_in_both_branches_is_initialized_after_them() {
    let k = kept(quote! {
        fn f(c: bool, t: Trace) {
            let y;
            if c { y = 1; } else { y = 2; }
            twait! { tame::asap(mkevent!()); }
            log(&t, y);
        }
    });
    assert_eq!(k[1].1, names(&["t", "y"]));
}

#[test]
fn a_break_carries_what_was_assigned_before_it_to_the_loop_exit() {
    let k = kept(quote! {
        fn f(t: Trace) {
            let result;
            loop {
                if ready() { result = 1; break; }
                twait! { tame::asap(mkevent!()); }
            }
            log(&t, result);
        }
    });
    let exit = k.iter().rev().find(|(kind, _)| kind == "join").unwrap();
    assert_eq!(exit.1, names(&["t", "result"]));
}

#[test]
fn an_empty_join_is_no_state_of_its_own() {
    let k = kept(quote! {
        fn f(r: Rendezvous<()>, n: usize) {
            let mut i = 0;
            while i < n {
                if i % 2 == 0 { i += 1; } else { twait!(r); i += 1; }
            }
        }
    });
    let kinds: Vec<&str> = k.iter().map(|(kind, _)| kind.as_str()).collect();
    // The `if`'s branches go straight back to the loop head.
    assert_eq!(kinds, ["start", "head", "resume", "join"]);
}

#[test]
fn a_slot_site_is_paired_with_the_twait_on_its_rendezvous() {
    let f: syn::ItemFn = syn::parse_quote! {
        fn f() {
            let r = Rendezvous::<usize>::new();
            let mut a = vec![0; 4];
            let mut other = 0;
            lookup(mkevent!(r, 0, a[0]));
            twait! { lookup(mkevent!(other)); }
            twait!(r);
        }
    };
    let mut errors = crate::errors::Errors::default();
    let ir = crate::parse::function(&f, &mut errors);
    assert!(errors.take().is_none());
    assert_eq!(ir.slot_sites.len(), 2);
    let r = ir.bindings.iter().position(|b| b.name == "r").unwrap();
    assert_eq!(
        ir.slot_sites[0].owner,
        crate::ir::SlotOwner::Rendezvous(crate::ir::RendezvousKey::Binding(r, vec![]))
    );
    assert_eq!(ir.slot_sites[1].owner, crate::ir::SlotOwner::Join(0));
}

/// The generated parameter is named for the documentation: `done`, or
/// `tame_done` where the user has a `done` already (rustdoc printed two).
#[test]
fn the_value_parameter_does_not_repeat_a_users_name() {
    let sig = |input| {
        let out = expand(input);
        let start = out.find("fn f").unwrap();
        out[start..out.find('{').unwrap()].to_string()
    };
    let plain = sig(quote! { fn f(x: u32) -> u32 { x } });
    assert!(
        plain.contains("x : u32 , done : :: tame :: Event < u32 >"),
        "{plain}"
    );
    let taken = sig(quote! { fn f(done: u32) -> u32 { done } });
    assert!(
        taken.contains("done : u32 , tame_done : :: tame :: Event < u32 >"),
        "{taken}"
    );
    // Both taken, one of them inside a pattern.
    let both =
        sig(quote! { fn f((done, x): (u32, u32), tame_done: u32) -> u32 { done + x + tame_done } });
    assert!(
        both.contains("tame_done : u32 , tame_done2 : :: tame :: Event < u32 >"),
        "{both}"
    );
}

/// A plain parameter after a pattern one is bound again at the body's
/// start (for Rust's drop order) but keeps its name in the signature:
/// rustdoc printed `__tame_arg1` for it. A pattern is named by its names
/// (rustdoc printed `__tame_arg0`), one that binds none by its place, and
/// a name another parameter has is not taken twice.
///
/// rustdoc itself documents a twin of the function (`cfg(doc)`) whose
/// parameters are the user's patterns, as for a plain function: it
/// printed the machine's names (`a_b: (u8, u8)`, `_3: u8`).
#[test]
fn pattern_parameters_are_documented_as_written_and_taken_under_readable_names() {
    /// The signature of the function named `name` after `cfg`.
    fn sig_after(out: &str, cfg: &str, name: &str) -> String {
        let at = out.find(cfg).unwrap_or_else(|| panic!("no {cfg} in {out}"));
        let start = at + out[at..].find(name).unwrap();
        out[start..start + out[start..].find('{').unwrap()].to_string()
    }
    let out = expand(quote! {
        fn f((a, b): (u8, u8), x: u32, mut r#type: String, _: u8, (c, _): (u8, u8), c2: u8) -> u32 { x }
    });
    let sig = sig_after(&out, "# [cfg (not (doc))]", "fn f");
    assert!(
        sig.contains(
            "a_b : (u8 , u8) , x : u32 , r#type : String , _3 : u8 , c_arg : (u8 , u8) , c2 : u8"
        ),
        "{sig}"
    );
    let twin = sig_after(&out, "# [cfg (doc)]", "fn f");
    assert!(
        twin.contains(
            "(a , b) : (u8 , u8) , x : u32 , r#type : String , _ : u8 , (c , _) : (u8 , u8) , c2 : u8 , done : :: tame :: Event < u32 >"
        ),
        "{twin}"
    );
    let clash = expand(quote! {
        fn g((a, b): (u8, u8), a_b: u32) -> u32 { a_b }
    });
    let sig = sig_after(&clash, "# [cfg (not (doc))]", "fn g");
    assert!(sig.contains("__tame_arg0 : (u8 , u8) , a_b : u32"), "{sig}");
    let keyword = expand(quote! {
        fn h(Wrap(r#type): Wrap) -> u32 { r#type }
    });
    let sig = sig_after(&keyword, "# [cfg (not (doc))]", "fn h");
    assert!(sig.contains("type_arg : Wrap"), "{sig}");
    // No twin where every parameter is a plain name.
    let plain = expand(quote! {
        fn p(a: u8, mut b: u8) -> u8 { a + b }
    });
    assert!(!plain.contains("cfg (doc)"), "{plain}");
    assert!(!plain.contains("cfg (not (doc))"), "{plain}");
}

#[test]
fn format_captures_include_named_widths_and_precisions() {
    let names =
        crate::parse::syntax::format_captures(r#""{x} {y:?} {{z}} {:>w$.p$} {:1$} {:a<5}""#);
    assert_eq!(names, ["x", "y", "w", "p"]);
}

/// The machine's fields named after users' variables are identifiers
/// whatever the names are.
#[test]
fn plain_names_are_identifiers() {
    use crate::parse::syntax::plain_name;
    for (name, want) in [
        ("guard", "guard"),
        ("_guard", "guard"),
        ("_type", "type_"),
        ("r#type", "type_"),
        ("_0", "v0"),
        ("_\u{663}", "v\u{663}"),
        ("_", "v"),
        ("__", "v"),
        ("_\u{301}x", "v\u{301}x"),
    ] {
        assert_eq!(plain_name(name), want, "{name}");
    }
}

/// Each binding the machine makes of a kept variable of the user's (in
/// each state that keeps it) carries its declaration's lint levels, as
/// the `let` does, an `#[expect]` as an `#[allow]`: clippy's naming lints
/// fire at those bindings too (`tests/translate2_regressions.rs` has the
/// clippy run's case).
#[test]
fn the_machines_bindings_of_a_kept_variable_carry_its_lint_levels() {
    let out = expand(quote! {
        fn f(#[expect(clippy::disallowed_names)] bar: u32) {
            #[allow(clippy::disallowed_names)]
            let foo = 1u32;
            #[allow(clippy::disallowed_names)]
            for baz in 0..2u32 {
                twait! { tame::asap(mkevent!()); }
                use_it(baz);
            }
            twait! { tame::asap(mkevent!()); }
            use_it(foo + bar);
        }
    });
    let allow = "# [allow (clippy :: disallowed_names)]";
    // (At least: the lint shadow's `let foo` and the machine's, and one
    // state's copy of each variable.)
    for (binding, least) in [
        ("let foo =", 3),
        ("let bar =", 1),
        (
            ":: tame :: __private :: core :: option :: Option :: Some (baz)",
            1,
        ),
    ] {
        let mut at = 0;
        let mut seen = 0;
        while let Some(i) = out[at..].find(binding) {
            let before = out[..at + i].trim_end();
            assert!(
                before.ends_with(allow),
                "`{binding}` without its levels: {out}"
            );
            at += i + binding.len();
            seen += 1;
        }
        assert!(seen >= least, "`{binding}` {seen} times: {out}");
    }
    // The parameter's `expect` stays in the lint shadow only.
    assert_eq!(
        out.matches("expect (clippy :: disallowed_names)").count(),
        1,
        "{out}"
    );
}

#[test]
fn a_documented_function_with_a_value_says_what_its_done_parameter_is() {
    let documented = expand(quote! {
        /// Adds later.
        pub fn add(a: u32, b: u32) -> u32 {
            twait! { tame::asap(mkevent!()); }
            a + b
        }
    });
    assert!(
        documented.contains("is given to `done`, the event it takes last"),
        "{documented}"
    );
    // Undocumented: `missing_docs` still says so.
    let bare = expand(quote! {
        pub fn add(a: u32, b: u32) -> u32 {
            twait! { tame::asap(mkevent!()); }
            a + b
        }
    });
    assert!(!bare.contains("the event it takes last"), "{bare}");
    // Nor is an alias or `hidden` documentation.
    let aliased = expand(quote! {
        #[doc(alias = "plus")]
        pub fn add(a: u32, b: u32) -> u32 {
            twait! { tame::asap(mkevent!()); }
            a + b
        }
    });
    assert!(!aliased.contains("the event it takes last"), "{aliased}");
    // No value, no `done`: nothing to say.
    let unit = expand(quote! {
        /// Waits.
        pub fn wait() {
            twait! { tame::asap(mkevent!()); }
        }
    });
    assert!(!unit.contains("the event it takes last"), "{unit}");
}

/// A `while let` whose body waits is a `match` in the machine, as rustc
/// reads it: an `if let` would draw the 2024 edition's `if_let_rescope`,
/// which `cargo fix --edition` applies even where the machine allows it,
/// with a suggestion that breaks the user's `while let`.
#[test]
fn a_waiting_while_let_is_a_match_in_the_machine() {
    let out = expand(quote! {
        fn drain(mut v: Vec<Loud>) {
            while let Some(x) = v.pop() {
                twait! { tame::asap(mkevent!()); }
                use_it(x);
            }
        }
    });
    let machine = &out[out.find("__TameState").unwrap()..];
    assert!(!machine.contains("if let"), "{machine}");
    assert!(machine.contains("match v . pop ()"), "{machine}");
}

#[test]
fn nested_moves_on_some_paths_that_no_twait_follows_stay_ordinary_code() {
    // The inner `if`'s join enters the outer's, which the `?` keeps apart
    // from it: the two promotions justified each other, and `k`, a
    // borrow, was refused as kept in a state, with no twait anywhere.
    let f: syn::ItemFn = syn::parse_quote! {
        fn f(v: Vec<u32>, g: String, c: bool) -> Result<u32, String> {
            let k = v.first();
            if c {
                if c { drop(g); }
                check()?;
            }
            if k.is_some() {}
            Ok(1)
        }
    };
    let mut errors = crate::errors::Errors::default();
    let ir = crate::parse::function(&f, &mut errors);
    let (m, _) = crate::tamed::lower_and_analyze(&ir, &mut errors);
    assert!(errors.take().is_none(), "the function is accepted");
    assert!(m.promoted.is_empty());
}

#[test]
fn nested_moves_on_some_paths_before_a_twait_are_carried_to_it() {
    let k = kept(quote! {
        fn f(g: Conn, c: bool) -> Result<u32, String> {
            if c {
                if c { consume(g); }
                check()?;
            }
            twait! { tame::asap(mkevent!()); }
            Ok(1)
        }
    });
    let last = k.last().unwrap();
    assert_eq!(last.0, "resume");
    assert_eq!(last.1, names(&["g?"]));
}

#[test]
fn a_move_that_breaks_out_of_a_waiting_loop_is_carried_to_the_exit() {
    // `g` moved on the path that breaks, kept on the one that waits: the
    // loop's exit carries it as a flag, though the `if`'s own join (where
    // `g` is always there) keeps `z`, which might borrow (the `if` was
    // left ordinary code, and the exit dropped `g` before its scope's end).
    let k = kept(quote! {
        fn f(g: Noisy, d: bool, log: L) -> Result<u32, String> {
            loop {
                let z = Noisy("z", log.clone());
                if d { drop(g); break; }
                drop(z);
                twait! { tame::asap(mkevent!()); }
                break;
            }
            log.borrow_mut().push("end");
            Ok(1)
        }
    });
    let last = k.last().unwrap();
    assert_eq!(last.0, "join");
    assert_eq!(last.1, names(&["g?", "log"]));
}

/// A `loop` finishes only by a `break` of its own: one of an inner loop,
/// a closure or an `async` block, or to a label of another, is not; a
/// macro that may expand to one is.
#[test]
fn a_loop_without_a_break_of_its_own_never_finishes() {
    let never = |e: syn::Expr| match e {
        syn::Expr::Loop(l) => crate::parse::syntax::loop_never_finishes(&l),
        _ => unreachable!(),
    };
    assert!(never(syn::parse_quote!(loop {
        if c {
            break 'o;
        }
        for x in xs {
            break;
        }
    })));
    assert!(never(syn::parse_quote!(loop {
        let f = || loop {
            break;
        };
        'b: {
            break 'b;
        }
    })));
    assert!(never(syn::parse_quote!(loop {
        while c {
            break;
        }
        return;
    })));
    assert!(!never(syn::parse_quote!(loop {
        if c {
            break;
        }
    })));
    assert!(!never(syn::parse_quote!('l: loop {
        for x in xs {
            break 'l;
        }
    })));
    assert!(!never(syn::parse_quote!(loop {
        my_break!();
    })));
    assert!(!never(syn::parse_quote!(loop {
        match k {
            0 => break,
            _ => {}
        }
    })));
}
