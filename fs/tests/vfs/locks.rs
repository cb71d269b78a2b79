//! File locks: POSIX record locks (conflicts, F_GETLK answers, splitting
//! and merging, owners, OFD locks), flock, the generation counter, and
//! `lock_range`'s conversion of `l_start`/`l_len`.

use fs::lock::*;
use fs::*;

use crate::common::*;

const P1: LockOwner = LockOwner::Process(100);
const P2: LockOwner = LockOwner::Process(200);

fn ranges(l: &FileLocks, owner: LockOwner) -> Vec<(u64, u64, LockKind)> {
    l.records()
        .iter()
        .filter(|r| r.owner == owner)
        .map(|r| (r.start, r.end, r.kind))
        .collect()
}

#[test]
fn shared_locks_coexist_exclusive_conflicts() {
    let l = FileLocks::new();
    l.set(P1, Some(LockKind::Read), 0, 99).unwrap();
    l.set(P2, Some(LockKind::Read), 50, 149).unwrap();
    let c = l.set(P2, Some(LockKind::Write), 90, 200).unwrap_err();
    assert_eq!(
        (c.owner, c.start, c.end, c.kind),
        (P1, 0, 99, LockKind::Read)
    );
    assert_eq!(c.pid(), 100);
    assert_eq!(c.len(), 100);
    // F_GETLK: nothing stops P2 reading; a write would hit P1's lock.
    assert_eq!(l.test(P2, LockKind::Read, 0, 1000), None);
    assert_eq!(
        l.test(P2, LockKind::Write, 100, 1000),
        None,
        "P2's own lock never conflicts"
    );
    assert_eq!(
        l.test(P2, LockKind::Write, 0, 10).map(|r| r.owner),
        Some(P1)
    );
    // Disjoint writes are fine.
    l.set(P1, Some(LockKind::Write), 1000, 1999).unwrap();
    assert_eq!(l.test(P2, LockKind::Read, 2000, OFFSET_MAX), None);
    assert_eq!(
        l.test(P2, LockKind::Read, 1999, 1999).map(|r| r.kind),
        Some(LockKind::Write)
    );
}

#[test]
fn unlock_splits_and_relock_merges() {
    let l = FileLocks::new();
    l.set(P1, Some(LockKind::Write), 0, 99).unwrap();
    l.set(P1, None, 40, 59).unwrap();
    assert_eq!(
        ranges(&l, P1),
        [(0, 39, LockKind::Write), (60, 99, LockKind::Write)]
    );
    assert_eq!(l.test(P2, LockKind::Write, 40, 59), None, "the gap is free");
    // Filling the gap merges everything back into one lock.
    l.set(P1, Some(LockKind::Write), 40, 59).unwrap();
    assert_eq!(ranges(&l, P1), [(0, 99, LockKind::Write)]);
    // Adjacent same-kind locks merge; another kind in the middle splits.
    l.set(P1, Some(LockKind::Write), 100, 109).unwrap();
    assert_eq!(ranges(&l, P1), [(0, 109, LockKind::Write)]);
    l.set(P1, Some(LockKind::Read), 10, 19).unwrap();
    assert_eq!(
        ranges(&l, P1),
        [
            (0, 9, LockKind::Write),
            (10, 19, LockKind::Read),
            (20, 109, LockKind::Write)
        ]
    );
    // Downgrading lets others read there.
    assert_eq!(l.test(P2, LockKind::Read, 10, 19), None);
    // Unlock everything to infinity.
    l.set(P1, None, 0, OFFSET_MAX).unwrap();
    assert!(l.records().is_empty());
    // A lock to infinity reports l_len 0.
    l.set(P1, Some(LockKind::Read), 5, OFFSET_MAX).unwrap();
    assert_eq!(l.records()[0].len(), 0);
}

#[test]
fn upgrade_that_conflicts_changes_nothing() {
    let l = FileLocks::new();
    l.set(P1, Some(LockKind::Read), 0, 99).unwrap();
    l.set(P2, Some(LockKind::Read), 0, 9).unwrap();
    assert!(l.set(P1, Some(LockKind::Write), 0, 99).is_err());
    assert_eq!(ranges(&l, P1), [(0, 99, LockKind::Read)]);
}

