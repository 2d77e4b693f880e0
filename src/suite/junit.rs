//! A suite's reports as JUnit XML (`handoff test --junit PATH`), valid against the Jenkins
//! JUnit schema (`junit-10.xsd`, the one pytest validates its own reports with).
//!
//! One `<testsuite>` per suite directory, one `<testcase>` per scenario with its time. A
//! failed scenario carries one `<failure>`: its `type` says what failed (`expectation`,
//! `snapshot`, `nondeterministic`, or `bad-input` for a file that does not load; the schema
//! has no `<error>` element), its `message` the one-line summaries, its body the details of
//! just the failure (the snapshot diff, the two differing events). A design file is
//! `<skipped>`.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{Failure, ScenarioReport};

/// One scenario's report with the time its runs took (from a monotonic clock: the one
/// volatile value of the report, never part of a history or a snapshot).
#[derive(Debug, Clone)]
pub struct Timed<'a> {
    /// The report.
    pub report: &'a ScenarioReport,
    /// How long the scenario took.
    pub time: Duration,
}

/// The JUnit XML of `suites`: each suite's name (its directory) and its scenarios.
pub fn junit(suites: &[(String, Vec<Timed<'_>>)]) -> String {
    let mut report = Report::new("handoff test");
    let mut total = Duration::ZERO;
    for (name, scenarios) in suites {
        let mut suite = TestSuite::new(name.as_str());
        let time: Duration = scenarios.iter().map(|t| t.time).sum();
        suite.set_time(time);
        total += time;
        suite.add_test_cases(scenarios.iter().map(|timed| test_case(name, timed)));
        report.add_test_suite(suite);
    }
    report.set_time(total);
    let xml = report.to_string().expect("a JUnit report of strings always serialises");
    without_skipped_total(&xml)
}

fn test_case(suite: &str, timed: &Timed<'_>) -> TestCase {
    let report = timed.report;
    let status = if let Some(why) = &report.ignored {
        let mut status = TestCaseStatus::skipped();
        status.set_message(why.as_str());
        status
    } else if report.passed() {
        TestCaseStatus::success()
    } else {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        let summary: Vec<String> = report.failures.iter().map(Failure::summary).collect();
        status.set_type(kind(&report.failures));
        status.set_message(summary.join("; "));
        status.set_description(details(&report.failures));
        status
    };
    let mut case = TestCase::new(report.name.as_str(), status);
    case.set_classname(suite);
    case.set_time(timed.time);
    case
}

/// What failed, worst first: a file that does not load hides everything else.
fn kind(failures: &[Failure]) -> &'static str {
    if failures.iter().any(Failure::is_bad_input) {
        "bad-input"
    } else if failures.iter().any(|f| matches!(f, Failure::Nondeterministic { .. })) {
        "nondeterministic"
    } else if failures.iter().any(|f| matches!(f, Failure::BrokenRun { .. })) {
        "broken-run"
    } else if failures.iter().any(|f| matches!(f, Failure::Expectation(_))) {
        "expectation"
    } else {
        "snapshot"
    }
}

/// Each failure's summary, then its details where it has any.
fn details(failures: &[Failure]) -> String {
    let mut out = String::new();
    for failure in failures {
        out.push_str(&failure.summary());
        out.push('\n');
        match failure {
            Failure::ChangedSnapshot { diff, .. } => out.push_str(diff),
            Failure::Nondeterministic { first, second, .. } => {
                out.push_str(&format!("first run:  {first}\nsecond run: {second}\n"))
            }
            Failure::BrokenRun { reason, .. } => {
                out.push_str(reason);
                out.push('\n');
            }
            Failure::Expectation(check) => {
                for line in &check.detail {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            _ => {}
        }
    }
    out.trim_end().to_string()
}

/// quick-junit writes a `skipped` count on `<testsuites>`, which the Jenkins schema does not
/// allow there (it does on `<testsuite>`): the one attribute removed, through quick-xml's
/// reader and writer so that nothing else changes.
fn without_skipped_total(xml: &str) -> String {
    use quick_xml::events::{BytesStart, Event};
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(xml.len()));
    loop {
        let event = reader.read_event().expect("quick-junit writes well-formed XML");
        let event = match event {
            Event::Eof => break,
            Event::Start(start) if start.name().as_ref() == b"testsuites" => {
                let mut tag = BytesStart::new("testsuites");
                tag.extend_attributes(start.attributes().flatten().filter(|a| a.key.as_ref() != b"skipped"));
                Event::Start(tag)
            }
            other => other,
        };
        writer.write_event(event).expect("writing to memory cannot fail");
    }
    String::from_utf8(writer.into_inner()).expect("XML read from a string is UTF-8")
}
