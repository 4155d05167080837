// What `#[tracing::instrument]` (tracing 0.1) puts at the top of a plain
// function it wraps, written out here (tame's tests do not depend on
// tracing): a span, and a guard that borrows it, held to the function's
// end. Above `#[tamed]`, the translator sees this body.
use tame::{mkevent, tamed, twait};

struct Span;
struct Entered<'a>(&'a Span);

impl Span {
    fn enter(&self) -> Entered<'_> {
        Entered(self)
    }
}

#[tamed]
fn f(x: u32) -> u32 {
    let __tracing_attr_span;
    let __tracing_attr_guard;
    if x > 0 {
        __tracing_attr_span = Span;
        __tracing_attr_guard = __tracing_attr_span.enter();
    }
    twait! { tame::asap(mkevent!()); }
    x
}

// Without `err` or `ret`, the prologue and the body are a block.
#[tamed]
fn g(x: u32) -> u32 {
    #[allow(clippy::suspicious_else_formatting)]
    {
        let __tracing_attr_span;
        let __tracing_attr_guard;
        if x > 0 {
            __tracing_attr_span = Span;
            __tracing_attr_guard = __tracing_attr_span.enter();
        }
        {
            twait! { tame::asap(mkevent!()); }
            x
        }
    }
}

fn main() {}
