//! Waiting for the first of several futures: [`select`], [`select3`],
//! [`select_all`].
//!
//! Owns: the winner rule the syscall layer relies on (`rt_sigtimedwait` is
//! select(signal arrives, deadline); `ppoll` is select(some fd ready,
//! timeout)).
//!
//! Winner rule: **on every poll the branches are polled in argument order,
//! and the first one that is ready wins; later branches are not polled in
//! that round.** So when several are ready at once, the earliest argument
//! wins; put the outcome that must win ties first (the awaited condition
//! before the timeout or the signal).
//!
//! Losers are dropped when the select future is dropped (for
//! `select(a, b).await` that is right after the await), which deregisters
//! their waits and passes on any wake they had been handed (see
//! [`crate::wait_queue`]). Polling a select again after it returned
//! `Ready` returns `Pending` (and trips a debug assertion).

use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Which branch of a two-way [`select`] won, with its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Either<A, B> {
    /// The first argument won.
    Left(A),
    /// The second argument won.
    Right(B),
}

/// Which branch of a [`select3`] won, with its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Either3<A, B, C> {
    /// The first argument won.
    First(A),
    /// The second argument won.
    Second(B),
    /// The third argument won.
    Third(C),
}

pin_project_lite::pin_project! {
    /// Future returned by [`select`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct Select<A, B> {
        #[pin]
        a: A,
        #[pin]
        b: B,
        done: bool,
    }
}

/// Waits for the first of `a` and `b`; `a` wins ties.
pub fn select<A: Future, B: Future>(a: A, b: B) -> Select<A, B> {
    Select { a, b, done: false }
}

impl<A: Future, B: Future> Future for Select<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if *this.done {
            debug_assert!(false, "select polled after completion");
            return Poll::Pending;
        }
        if let Poll::Ready(out) = this.a.poll(cx) {
            *this.done = true;
            return Poll::Ready(Either::Left(out));
        }
        if let Poll::Ready(out) = this.b.poll(cx) {
            *this.done = true;
            return Poll::Ready(Either::Right(out));
        }
        Poll::Pending
    }
}

pin_project_lite::pin_project! {
    /// Future returned by [`select3`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct Select3<A, B, C> {
        #[pin]
        a: A,
        #[pin]
        b: B,
        #[pin]
        c: C,
        done: bool,
    }
}

/// Waits for the first of three futures; earlier arguments win ties.
pub fn select3<A: Future, B: Future, C: Future>(a: A, b: B, c: C) -> Select3<A, B, C> {
    Select3 {
        a,
        b,
        c,
        done: false,
    }
}

impl<A: Future, B: Future, C: Future> Future for Select3<A, B, C> {
    type Output = Either3<A::Output, B::Output, C::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if *this.done {
            debug_assert!(false, "select3 polled after completion");
            return Poll::Pending;
        }
        let out = if let Poll::Ready(out) = this.a.poll(cx) {
            Either3::First(out)
        } else if let Poll::Ready(out) = this.b.poll(cx) {
            Either3::Second(out)
        } else if let Poll::Ready(out) = this.c.poll(cx) {
            Either3::Third(out)
        } else {
            return Poll::Pending;
        };
        *this.done = true;
        Poll::Ready(out)
    }
}

/// Future returned by [`select_all`].
#[must_use = "futures do nothing unless awaited"]
pub struct SelectAll<F> {
    futures: Vec<F>,
    done: bool,
}

/// Waits for the first of any number of futures of one type; the lowest
/// index wins ties. The futures must be `Unpin` (box them with `Box::pin` if
/// they are not). Output: `(index, output)`. An empty list never completes.
pub fn select_all<F: Future + Unpin>(futures: impl IntoIterator<Item = F>) -> SelectAll<F> {
    SelectAll {
        futures: futures.into_iter().collect(),
        done: false,
    }
}

impl<F: Future + Unpin> Future for SelectAll<F> {
    type Output = (usize, F::Output);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.done {
            debug_assert!(false, "select_all polled after completion");
            return Poll::Pending;
        }
        for (index, future) in this.futures.iter_mut().enumerate() {
            if let Poll::Ready(out) = Pin::new(future).poll(cx) {
                this.done = true;
                return Poll::Ready((index, out));
            }
        }
        Poll::Pending
    }
}
