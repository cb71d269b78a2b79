//! Credentials: user and group IDs (real, effective, saved, filesystem),
//! supplementary groups and capabilities, with Linux's rules for changing
//! them (no user namespaces): root (CAP_SETUID / CAP_SETGID) may set any
//! ID; others may only move between their real, effective and saved IDs.
//! Leaving all-zero UIDs drops the permitted and effective capabilities;
//! the effective UID going to or from 0 clears or restores the effective
//! set (`capabilities(7)`, "Effect of user ID changes on capabilities").

use alloc::vec::Vec;

use crate::errno::Errno;

/// CAP_LAST_CAP of Linux 6.x (CAP_CHECKPOINT_RESTORE).
pub const CAP_LAST_CAP: u32 = 40;
pub const CAP_FULL: u64 = (1 << (CAP_LAST_CAP + 1)) - 1;
pub const CAP_KILL: u32 = 5;
pub const CAP_SETGID: u32 = 6;
pub const CAP_SETUID: u32 = 7;
pub const CAP_SETPCAP: u32 = 8;
pub const CAP_SYS_PTRACE: u32 = 19;
pub const CAP_SYS_ADMIN: u32 = 21;
pub const CAP_SYS_RESOURCE: u32 = 24;
/// The file-system capabilities (CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH,
/// FOWNER, FSETID, LINUX_IMMUTABLE, MKNOD, MAC_OVERRIDE): Linux's
/// CAP_FS_SET, which follows the fsuid going to or from 0.
pub const CAP_FS_SET: u64 = 0x1f | 1 << 9 | 1 << 27 | 1 << 32;

#[derive(Clone, Debug)]
pub struct Creds {
    pub ruid: u32,
    pub euid: u32,
    pub suid: u32,
    pub fsuid: u32,
    pub rgid: u32,
    pub egid: u32,
    pub sgid: u32,
    pub fsgid: u32,
    pub groups: Vec<u32>,
    pub cap_effective: u64,
    pub cap_permitted: u64,
    pub cap_inheritable: u64,
    pub cap_bounding: u64,
    pub keep_caps: bool,
}

impl Creds {
    pub fn root() -> Creds {
        Creds {
            ruid: 0,
            euid: 0,
            suid: 0,
            fsuid: 0,
            rgid: 0,
            egid: 0,
            sgid: 0,
            fsgid: 0,
            groups: Vec::new(),
            cap_effective: CAP_FULL,
            cap_permitted: CAP_FULL,
            cap_inheritable: 0,
            cap_bounding: CAP_FULL,
            keep_caps: false,
        }
    }

    pub fn capable(&self, cap: u32) -> bool {
        self.cap_effective & (1 << cap) != 0
    }

    /// Linux's kill_ok_by_cred: the sender's real or effective UID is the
    /// target's real or saved UID, or the sender has CAP_KILL.
    pub fn may_signal(&self, target: &Creds) -> bool {
        [self.ruid, self.euid].iter().any(|&u| u == target.ruid || u == target.suid) || self.capable(CAP_KILL)
    }

    fn uid_caps_fixup(&mut self, old: (u32, u32, u32)) {
        let had_root = old.0 == 0 || old.1 == 0 || old.2 == 0;
        let has_root = self.ruid == 0 || self.euid == 0 || self.suid == 0;
        if had_root && !has_root && !self.keep_caps {
            self.cap_permitted = 0;
            self.cap_effective = 0;
        }
        if old.1 == 0 && self.euid != 0 {
            self.cap_effective = 0;
        }
        if old.1 != 0 && self.euid == 0 {
            self.cap_effective = self.cap_permitted;
        }
    }

    /// setfsuid(2) once allowed: the fsuid leaving 0 drops the file-system
    /// capabilities from the effective set, coming back to 0 raises the
    /// permitted ones again (cap_task_fix_setuid, LSM_SETID_FS).
    pub fn set_fsuid(&mut self, uid: u32) {
        if self.fsuid == 0 && uid != 0 {
            self.cap_effective &= !CAP_FS_SET;
        } else if self.fsuid != 0 && uid == 0 {
            self.cap_effective |= self.cap_permitted & CAP_FS_SET;
        }
        self.fsuid = uid;
    }