#[test]
fn release_owner_and_ofd_locks() {
    let l = FileLocks::new();
    let ofd = LockOwner::Ofd(7);
    l.set(P1, Some(LockKind::Write), 0, 9).unwrap();
    // An OFD lock of the same process still conflicts with its POSIX lock.
    let c = l.set(ofd, Some(LockKind::Read), 5, 5).unwrap_err();
    assert_eq!(c.owner, P1);
    l.set(ofd, Some(LockKind::Write), 10, 19).unwrap();
    assert_eq!(
        l.test(P1, LockKind::Read, 15, 15).map(|r| r.pid()),
        Some(-1),
        "OFD locks report pid -1"
    );
    let g = l.generation();
    l.release_owner(P1);
    assert!(l.generation() > g);
    assert_eq!(l.records().len(), 1);
    let g = l.generation();
    l.release_owner(P2);
    assert_eq!(l.generation(), g, "nothing changed");
}

#[test]
fn generation_moves_on_every_change() {
    let l = FileLocks::new();
    let g0 = l.generation();
    l.set(P1, Some(LockKind::Read), 0, 0).unwrap();
    let g1 = l.generation();
    assert!(g1 > g0);
    let _ = l.set(P2, Some(LockKind::Write), 0, 0);
    assert_eq!(l.generation(), g1, "a refused lock changes nothing");
    l.flock(1, Some(FlockKind::Shared)).unwrap();
    assert!(l.generation() > g1);
}

#[test]
fn flock_semantics() {
    let l = FileLocks::new();
    l.flock(1, Some(FlockKind::Shared)).unwrap();
    l.flock(2, Some(FlockKind::Shared)).unwrap();
    assert_eq!(
        l.flock(3, Some(FlockKind::Exclusive)),
        Err(Errno::EWOULDBLOCK)
    );
    // Upgrading while another holds a shared lock fails, and (like Linux)
    // the old lock is gone.
    assert_eq!(
        l.flock(1, Some(FlockKind::Exclusive)),
        Err(Errno::EWOULDBLOCK)
    );
    assert_eq!(l.flock_held(1), None);
    l.flock(2, None).unwrap();
    l.flock(1, Some(FlockKind::Exclusive)).unwrap();
    assert_eq!(
        l.flock(1, Some(FlockKind::Exclusive)),
        Ok(()),
        "relocking is a no-op"
    );
    assert_eq!(l.flock(2, Some(FlockKind::Shared)), Err(Errno::EWOULDBLOCK));
    l.flock(1, Some(FlockKind::Shared)).unwrap();
    assert_eq!(l.flock_held(1), Some(FlockKind::Shared));
    l.flock(2, Some(FlockKind::Shared)).unwrap();
    // flock and record locks do not interact.
    l.set(P1, Some(LockKind::Write), 0, OFFSET_MAX).unwrap();
    assert_eq!(l.flock(5, None), Ok(()));
}

#[test]
fn lock_ranges_from_start_and_len() {
    assert_eq!(lock_range(10, 5), Ok((10, 14)));
    assert_eq!(lock_range(10, 0), Ok((10, OFFSET_MAX)));
    assert_eq!(lock_range(10, -5), Ok((5, 9)));
    assert_eq!(lock_range(10, -10), Ok((0, 9)));
    assert_eq!(lock_range(10, -11), Err(Errno::EINVAL));
    assert_eq!(lock_range(-1, 5), Err(Errno::EINVAL));
    assert_eq!(lock_range(i64::MAX, 2), Err(Errno::EOVERFLOW));
    assert_eq!(lock_range(i64::MAX, 1), Ok((OFFSET_MAX, OFFSET_MAX)));
}

#[test]
fn every_inode_has_a_lock_table() {
    let env = Env::new();
    let f = env.write("/f", b"");
    f.inode
        .file_locks()
        .set(P1, Some(LockKind::Write), 0, 0)
        .unwrap();
    // The same inode through another name shares the table.
    fs::ops::linkat(&env.vfs, &env.ctx(), &env.root, b"/f", &env.root, b"/g", 0).unwrap();
    let g = env.resolve("/g").unwrap();
    assert!(g
        .inode
        .file_locks()
        .set(P2, Some(LockKind::Read), 0, 0)
        .is_err());
    assert!(env
        .resolve("/")
        .unwrap()
        .inode
        .file_locks()
        .records()
        .is_empty());
}
