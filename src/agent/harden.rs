//! Hardening of the agent process, which holds unlocked keys for hours:
//! never dumped (no core file, no ptrace by other processes of the user
//! where the kernel honours it), its memory locked against swapping where
//! the system allows. What cannot be done is reported in the status, never
//! as a warning.

/// What the hardening achieved.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hardened {
    pub memory_locked: bool,
}

/// No core dumps, not dumpable, memory locked when permitted.
pub fn harden() -> Hardened {
    crate::hardening::disable_core_dumps();
    Hardened {
        memory_locked: lock_memory(),
    }
}

/// Whether the process is dumpable (prctl PR_GET_DUMPABLE); false where
/// the question cannot be asked.
pub fn dumpable() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_GET_DUMPABLE takes no pointers.
        unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) > 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// Locks present and future pages when the limit allows all of them (an
/// unlimited or large RLIMIT_MEMLOCK, raised to unlimited first where the
/// process may); otherwise only the pages present now, since locking future
/// ones under a small limit would make later allocations fail. Returns
/// whether every page is locked.
fn lock_memory() -> bool {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into our struct.
    if unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut lim) } != 0 {
        return false;
    }
    let roomy = |l: &libc::rlimit| l.rlim_cur == libc::RLIM_INFINITY || l.rlim_cur >= 256 << 20;
    // Unlimited needs the privilege; the hard limit is ours to take.
    for raised in [libc::RLIM_INFINITY, lim.rlim_max] {
        if roomy(&lim) {
            break;
        }
        let want = libc::rlimit {
            rlim_cur: raised,
            rlim_max: raised.max(lim.rlim_max),
        };
        // SAFETY: setrlimit reads our struct; refused without the privilege.
        if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &want) } == 0 {
            lim = want;
        }
    }
    if roomy(&lim) {
        // SAFETY: mlockall takes flags only.
        if unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE) } == 0 {
            return true;
        }
    }
    // SAFETY: as above; a failure (limit too small) is only not locking.
    unsafe {
        libc::mlockall(libc::MCL_CURRENT);
    }
    false
}
