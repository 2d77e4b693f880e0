//! Tests of the short and object forms of edges and profiles.
use super::*;
use crate::scenario::edge_form::EdgeFile;

#[test]
fn an_edge_is_a_description_null_or_an_object() {
    let e: EdgeFile = serde_json::from_str(r#""when refunds""#).unwrap();
    assert_eq!(e.description.as_deref(), Some("when refunds"));
    let e: EdgeFile = serde_json::from_str("null").unwrap();
    assert_eq!(e, EdgeFile::default());
    let e: EdgeFile = serde_json::from_str(r#"{"description": "x", "by_name": true}"#).unwrap();
    assert!(e.by_name && e.description.as_deref() == Some("x"));
    let bad = serde_json::from_str::<EdgeFile>(r#"{"descripton": "x"}"#).unwrap_err();
    assert!(bad.to_string().contains("unknown field `descripton`"), "{bad}");
    let bad = serde_json::from_str::<EdgeFile>("3").unwrap_err();
    assert!(bad.to_string().contains("a description, null"), "{bad}");
}

#[test]
fn an_edge_object_may_override_the_agents_sdk_function() {
    let e: EdgeFile =
        serde_json::from_str(r#"{"tool_name_override": "to_billing", "tool_description_override": "Billing."}"#)
            .unwrap();
    assert_eq!(e.tool_name.as_deref(), Some("to_billing"));
    assert_eq!(e.description.as_deref(), Some("Billing."));
    assert_eq!(e.sdk_option(), Some("tool_name_override"));
    let e: EdgeFile = serde_json::from_str(r#"{"tool_name_override": ""}"#).unwrap();
    assert_eq!(e.tool_name, None, "the SDK's `or` reads an empty override as none");
    let e: EdgeFile = serde_json::from_str(r#"{"tool_description_override": "x"}"#).unwrap();
    assert_eq!(e.sdk_option(), Some("tool_description_override"));
    let e: EdgeFile = serde_json::from_str(r#"["a", {"tool_name_override": "b"}, "c"]"#).unwrap();
    assert_eq!(e.sdk_option(), Some("tool_name_override"), "an earlier declaration's");
    let names: Vec<_> = e.declarations("a", "b").map(|d| d.tool_name).collect();
    assert_eq!(names, [None, Some("b".to_string()), None]);
    assert_eq!(
        serde_json::from_str::<EdgeFile>(r#""plain""#).unwrap().sdk_option(),
        None
    );
    let bad =
        serde_json::from_str::<EdgeFile>(r#"{"tool_description_override": "x", "description": "y"}"#).unwrap_err();
    assert!(bad.to_string().contains("give the description once"), "{bad}");
    let bad = serde_json::from_str::<EdgeFile>(r#"{"tool_name_override": "a.b"}"#).unwrap_err();
    assert!(bad.to_string().contains("is not a function name"), "{bad}");
    let e: EdgeFile = serde_json::from_str(r#"[{"is_enabled": false}, "x"]"#).unwrap();
    assert_eq!(e.sdk_option(), Some("is_enabled"));
    let enabled: Vec<_> = e.declarations("a", "b").map(|d| d.enabled).collect();
    assert_eq!(enabled, [false, true]);
    let bad = serde_json::from_str::<EdgeFile>(r#"{"is_enabled": "sometimes"}"#).unwrap_err();
    assert!(bad.to_string().contains("`handoff serve` runs it"), "{bad}");
}

#[test]
fn a_profile_is_a_name_or_an_object() {
    let p: ProfileFile = serde_json::from_str(r#""agent-framework""#).unwrap();
    assert_eq!(p.profile.name, "agent-framework");
    let p: ProfileFile = serde_json::from_str(r#"{"name": "semantic-kernel", "usage_chunk": true}"#).unwrap();
    assert!(p.usage_chunk);
    let bad = serde_json::from_str::<ProfileFile>(r#""agent-framwork""#).unwrap_err();
    assert!(bad.to_string().contains("(did you mean `agent-framework`?)"), "{bad}");
    let bad = serde_json::from_str::<ProfileFile>(r#"{"name": "openai-agents", "usage_chunk": true}"#).unwrap_err();
    assert!(bad.to_string().contains("does not drop threads"), "{bad}");
    let p: ProfileFile =
        serde_json::from_str(r#"{"name": "openai-agents", "tool_not_found_behavior": "return_error_to_model"}"#)
            .unwrap();
    assert!(p.unknown_tools_returned && !p.usage_chunk);
    let p: ProfileFile =
        serde_json::from_str(r#"{"name": "openai-agents", "tool_not_found_behavior": "raise_error"}"#).unwrap();
    assert!(!p.unknown_tools_returned);
    let bad = serde_json::from_str::<ProfileFile>(
        r#"{"name": "agent-framework", "tool_not_found_behavior": "return_error_to_model"}"#,
    )
    .unwrap_err();
    assert!(bad.to_string().contains("always answers such a call"), "{bad}");
    let bad = serde_json::from_str::<ProfileFile>(r#"{"name": "openai-agents", "tool_not_found_behavior": "x"}"#)
        .unwrap_err();
    assert!(bad.to_string().contains("return_error_to_model"), "{bad}");
    let p: ProfileFile = serde_json::from_str(r#"{"name": "agent-framework", "streamed_runs": "first"}"#).unwrap();
    assert_eq!(p.streamed_runs, StreamedRuns::First);
    assert_eq!(ProfileFile::plain(p.profile).streamed_runs, StreamedRuns::All);
    let bad =
        serde_json::from_str::<ProfileFile>(r#"{"name": "agent-framework", "streamed_runs": "some"}"#).unwrap_err();
    assert!(
        bad.to_string().contains("expected one of `all`, `first`, `none`"),
        "{bad}"
    );
    let bad =
        serde_json::from_str::<ProfileFile>(r#"{"name": "semantic-kernel", "streamed_runs": "none"}"#).unwrap_err();
    assert!(
        bad.to_string().contains("only changes what `agent-framework` sends"),
        "{bad}"
    );
}

#[test]
fn a_termination_condition_is_one_of_its_common_forms() {
    let p: ProfileFile =
        serde_json::from_str(r#"{"name": "agent-framework", "termination_condition": {"user_messages": 4}}"#).unwrap();
    assert_eq!(p.termination, Some(Termination::UserMessages(4)));
    let p: ProfileFile = serde_json::from_str(
        r#"{"name": "agent-framework", "termination_condition": {"last_message_contains": "Bye", "ignore_case": true}}"#,
    )
    .unwrap();
    let t = p.termination.unwrap();
    assert!(t.holds(1, "ok, bye!") && !t.holds(9, "ok"));
    assert_eq!(ProfileFile::plain(p.profile).termination, None);
    let bad = serde_json::from_str::<ProfileFile>(
        r#"{"name": "semantic-kernel", "termination_condition": {"user_messages": 4}}"#,
    )
    .unwrap_err();
    assert!(
        bad.to_string().contains("only changes what `agent-framework` does"),
        "{bad}"
    );
    let bad = serde_json::from_str::<ProfileFile>(
        r#"{"name": "agent-framework", "termination_condition": {"user_messages": 4, "last_message_contains": "x"}}"#,
    )
    .unwrap_err();
    assert!(bad.to_string().contains("one of them"), "{bad}");
}

#[test]
fn streamed_runs_say_which_runs_stream() {
    let runs = |s: StreamedRuns| (0..3).map(|turns| s.streams(turns)).collect::<Vec<_>>();
    assert_eq!(runs(StreamedRuns::All), [true, true, true]);
    assert_eq!(runs(StreamedRuns::First), [true, false, false]);
    assert_eq!(runs(StreamedRuns::None), [false, false, false]);
    for name in StreamedRuns::NAMES {
        assert!(StreamedRuns::named(name).is_some(), "{name}");
    }
}