    /// execve, by Linux's rules with root emulation
    /// (cap_bprm_creds_from_file): a set-user-ID / set-group-ID file sets
    /// the effective ID (`setuid`, `setgid`); the saved and filesystem IDs
    /// become the effective ones; with a real or effective UID 0 the
    /// permitted set becomes bounding | inheritable, otherwise it is
    /// emptied (no ambient set); the effective set is the permitted one
    /// only for effective UID 0; keep-caps is cleared. Returns whether the
    /// process stays dumpable: the old effective IDs were the real ones
    /// (begin_new_exec) and no ID changed nor capability was gained
    /// (commit_creds; suid_dumpable is 0).
    pub fn exec(&mut self, setuid: Option<u32>, setgid: Option<u32>) -> bool {
        let old = (self.ruid, self.euid, self.fsuid, self.rgid, self.egid, self.fsgid, self.cap_permitted);
        if let Some(u) = setuid {
            self.euid = u;
        }
        if let Some(g) = setgid {
            self.egid = g;
        }
        self.suid = self.euid;
        self.fsuid = self.euid;
        self.sgid = self.egid;
        self.fsgid = self.egid;
        let root = self.ruid == 0 || self.euid == 0;
        self.cap_permitted = if root { (self.cap_bounding | self.cap_inheritable) & CAP_FULL } else { 0 };
        self.cap_effective = if self.euid == 0 { self.cap_permitted } else { 0 };
        self.keep_caps = false;
        let (ruid, euid, fsuid, rgid, egid, fsgid, permitted) = old;
        euid == ruid
            && egid == rgid
            && (self.euid, self.fsuid, self.egid, self.fsgid) == (euid, fsuid, egid, fsgid)
            && self.cap_permitted & !permitted == 0
    }

    /// setresuid semantics; `None` leaves an ID unchanged.
    pub fn set_uids(&mut self, r: Option<u32>, e: Option<u32>, s: Option<u32>) -> Result<(), Errno> {
        let cur = (self.ruid, self.euid, self.suid);
        if !self.capable(CAP_SETUID) {
            let ok = |v: Option<u32>| v.is_none_or(|v| v == cur.0 || v == cur.1 || v == cur.2);
            if !(ok(r) && ok(e) && ok(s)) {
                return Err(Errno::EPERM);
            }
        }
        self.ruid = r.unwrap_or(self.ruid);
        self.euid = e.unwrap_or(self.euid);
        self.suid = s.unwrap_or(self.suid);
        self.fsuid = self.euid;
        self.uid_caps_fixup(cur);
        Ok(())
    }

    /// setuid(2).
    pub fn setuid(&mut self, uid: u32) -> Result<(), Errno> {
        if self.capable(CAP_SETUID) {
            self.set_uids(Some(uid), Some(uid), Some(uid))
        } else if uid == self.ruid || uid == self.suid {
            self.set_uids(None, Some(uid), None)
        } else {
            Err(Errno::EPERM)
        }
    }

    /// setreuid(2): the saved UID follows the new effective one when the
    /// real UID is set or the effective one differs from the old real UID.
    pub fn setreuid(&mut self, r: Option<u32>, e: Option<u32>) -> Result<(), Errno> {
        let cur = (self.ruid, self.euid, self.suid);
        if !self.capable(CAP_SETUID)
            && (r.is_some_and(|r| r != cur.0 && r != cur.1) || e.is_some_and(|e| e != cur.0 && e != cur.1 && e != cur.2)) {
                return Err(Errno::EPERM);
            }
        let new_e = e.unwrap_or(cur.1);
        let s = if r.is_some() || e.is_some_and(|e| e != cur.0) { Some(new_e) } else { None };
        self.ruid = r.unwrap_or(cur.0);
        self.euid = new_e;
        self.suid = s.unwrap_or(cur.2);
        self.fsuid = self.euid;
        self.uid_caps_fixup(cur);
        Ok(())
    }

    pub fn set_gids(&mut self, r: Option<u32>, e: Option<u32>, s: Option<u32>) -> Result<(), Errno> {
        let cur = (self.rgid, self.egid, self.sgid);
        if !self.capable(CAP_SETGID) {
            let ok = |v: Option<u32>| v.is_none_or(|v| v == cur.0 || v == cur.1 || v == cur.2);
            if !(ok(r) && ok(e) && ok(s)) {
                return Err(Errno::EPERM);
            }
        }
        self.rgid = r.unwrap_or(cur.0);
        self.egid = e.unwrap_or(cur.1);
        self.sgid = s.unwrap_or(cur.2);
        self.fsgid = self.egid;
        Ok(())
    }

    pub fn setgid(&mut self, gid: u32) -> Result<(), Errno> {
        if self.capable(CAP_SETGID) {
            self.set_gids(Some(gid), Some(gid), Some(gid))
        } else if gid == self.rgid || gid == self.sgid {
            self.set_gids(None, Some(gid), None)
        } else {
            Err(Errno::EPERM)
        }
    }

    pub fn setregid(&mut self, r: Option<u32>, e: Option<u32>) -> Result<(), Errno> {
        let cur = (self.rgid, self.egid, self.sgid);
        if !self.capable(CAP_SETGID)
            && (r.is_some_and(|r| r != cur.0 && r != cur.1) || e.is_some_and(|e| e != cur.0 && e != cur.1 && e != cur.2)) {
                return Err(Errno::EPERM);
            }
        let new_e = e.unwrap_or(cur.1);
        let s = if r.is_some() || e.is_some_and(|e| e != cur.0) { Some(new_e) } else { None };
        self.rgid = r.unwrap_or(cur.0);
        self.egid = new_e;
        self.sgid = s.unwrap_or(cur.2);
        self.fsgid = self.egid;
        Ok(())
    }
}
