//! The worker threads the real loop runs jobs on: a fixed few, fed from one
//! queue, instead of a thread a job.
//!
//! What the app relies on, and keeps: each job's messages arrive in the
//! order it sent them (one channel; e.g. the first run's keys, then its
//! store, then "created"; metadata batches in order), and jobs start in the
//! order they were submitted. Jobs never relied on running one after
//! another: different jobs' messages interleave, as they did with a thread
//! each. The clipboard's jobs, whose order matters, take turns through
//! `tui::clip`.

use super::session::{Event, Job};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

/// How many workers for `cores` cores. Decrypting the metadata, the one
/// heavy job, spreads over rayon's own threads, so workers mostly wait (on
/// files, the keeper, the store lock): two more than the cores keep one
/// free for a key press's job while the start-up's metadata load and audit
/// check run, and a few dozen queued change checks cannot take them all.
pub fn size_for(cores: usize) -> usize {
    (cores + 2).clamp(4, 10)
}

pub struct Pool {
    queue: Sender<Job>,
    size: usize,
}

impl Pool {
    /// Starts `size` workers that report to `events`.
    pub fn new(size: usize, events: Sender<Event>) -> std::io::Result<Pool> {
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..size {
            let (jobs, events) = (jobs.clone(), events.clone());
            std::thread::Builder::new()
                .name(format!("ward-job-{n}"))
                .spawn(move || work(&jobs, &events))?;
        }
        Ok(Pool { queue, size })
    }

    /// Sized for this machine (`size_for` its available cores).
    pub fn for_machine(events: Sender<Event>) -> std::io::Result<Pool> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Pool::new(size_for(cores), events)
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Queues a job; the first free worker runs it.
    pub fn submit(&self, job: Job) {
        // Workers only stop when the pool is dropped: the send cannot fail
        // while `self` lives, unless every worker died, and they catch panics.
        let _ = self.queue.send(job);
    }
}

/// One worker: takes jobs until the pool is dropped. A job that panics is
/// that job's end, not the worker's. The pool is never joined: at quit a
/// long job (an audit check) must not hold the terminal back.
fn work(jobs: &Mutex<Receiver<Job>>, events: &Sender<Event>) {
    loop {
        let next = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok(job) = next else { return };
        let tx = events.clone();
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || job(tx)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Msg;
    use std::time::Duration;

    fn notice(tx: &Sender<Event>, text: String) {
        let _ = tx.send(Event::App(Msg::Notice(text)));
    }

    fn text(ev: Event) -> String {
        match ev {
            Event::App(Msg::Notice(t)) => t,
            _ => panic!("not a notice"),
        }
    }

    #[test]
    fn sized_for_the_machine_within_bounds() {
        assert_eq!(size_for(1), 4);
        assert_eq!(size_for(2), 4);
        assert_eq!(size_for(4), 6);
        assert_eq!(size_for(64), 10);
    }

    #[test]
    fn at_most_size_jobs_run_at_once_and_all_finish() {
        let (tx, rx) = mpsc::channel();
        let pool = Pool::new(2, tx).unwrap();
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for i in 0..8 {
            let (running, peak) = (running.clone(), peak.clone());
            pool.submit(Box::new(move |tx| {
                use std::sync::atomic::Ordering::SeqCst;
                let now = running.fetch_add(1, SeqCst) + 1;
                peak.fetch_max(now, SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                running.fetch_sub(1, SeqCst);
                notice(&tx, i.to_string());
            }));
        }
        let mut done: Vec<u32> = (0..8)
            .map(|_| {
                text(rx.recv_timeout(Duration::from_secs(10)).unwrap())
                    .parse()
                    .unwrap()
            })
            .collect();
        done.sort();
        assert_eq!(done, (0..8).collect::<Vec<_>>());
        assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn one_jobs_messages_keep_their_order_and_jobs_start_in_order() {
        let (tx, rx) = mpsc::channel();
        let pool = Pool::new(1, tx).unwrap();
        for job in 0..3 {
            pool.submit(Box::new(move |tx| {
                for part in 0..3 {
                    notice(&tx, format!("{job}.{part}"));
                }
            }));
        }
        let got: Vec<String> = (0..9)
            .map(|_| text(rx.recv_timeout(Duration::from_secs(10)).unwrap()))
            .collect();
        let want: Vec<String> = (0..3)
            .flat_map(|j| (0..3).map(move |p| format!("{j}.{p}")))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_panicking_job_does_not_take_its_worker() {
        let (tx, rx) = mpsc::channel();
        let pool = Pool::new(1, tx).unwrap();
        pool.submit(Box::new(|_| panic!("a job's bug")));
        pool.submit(Box::new(|tx| notice(&tx, "still here".into())));
        let ev = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(text(ev), "still here");
    }
}
