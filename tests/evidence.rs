//! `ward review sign` and `ward report --evidence`: a sign-off in the signed
//! audit chain with the review's hash, and the evidence pack as Markdown and
//! as one self-contained HTML file. The real binary.

mod common;
use common::{stderr, stdout, Ward};

fn demo(w: &Ward) -> Vec<String> {
    let demo = ward::demo::create(&w.root().join("demo")).unwrap();
    vec![
        "--store".into(),
        demo.store.display().to_string(),
        "--identity".into(),
        demo.identity.display().to_string(),
    ]
}

fn run(w: &Ward, flags: &[String], rest: &[&str], code: i32) -> std::process::Output {
    let args: Vec<&str> = flags
        .iter()
        .map(String::as_str)
        .chain(rest.iter().copied())
        .collect();
    w.expect_code(&args, None, code)
}

#[test]
fn a_sign_off_is_a_signed_record_of_the_reviews_hash() {
    let w = Ward::with_actor("lead@office");
    let flags = demo(&w);
    let first = stdout(&run(&w, &flags, &["review", "sign"], 0));
    assert!(first.starts_with("Signed off the review of 20"), "{first}");
    assert!(
        first.contains("as lead@office: 15 secrets, 4 needing action; sha256 "),
        "{first}"
    );
    let hash = first
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_end_matches('.')
        .to_string();
    assert_eq!(hash.len(), 64, "{first}");

    // The same review hashes the same.
    let again = stdout(&run(&w, &flags, &["review", "sign"], 0));
    assert!(again.contains(&hash), "{again}");

    // The record is in the actor's chain, signed, and the chain verifies.
    let log = stdout(&run(
        &w,
        &flags,
        &["audit", "--action", "sign-off", "--json"],
        0,
    ));
    let records: serde_json::Value = serde_json::from_str(&log).unwrap();
    assert_eq!(records.as_array().unwrap().len(), 2, "{records}");
    assert!(
        records[0]["sig"].as_str().is_some_and(|s| !s.is_empty()),
        "{records}"
    );
    assert_eq!(records[0]["actor"], "lead@office");
    run(&w, &flags, &["audit", "verify"], 0);

    // A change to the review changes the hash.
    run(
        &w,
        &flags,
        &["rotate", "infra/aws/ACCESS_KEY_ID", "--generate"],
        0,
    );
    let changed = stdout(&run(&w, &flags, &["review", "sign"], 0));
    assert!(!changed.contains(&hash), "{changed}");

    // The pack lists the sign-offs of its period, signed.
    let md = stdout(&run(&w, &flags, &["report", "--evidence"], 0));
    let section = md.split("## Sign-offs").nth(1).unwrap();
    assert_eq!(section.matches("| lead@office |").count(), 3, "{section}");
    assert!(
        section.contains(&hash[..16]) && section.contains("| signed |"),
        "{section}"
    );
}

#[test]
fn the_markdown_pack_has_every_section_with_the_facts() {
    let w = Ward::new();
    let flags = demo(&w);
    let md = stdout(&run(
        &w,
        &flags,
        &["report", "--evidence", "--format", "markdown"],
        0,
    ));
    assert!(md.starts_with("# Key management evidence: 20"), "{md}");
    for section in [
        "Who can read",
        "Cryptoperiods",
        "Rotations",
        "Incidents",
        "Value access",
        "Sign-offs",
    ] {
        assert!(
            md.contains(&format!("\n## {section}\n")),
            "{section} missing:\n{md}"
        );
    }
    assert!(md.contains("chains intact: "), "{md}");
    // infra/ has a 30-day folder policy, and ACCESS_KEY_ID is overdue.
    let line = md
        .lines()
        .find(|l| l.starts_with("| infra/aws/ACCESS\\_KEY\\_ID |"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(line.contains("| 30d (folder:infra) | NOT met |"), "{line}");
    assert!(md.contains("| acme/api/prod/GITHUB\\_TOKEN | "), "{md}");
    assert!(md.contains("pasted in a public CI log | open |"), "{md}");
    assert!(
        md.contains("| bob@laptop | 3 | 0 | 0 | 3 | 3 | 0 |"),
        "{md}"
    );
    assert!(md.contains("No sign-off of 20"), "{md}");

    // No value anywhere in it.
    let value = stdout(&run(
        &w,
        &flags,
        &["get", "acme/api/prod/STRIPE_SECRET_KEY"],
        0,
    ));
    assert!(!md.contains(value.trim()));
}

#[test]
fn the_html_pack_is_one_inert_file() {
    let w = Ward::new();
    let flags = demo(&w);
    run(
        &w,
        &flags,
        &[
            "edit",
            "billing/QUICKBOOKS_OAUTH",
            "--owner",
            "<img src=x onerror=alert(1)>",
        ],
        0,
    );
    let html = stdout(&run(
        &w,
        &flags,
        &["report", "--evidence", "--format", "html"],
        0,
    ));
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(
        html.contains("<svg") && html.contains("Value reads per actor"),
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("src=\"http") && !html.contains("href="),
        "{html}"
    );
    assert!(html.contains("default-src 'none'"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
}

#[test]
fn periods_and_formats_are_checked() {
    let w = Ward::new();
    let flags = demo(&w);
    let out = run(
        &w,
        &flags,
        &["report", "--evidence", "--period", "2026-Q5"],
        2,
    );
    assert!(
        stderr(&out).contains("use a quarter (2026-Q4)"),
        "{}",
        stderr(&out)
    );
    run(&w, &flags, &["report", "--evidence", "--format", "json"], 2);
    let out = run(&w, &flags, &["report", "--format", "html"], 2);
    assert!(stderr(&out).contains("--evidence"), "{}", stderr(&out));
    run(&w, &flags, &["report", "--period", "2026-Q4"], 2);
    // A past period with none of the demo's rotations in it.
    let md = stdout(&run(
        &w,
        &flags,
        &["report", "--evidence", "--period", "2020"],
        0,
    ));
    assert!(md.contains("0 value changes in the period."), "{md}");
    run(&w, &flags, &["review", "sign", "--period", "soon"], 2);
}
