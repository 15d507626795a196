//! TUI benchmark: `cargo bench --bench tui` (numbers in docs/PERFORMANCE.md).
//!
//! On a store of 10,000 secrets (demo::populate: ~20 per project, every
//! status), measures what a user feels:
//! - start to first frame: open the store, list names, build the tree, draw
//!   the first frame (metadata still loading, as in the real loop);
//! - the background load: every secret's metadata decrypted and the tree's
//!   statuses filled in;
//! - one filter keystroke: update + redraw with the whole catalogue loaded;
//! - memory: the process's peak resident set after all of that.
//!
//! Plain `fn main`, medians of repeated runs. Under `cargo test` (no
//! `--bench` argument) it only does a smoke run on 300 secrets.

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::{Duration, Instant};
use ward::app::{self, Effect, Msg};
use ward::keymap::{KeyCode, KeyPress};
use ward::store::Store;
use ward::tui::session::{Event, Session};
use ward::tui::Settings;

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let n = if bench { 10_000 } else { 300 };
    let reps = if bench { 7 } else { 1 };
    let dir = tempfile::tempdir().unwrap();
    let demo = ward::demo::create(dir.path()).unwrap();
    let store = Store::open(&demo.store).unwrap();
    let t = Instant::now();
    ward::demo::populate(&store, n).unwrap();
    println!(
        "built a store of {} secrets in {:.1} s",
        n + 15,
        t.elapsed().as_secs_f64()
    );
    let settings = Settings {
        store: demo.store.clone(),
        identities: vec![demo.identity.clone()],
        identities_given: true,
        config: dir.path().join("none.toml"),
    };

    let cache_dir = dir.path().join("cache");
    let mut first_frame = Vec::new();
    let mut full_load = Vec::new();
    let mut warm_load = Vec::new();
    let mut keystroke = Vec::new();
    let mut review_open = Vec::new();
    for _ in 0..reps {
        // Start to first frame.
        let start = Instant::now();
        let _ = std::fs::remove_dir_all(&cache_dir);
        let (mut app, mut session, fx) =
            ward::tui::prepare(&settings, ward::tui::read_clock()).unwrap();
        session.cache_dir = Some(cache_dir.clone());
        let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
        app::update(&mut app, Msg::Resize(160, 48));
        app::refresh(&mut app);
        term.draw(|f| ward::ui::draw(f, &app)).unwrap();
        first_frame.push(start.elapsed());

        // The background load (run here on this thread; rayon inside uses both cores).
        let start = Instant::now();
        run(&mut app, &mut session, fx);
        app::refresh(&mut app);
        term.draw(|f| ward::ui::draw(f, &app)).unwrap();
        full_load.push(start.elapsed());
        assert_eq!(
            app.catalog.progress(),
            (app.catalog.len(), app.catalog.len())
        );

        // A second start, with the encrypted metadata cache warm.
        {
            let (mut app2, mut session2, fx2) =
                ward::tui::prepare(&settings, ward::tui::read_clock()).unwrap();
            session2.cache_dir = Some(cache_dir.clone());
            let start = Instant::now();
            run(&mut app2, &mut session2, fx2);
            warm_load.push(start.elapsed());
            assert_eq!(app2.catalog.progress().0, app2.catalog.len());
        }

        // The review screen: every row built, sorted worst first, drawn.
        let start = Instant::now();
        app::update(&mut app, key('v'));
        app::refresh(&mut app);
        term.draw(|f| ward::ui::draw(f, &app)).unwrap();
        review_open.push(start.elapsed());
        assert_eq!(app.review.rows.len(), app.catalog.len());
        app::update(&mut app, Msg::Key(KeyPress::plain(KeyCode::Esc)));

        // Filter keystrokes on the loaded catalogue.
        app::update(&mut app, key('/'));
        for c in "project-01/api".chars() {
            let start = Instant::now();
            app::update(&mut app, key(c));
            app::refresh(&mut app);
            term.draw(|f| ward::ui::draw(f, &app)).unwrap();
            keystroke.push(start.elapsed());
        }
        assert!(!app.tree.rows.is_empty(), "the filter matched something");
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("secrets:                 {}", n + 15);
    println!(
        "start to first frame:    {:.1} ms (median of {reps})",
        ms(median(&mut first_frame))
    );
    println!(
        "all metadata, cold:      {:.0} ms (median of {reps}; builds the cache)",
        ms(median(&mut full_load))
    );
    println!(
        "all metadata, warm:      {:.0} ms (median of {reps}; from the cache)",
        ms(median(&mut warm_load))
    );
    println!(
        "open review screen:      {:.1} ms (median of {reps}; rows built, sorted, drawn)",
        ms(median(&mut review_open))
    );
    println!(
        "filter keystroke:        {:.2} ms median, {:.2} ms worst (of {})",
        ms(median(&mut keystroke)),
        ms(*keystroke.iter().max().unwrap()),
        keystroke.len()
    );
    println!("peak RSS of this process: {} MB", peak_rss_kb() / 1024);
}

fn key(c: char) -> Msg {
    Msg::Key(KeyPress::plain(KeyCode::Char(c)))
}

/// Runs effects to completion the way the real loop does, on this thread.
fn run(app: &mut app::App, session: &mut Session, mut fx: Vec<Effect>) {
    while !fx.is_empty() {
        let mut next = Vec::new();
        for effect in fx {
            if let Some(job) = session.perform(effect) {
                let (tx, rx) = std::sync::mpsc::channel::<Event>();
                job(tx);
                for ev in rx.try_iter() {
                    if let Some(msg) = session.absorb(ev) {
                        next.extend(app::update(app, msg));
                    }
                }
            }
        }
        fx = next;
    }
    app::refresh(app);
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|n| n.parse().unwrap_or(0)))
        })
        .unwrap_or(0)
}
