//! Moving a periodic timer past the present, as Linux's hrtimer_forward():
//! the periods that passed are counted by division, never by stepping
//! through them, so a timer whose first expiry lies far in the past, or
//! whose interval is one nanosecond, costs one division.
//!
//! Every periodic timer of the kernel (POSIX timers, ITIMER_REAL, timerfd)
//! re-arms through [`forward`], and like Linux's each stays stopped after an
//! expiry until its consumer takes it (the signal is dequeued, the timerfd
//! is read): a timer never expires again and again inside one poll.

/// Moves `expires` forward by whole `interval`s until it is after `now`.
/// Returns the new expiry and the number of intervals added (0 when
/// `expires` is already after `now`, or for a zero interval). Saturates at
/// u64::MAX (never reached: deadlines stay within KTIME_MAX).
pub fn forward(expires: u64, now: u64, interval: u64) -> (u64, u64) {
    if interval == 0 || now < expires {
        return (expires, 0);
    }
    let periods = (now - expires) / interval + 1;
    (expires.saturating_add(periods.saturating_mul(interval)), periods)
}
