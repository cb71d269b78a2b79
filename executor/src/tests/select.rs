//! select / select3 / select_all: order, ties, losers dropped.

use alloc::boxed::Box;
use alloc::vec;
use core::future::{pending, ready};
use core::pin::pin;
use core::task::Poll;

use super::{poll_once, Gate};
use crate::test_util::CountingWaker;
use crate::{select, select3, select_all, Either, Either3, WaitQueue};

#[test]
fn first_ready_wins() {
    let (w, _) = CountingWaker::new();
    let mut f = pin!(select(pending::<u8>(), ready(2u16)));
    assert_eq!(poll_once(f.as_mut(), &w), Poll::Ready(Either::Right(2)));
}

#[test]
fn ties_go_to_the_first_argument() {
    let (w, _) = CountingWaker::new();
    let mut f = pin!(select(ready(1), ready(2)));
    assert_eq!(poll_once(f.as_mut(), &w), Poll::Ready(Either::Left(1)));
    let mut g = pin!(select3(pending::<()>(), ready('b'), ready(3)));
    assert_eq!(poll_once(g.as_mut(), &w), Poll::Ready(Either3::Second('b')));
}

#[test]
fn later_branches_are_not_polled_once_one_wins() {
    let (w, _) = CountingWaker::new();
    let gate = Gate::new();
    let mut f = pin!(select(ready(()), gate.wait()));
    assert!(poll_once(f.as_mut(), &w).is_ready());
    assert_eq!(gate.polls(), 0);
}

#[test]
fn pending_until_a_branch_is_woken() {
    let (w, c) = CountingWaker::new();
    let (a, b) = (Gate::new(), Gate::new());
    let mut f = pin!(select(a.wait(), b.wait()));
    assert!(poll_once(f.as_mut(), &w).is_pending());
    b.open();
    assert_eq!(c.count(), 1);
    assert_eq!(poll_once(f.as_mut(), &w), Poll::Ready(Either::Right(())));
}

#[test]
fn losers_are_deregistered_when_the_select_is_dropped() {
    let (w, _) = CountingWaker::new();
    let q = WaitQueue::new();
    let gate = Gate::new();
    {
        let mut f = pin!(select(gate.wait(), q.wait_until(|| false)));
        assert!(poll_once(f.as_mut(), &w).is_pending());
        assert_eq!(q.waiters(), 1);
        gate.open();
        assert_eq!(poll_once(f.as_mut(), &w), Poll::Ready(Either::Left(())));
    }
    assert_eq!(q.waiters(), 0);
}

#[test]
fn select_all_lowest_index_wins() {
    let (w, _) = CountingWaker::new();
    let futures = vec![
        Box::pin(pending::<u32>()) as core::pin::Pin<Box<dyn core::future::Future<Output = u32>>>,
        Box::pin(ready(5)),
        Box::pin(ready(6)),
    ];
    let mut f = pin!(select_all(futures));
    assert_eq!(poll_once(f.as_mut(), &w), Poll::Ready((1, 5)));
}

#[test]
fn select_all_of_nothing_stays_pending() {
    let (w, _) = CountingWaker::new();
    let mut f = pin!(select_all(core::iter::empty::<core::future::Ready<()>>()));
    assert!(poll_once(f.as_mut(), &w).is_pending());
}
