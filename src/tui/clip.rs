//! The TUI's clipboard, shared by the jobs that use it. Copying starts a
//! keeper process and waits for its answer, so it runs as a job, never on
//! the UI thread; the jobs take turns in the order the app asked for them
//! (a ticket each, taken on the loop's thread), so that the clear of a lock
//! never overtakes the copy before it, whichever worker runs which.

use crate::clipboard::Copier;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// What the lane guards: the copier and the secret last copied (for the
/// clipboard-cleared record).
pub struct Board {
    pub copier: Box<dyn Copier>,
    pub copied: Option<String>,
}

struct State {
    board: Board,
    /// The ticket whose turn it is.
    serving: u64,
    /// Tickets dropped without their job having run: skipped in turn.
    abandoned: BTreeSet<u64>,
}

pub struct ClipLane {
    state: Mutex<State>,
    turn: Condvar,
    issued: AtomicU64,
    /// Set when the TUI quits: later copies do nothing.
    closed: AtomicBool,
}

/// A place in the clipboard's queue. Dropped unused, it gives up its turn.
pub struct Ticket {
    lane: Arc<ClipLane>,
    number: u64,
    used: bool,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if !self.used {
            let mut state = self.lane.lock();
            state.abandoned.insert(self.number);
            self.lane.advance(&mut state);
        }
    }
}

impl ClipLane {
    pub fn new(copier: Box<dyn Copier>) -> Arc<ClipLane> {
        Arc::new(ClipLane {
            state: Mutex::new(State {
                board: Board {
                    copier,
                    copied: None,
                },
                serving: 0,
                abandoned: BTreeSet::new(),
            }),
            turn: Condvar::new(),
            issued: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves the turn past abandoned tickets and wakes the waiting jobs.
    fn advance(&self, state: &mut State) {
        while state.abandoned.remove(&state.serving) {
            state.serving += 1;
        }
        self.turn.notify_all();
    }

    /// The next place in the queue; taken in the order effects come.
    pub fn ticket(self: &Arc<Self>) -> Ticket {
        Ticket {
            lane: self.clone(),
            number: self.issued.fetch_add(1, Ordering::SeqCst),
            used: false,
        }
    }

    /// Waits for `ticket`'s turn, then runs `f` on the board; None once
    /// the TUI has quit.
    pub fn in_turn<R>(&self, mut ticket: Ticket, f: impl FnOnce(&mut Board) -> R) -> Option<R> {
        ticket.used = true;
        let mut state = self.lock();
        while state.serving != ticket.number {
            state = self.turn.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        // The turn passes on even if `f` panics.
        struct Next<'a>(&'a ClipLane, Option<MutexGuard<'a, State>>);
        impl Drop for Next<'_> {
            fn drop(&mut self) {
                if let Some(mut state) = self.1.take() {
                    state.serving += 1;
                    self.0.advance(&mut state);
                }
            }
        }
        let mut next = Next(self, Some(state));
        if self.closed.load(Ordering::SeqCst) {
            return None;
        }
        let board = &mut next.1.as_mut().expect("held until dropped").board;
        Some(f(board))
    }

    /// Runs `f` now unless a job is using the board (then None: the next
    /// tick asks again). For polling, on the UI thread.
    pub fn try_now<R>(&self, f: impl FnOnce(&mut Board) -> R) -> Option<R> {
        let mut state = self.state.try_lock().ok()?;
        Some(f(&mut state.board))
    }

    /// Replaces the copier (the test harness's fake clipboard).
    pub fn set_copier(&self, copier: Box<dyn Copier>) {
        self.lock().board.copier = copier;
    }

    /// The TUI quits: copies not yet made are dropped, the one under way
    /// is waited for, and then `f` runs (the clear that must not wait).
    pub fn close(&self, f: impl FnOnce(&mut Board)) {
        self.closed.store(true, Ordering::SeqCst);
        f(&mut self.lock().board);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clipboard::{AutoClear, FakeClipboard};
    use std::time::{Duration, Instant};

    fn lane() -> (Arc<ClipLane>, FakeClipboard) {
        let board = FakeClipboard::new();
        (
            ClipLane::new(Box::new(AutoClear::new(board.clone()))),
            board,
        )
    }

    #[test]
    fn jobs_take_turns_in_ticket_order_whichever_thread_starts_first() {
        let (lane, _) = lane();
        let order = Arc::new(Mutex::new(Vec::new()));
        let tickets: Vec<Ticket> = (0..4).map(|_| lane.ticket()).collect();
        // Started in reverse: each still waits for the one before it.
        let handles: Vec<_> = tickets
            .into_iter()
            .enumerate()
            .rev()
            .map(|(i, t)| {
                let (lane, order) = (lane.clone(), order.clone());
                std::thread::spawn(move || {
                    lane.in_turn(t, |_| order.lock().unwrap().push(i));
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![0, 1, 2, 3]);
    }

    #[test]
    fn an_abandoned_ticket_gives_up_its_turn() {
        let (lane, _) = lane();
        let first = lane.ticket();
        let second = lane.ticket();
        drop(first);
        assert_eq!(lane.in_turn(second, |_| 7), Some(7));
    }

    #[test]
    fn after_close_a_late_copy_does_nothing() {
        let (lane, board) = lane();
        let ticket = lane.ticket();
        lane.close(|_| {});
        let now = Instant::now();
        let ran = lane.in_turn(ticket, |b| {
            b.copier
                .copy("s3cret", Some(Duration::from_secs(5)), now, None)
                .is_ok()
        });
        assert_eq!(ran, None);
        assert_eq!(board.contents(), None);
    }

    #[test]
    fn polling_does_not_wait_for_a_copy_under_way() {
        let (lane, _) = lane();
        let ticket = lane.ticket();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let worker = {
            let lane = lane.clone();
            std::thread::spawn(move || {
                lane.in_turn(ticket, |_| {
                    started_tx.send(()).unwrap();
                    go_rx.recv().unwrap();
                })
            })
        };
        started_rx.recv().unwrap();
        assert!(lane.try_now(|_| ()).is_none(), "busy: poll later");
        go_tx.send(()).unwrap();
        worker.join().unwrap();
        assert!(lane.try_now(|_| ()).is_some());
    }
}
